//! The stable error codes: one vocabulary for the server's problem documents, the sync client,
//! the app's façade and the CLI's exit codes.
//!
//! Each code has its wire string (snake_case, fixed for API v1), the HTTP status it answers with
//! (`None` for the codes only the device produces: no network, local storage, camera…) and a
//! French default text. A code this build does not know (a newer server's) is kept as
//! [`ErrorCode::Other`], never lost nor renamed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $wire:literal, $status:expr, $french:literal;)*) => {
        /// A stable error code.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code this build does not know, kept exactly as received.
            Other(String),
        }

        impl ErrorCode {
            /// Every known code.
            pub const KNOWN: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code on the wire, such as `payload_too_large`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                    ErrorCode::Other(code) => code,
                }
            }

            /// The HTTP status a problem with this code answers with; `None` for a code only
            /// the device produces, or one this build does not know.
            pub fn http_status(&self) -> Option<u16> {
                match self {
                    $(ErrorCode::$variant => $status,)*
                    ErrorCode::Other(_) => None,
                }
            }

            /// The French text to show when nothing more precise is known.
            pub fn french(&self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $french,)*
                    ErrorCode::Other(_) => "Le serveur a refusé la demande.",
                }
            }

            /// The code of a wire string; an unknown one is kept as [`ErrorCode::Other`].
            pub fn parse(code: &str) -> ErrorCode {
                match code {
                    $($wire => ErrorCode::$variant,)*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    // ----- HTTP in general (the server's generic problems) -----
    /// A malformed request.
    BadRequest = "bad_request", Some(400), "Requête invalide";
    /// No valid access token.
    Unauthorized = "unauthorized", Some(401), "Authentification requise : veuillez vous connecter";
    /// The account's role may not do this.
    Forbidden = "forbidden", Some(403), "Vous n'avez pas accès à cette fonction";
    /// A missing resource, or another customer's.
    NotFound = "not_found", Some(404), "Ressource introuvable";
    /// A method the address does not take.
    MethodNotAllowed = "method_not_allowed", Some(405), "Méthode non autorisée pour cette adresse";
    /// The request took too long.
    RequestTimeout = "request_timeout", Some(408), "La requête a pris trop de temps, veuillez réessayer";
    /// A body without its length.
    LengthRequired = "length_required", Some(411), "La longueur du corps de la requête est requise";
    /// A body over 1 MiB.
    PayloadTooLarge = "payload_too_large", Some(413), "Le corps de la requête dépasse la taille maximale (1 Mio)";
    /// A body that is not JSON.
    UnsupportedMediaType = "unsupported_media_type", Some(415), "Le corps de la requête doit être du JSON (application/json)";
    /// Too many requests; `Retry-After` says when to try again.
    TooManyRequests = "too_many_requests", Some(429), "Trop de requêtes, veuillez patienter avant de réessayer";
    /// The server failed; the cause is in its log only.
    InternalError = "internal_error", Some(500), "Erreur interne du serveur, veuillez réessayer plus tard";
    /// The server is momentarily unavailable.
    ServiceUnavailable = "service_unavailable", Some(503), "Service momentanément indisponible, veuillez réessayer";
    /// A body that is not valid JSON.
    InvalidJson = "invalid_json", Some(400), "Le corps de la requête n'est pas du JSON valide";
    /// A body that does not have the expected shape.
    InvalidBody = "invalid_body", Some(400), "Le corps de la requête est illisible";
    /// A bad query string.
    InvalidQuery = "invalid_query", Some(400), "Paramètres de requête invalides";
    /// A value outside its range (per-field code).
    OutOfRange = "out_of_range", Some(400), "Valeur hors des limites permises";

    // ----- signing in, e-mailed links -----
    /// Wrong e-mail or password.
    InvalidCredentials = "invalid_credentials", Some(401), "Identifiant ou mot de passe incorrect";
    /// Locked after failed attempts (`locked_until` says until when).
    AccountLocked = "account_locked", Some(423), "Votre compte est verrouillé après plusieurs tentatives infructueuses. Réessayez plus tard ou déverrouillez-le avec le lien reçu par e-mail.";
    /// A refused or expired link or token (`401` when it is a refresh token).
    InvalidToken = "invalid_token", Some(400), "Ce code n'est plus valable (expiré ou déjà utilisé) : demandez un nouveau lien.";
    /// A refresh token used twice: the device's session is revoked.
    TokenReused = "token_reused", Some(401), "Jeton déjà utilisé : veuillez vous reconnecter";
    /// A new password the policy refuses.
    WeakPassword = "weak_password", Some(400), "Mot de passe trop faible : au moins 10 caractères, avec des lettres et au moins un chiffre ou un symbole.";
    /// The kept session can no longer be refreshed.
    SessionExpired = "session_expired", Some(401), "Votre session a expiré : veuillez vous reconnecter.";

    // ----- BLs, codes, the cart -----
    /// An empty BL number.
    Empty = "empty", Some(400), "Veuillez saisir un numéro de bon de livraison";
    /// A number with something else than digits.
    InvalidFormat = "invalid_format", Some(400), "Format incorrect, veuillez saisir uniquement des caractères numériques";
    /// A BL number over 9 digits.
    TooLong = "too_long", Some(400), "Nombre de caractère supérieur à 9, Veuillez vérifier votre N° de bon de livraison";
    /// A code that is neither a BL, a product code nor a reference.
    InvalidCode = "invalid_code", Some(400), "Code non reconnu : scannez ou saisissez un BL, un code produit ou une référence.";
    /// More cart operations than one batch takes.
    TooManyOps = "too_many_ops", Some(400), "Trop d'opérations de panier en une fois";
    /// A cart operation that cannot apply.
    InvalidOp = "invalid_op", Some(422), "Opération de panier invalide";
    /// A cart operation stamped more than 24 h ahead of the server's clock: the device's date is
    /// wrong.
    ClockAhead = "clock_ahead", Some(422), "La date de cet appareil est en avance sur celle du serveur : réglez la date et l'heure de l'appareil (réglage automatique), puis refaites la modification.";
    /// A line the customer does not have.
    UnknownLine = "unknown_line", Some(422), "Une ligne de la demande est introuvable";
    /// A quantity of zero or less.
    InvalidQuantity = "invalid_quantity", Some(422), "Quantité invalide";
    /// A quantity above the eligible one.
    QuantityExceeded = "quantity_exceeded", Some(409), "Quantité supérieure à la quantité éligible";
    /// A reason the line does not allow.
    ReasonNotAllowed = "reason_not_allowed", Some(422), "Ce motif n'est pas autorisé pour cette ligne";
    /// A line without a reason.
    ReasonRequired = "reason_required", Some(422), "Chaque ligne doit avoir un motif de retour";
    /// A line with nothing left to return.
    NotEligible = "not_eligible", None, "Cette ligne n'a plus de quantité éligible au retour.";

    // ----- sending a request -----
    /// A request without lines.
    EmptyRequest = "empty_request", Some(422), "Votre panier est vide.";
    /// More lines than one request takes (500).
    TooManyLines = "too_many_lines", Some(422), "La demande contient trop de lignes : 500 au plus par envoi.";
    /// The same BL line twice in one request.
    DuplicateLine = "duplicate_line", Some(422), "La même ligne figure deux fois dans la demande";
    /// The service is closed (`next_change` says when it opens).
    ServiceClosed = "service_closed", Some(403), "Le service de retour est fermé pour le moment";
    /// A write without its `Idempotency-Key`.
    IdempotencyKeyRequired = "idempotency_key_required", Some(400), "L'en-tête Idempotency-Key est requis";
    /// An `Idempotency-Key` that is not a UUID.
    InvalidIdempotencyKey = "invalid_idempotency_key", Some(400), "L'en-tête Idempotency-Key est invalide";
    /// The same key is being processed: try again shortly.
    RequestInProgress = "request_in_progress", Some(409), "Cette demande est déjà en cours de traitement";
    /// The same key with another body.
    IdempotencyMismatch = "idempotency_mismatch", Some(422), "Cette clé d'idempotence a déjà servi pour une autre demande";

    // ----- return files (staff) -----
    /// A status change the file's state does not allow.
    InvalidTransition = "invalid_transition", Some(409), "Changement de statut impossible pour ce dossier";
    /// Closing a file without its outcome.
    OutcomeRequired = "outcome_required", Some(422), "Indiquez le résultat pour clôturer le dossier";
    /// A file line that does not exist or does not fit.
    InvalidLine = "invalid_line", Some(422), "Ligne de dossier invalide";
    /// A credit note that does not fit the file.
    InvalidCreditNote = "invalid_credit_note", Some(422), "Avoir invalide";
    /// A closing line that refuses units without saying why.
    RefusalReasonRequired = "refusal_reason_required", Some(422), "Indiquez le motif du refus pour chaque ligne refusée, même en partie";
    /// A credit note number already recorded with another body.
    CreditNoteConflict = "credit_note_conflict", Some(409), "Ce numéro d'avoir est déjà enregistré avec un autre contenu";
    /// A credit note on a file not yet closed.
    DossierNotClosed = "dossier_not_closed", Some(409), "Ce dossier n'est pas encore clôturé : il ne peut pas recevoir d'avoir";
    /// A report period that is reversed or longer than 366 days.
    InvalidPeriod = "invalid_period", Some(400), "Période invalide : la date de début doit précéder la date de fin, sur 366 jours au plus";
    /// A decision comment over 2,000 characters.
    CommentTooLong = "comment_too_long", Some(422), "Le commentaire dépasse 2 000 caractères";

    // ----- messages on a file -----
    /// A message without text.
    MessageEmpty = "message_empty", Some(422), "Écrivez votre message avant de l'envoyer";
    /// A message over 2,000 characters.
    MessageTooLong = "message_too_long", Some(422), "Le message dépasse 2 000 caractères : raccourcissez-le";
    /// A photo id that is unknown or another customer's.
    PhotoMissing = "photo_missing", Some(422), "Photo introuvable : envoyez-la de nouveau";

    // ----- webhooks (staff) -----
    /// A webhook address that is not a whole `http://` or `https://` address.
    InvalidWebhookUrl = "invalid_webhook_url", Some(422), "Adresse du webhook invalide : indiquez une adresse http:// ou https:// complète";
    /// A webhook without event types, or with one that does not exist.
    InvalidEventType = "invalid_event_type", Some(422), "Type d'événement inconnu pour ce webhook";
    /// A webhook secret shorter than 16 or longer than 256 characters.
    InvalidWebhookSecret = "invalid_webhook_secret", Some(422), "Le secret du webhook doit compter de 16 à 256 caractères";
    // ----- warranty claims (v1.1) -----
    /// A VIN that is not 17 characters among digits and capitals without I, O, Q, or (North
    /// America) whose check digit is wrong.
    InvalidVin = "invalid_vin", Some(422), "VIN invalide : 17 caractères, chiffres et lettres majuscules sans I, O ni Q.";
    /// A VIN whose check digit is not verified, outside North America: a warning only.
    VinCheckDigit = "vin_check_digit", None, "Le 9e caractère de ce VIN n'est pas une clé de contrôle : vérifiez la saisie.";
    /// A scanned code that is not a VIN (a part's barcode, a BL…): the VIN field is left as it was.
    NotAVin = "not_a_vin", None, "Ce code n'est pas un VIN.";
    /// A registration plate in neither French format.
    InvalidRegistration = "invalid_registration", Some(422), "Immatriculation invalide : format AB-123-CD ou 123 ABC 45.";
    /// A vehicle description too long or over several lines.
    InvalidVehicle = "invalid_vehicle", Some(422), "Description du véhicule invalide (100 caractères au plus).";
    /// Dates out of order: delivered ≤ fitted ≤ failed ≤ today.
    DateOrder = "date_order", Some(422), "Les dates doivent se suivre : livraison, montage, panne, au plus tard aujourd'hui.";
    /// Mileages out of order: fitted ≤ failed.
    KmOrder = "km_order", Some(422), "Le kilométrage à la panne ne peut pas être inférieur au kilométrage au montage.";
    /// A failure after the warranty window.
    WarrantyExpired = "warranty_expired", Some(422), "Garantie expirée pour cette pièce.";
    /// A symptom shorter than 10 or longer than 2,000 characters.
    InvalidSymptom = "invalid_symptom", Some(422), "Décrivez la panne en 10 à 2 000 caractères.";

    // ----- the driver's pickup (v1.1) -----
    /// No file waits for the driver.
    NothingToPickup = "nothing_to_pickup", Some(404), "Aucun dossier n'attend l'enlèvement.";
    /// A blank or too long driver's name.
    InvalidDriverName = "invalid_driver_name", Some(422), "Indiquez le nom du chauffeur (80 caractères au plus).";
    /// No parcel, or more than 999.
    InvalidParcels = "invalid_parcels", Some(422), "Indiquez le nombre de colis remis (de 1 à 999).";
    // ----- photos -----
    /// A line whose reason requires a photo, or a warranty claim, without one.
    PhotoRequired = "photo_required", Some(422), "Ce motif demande au moins une photo de la pièce : ajoutez-en une";
    /// More than 5 photos on one line or message (or documents on a warranty claim).
    TooManyPhotos = "too_many_photos", Some(422), "Trop de photos : 5 au plus par ligne ou par message, retirez-en une";
    /// An uploaded photo whose SHA-256 is not the one in its address.
    HashMismatch = "hash_mismatch", Some(400), "La photo reçue ne correspond pas à son empreinte : envoyez-la de nouveau";
    /// An upload that is neither a JPEG nor a PNG, or cannot be decoded.
    InvalidImage = "invalid_image", Some(422), "Image illisible : envoyez une photo JPEG ou PNG";
    /// An uploaded document that is not a readable PDF with at least one page.
    InvalidDocument = "invalid_document", Some(422), "PDF illisible : envoyez la facture en PDF non protégé, ou photographiez-la";

    // ----- only on the device -----
    /// The server could not be reached.
    Unreachable = "unreachable", None, "Serveur injoignable : vérifiez votre connexion. Votre panier est conservé sur l'appareil et sera synchronisé dès que possible.";
    /// A request written to the outbox, to be sent when the network is back.
    SendPending = "send_pending", None, "Pas de réseau : votre demande est enregistrée sur l'appareil et sera envoyée automatiquement dès que possible.";
    /// An answer the app cannot read.
    UnexpectedResponse = "unexpected_response", None, "Réponse inattendue du serveur";
    /// The device's own storage failed (its SQLite store, its disk).
    LocalStorage = "local_storage", None, "Erreur de la base locale de l'appareil : l'enregistrement sur cet appareil a échoué. Vérifiez l'espace disque et les droits du dossier de données, puis réessayez.";
    /// The data folder cannot be created.
    DataDir = "data_dir", None, "Impossible de créer le dossier de données";
    /// The OS keychain failed.
    Keychain = "keychain", None, "Le trousseau du système est inaccessible";
    /// No account is signed in on this device.
    NotSignedIn = "not_signed_in", None, "Vous n'êtes pas connecté : veuillez vous connecter.";
    /// A single sign-on login confirmed or declined when none waits.
    NoPendingLogin = "no_pending_login", None, "Aucune connexion n'attend de confirmation : ouvrez à nouveau le lien depuis Autossimo.";
    /// The system has nothing to open a document (the pré-accord PDF) with.
    CannotOpen = "cannot_open", None, "Impossible d'ouvrir le document : installez une application qui lit les PDF, puis réessayez.";
    /// An e-mail field left empty.
    EmailRequired = "email_required", None, "Veuillez entrer un nom d'utilisateur";
    /// A password field left empty.
    PasswordRequired = "password_required", None, "Veuillez entrer un mot de passe";
    /// An e-mail that is not an address (the app's sign-in fields; `PUT /me/preferences`).
    InvalidEmail = "invalid_email", Some(422), "Adresse e-mail incorrecte : vérifiez-la (exemple : atelier@garage.fr).";
    /// An e-mailed code field left empty.
    TokenRequired = "token_required", None, "Veuillez entrer le code reçu par e-mail.";
    /// A BL not kept on the device, needed offline.
    NotCached = "not_cached", None, "Ce BL n'est pas disponible hors ligne.";
    /// A line that is not in the cart.
    NotInCart = "not_in_cart", None, "Cette ligne n'est pas dans le panier.";
    /// The app's settings cannot be saved.
    Settings = "settings", None, "Impossible d'enregistrer les réglages";
    /// A plain `http://` server that is not this device.
    InsecureServer = "insecure_server", None, "Adresse du serveur non sécurisée : utilisez https://. Une adresse http:// n'est acceptée que pour cet appareil (localhost, 127.0.0.1).";
    /// No return server is configured.
    NoServer = "no_server", None, "Aucun serveur de retours n'est configuré : indiquez son adresse (RETOUR_SERVER ou settings.json).";
    /// The in-process demo backend cannot start.
    DemoBackend = "demo_backend", None, "Impossible de démarrer le serveur de démonstration";
    /// An image that cannot be decoded.
    ScanFailed = "scan_failed", None, "Image illisible";
    /// No camera found.
    NoCamera = "no_camera", None, "Aucune caméra n'a été trouvée. Branchez une caméra ou importez une photo du code.";
    /// The camera is used by another application.
    CameraBusy = "camera_busy", None, "La caméra est déjà utilisée par une autre application. Fermez-la puis réessayez.";
    /// The system refused access to the camera.
    CameraPermissionDenied = "camera_permission_denied", None, "L'accès à la caméra a été refusé. Autorisez-le dans les réglages du système puis réessayez.";
    /// This build has no camera support.
    CameraUnavailable = "camera_unavailable", None, "Cette version de Retour ne gère pas la caméra. Utilisez une douchette ou importez une photo du code.";
    /// The picture standing in for a camera cannot be read.
    CameraImageUnreadable = "camera_image_unreadable", None, "L'image qui remplace la caméra est illisible.";
    /// The camera stopped answering.
    CameraFailed = "camera_failed", None, "La caméra ne répond pas. Débranchez-la et rebranchez-la, puis réessayez.";
    /// The camera went away while filming.
    CameraLost = "camera_lost", None, "La caméra a été débranchée ou ne répond plus. Rebranchez-la puis rouvrez la caméra, ou saisissez le numéro du BL.";
}

impl ErrorCode {
    /// The generic code of an HTTP error status (a timeout, a `405`, a body that is not a
    /// problem document…).
    pub fn for_status(status: u16) -> ErrorCode {
        match status {
            400 => ErrorCode::BadRequest,
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            408 => ErrorCode::RequestTimeout,
            411 => ErrorCode::LengthRequired,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            429 => ErrorCode::TooManyRequests,
            503 => ErrorCode::ServiceUnavailable,
            s if s >= 500 => ErrorCode::InternalError,
            _ => ErrorCode::BadRequest,
        }
    }

    /// Whether the failure is the server being out of reach rather than a refusal (the CLI
    /// exits with 2 on these, 1 on the others).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ErrorCode::Unreachable | ErrorCode::SendPending)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reads as its wire string, so `code == "not_found"` and `&*code` work.
impl std::ops::Deref for ErrorCode {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> ErrorCode {
        ErrorCode::parse(code)
    }
}

impl From<ErrorCode> for String {
    fn from(code: ErrorCode) -> String {
        match code {
            ErrorCode::Other(code) => code,
            known => known.as_str().to_owned(),
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ErrorCode, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(ErrorCode::parse(&code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_reads_back_as_itself_and_is_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::KNOWN {
            let wire = code.as_str();
            assert!(seen.insert(wire), "{wire} twice");
            assert!(
                wire.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{wire}"
            );
            assert_eq!(&ErrorCode::parse(wire), code);
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{wire}\""));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
            assert!(!code.french().is_empty(), "{wire}");
        }
    }

    #[test]
    fn an_unknown_code_is_kept_as_received() {
        let code: ErrorCode = serde_json::from_str("\"photo_too_blurry\"").unwrap();
        assert_eq!(code, ErrorCode::Other("photo_too_blurry".into()));
        assert_eq!(code, "photo_too_blurry");
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            "\"photo_too_blurry\""
        );
        assert_eq!(code.http_status(), None);
        assert!(!code.is_unreachable());
    }

    #[test]
    fn statuses_map_to_the_servers_generic_codes() {
        for (status, wire) in [
            (400, "bad_request"),
            (401, "unauthorized"),
            (404, "not_found"),
            (413, "payload_too_large"),
            (418, "bad_request"),
            (429, "too_many_requests"),
            (500, "internal_error"),
            (502, "internal_error"),
            (503, "service_unavailable"),
        ] {
            assert_eq!(ErrorCode::for_status(status), wire, "{status}");
        }
        for code in ErrorCode::KNOWN {
            if let Some(status) = code.http_status() {
                assert!((400..600).contains(&status), "{code}");
            }
        }
        assert_eq!(ErrorCode::PayloadTooLarge.http_status(), Some(413));
        assert_eq!(ErrorCode::InternalError.http_status(), Some(500));
        assert_eq!(ErrorCode::LocalStorage.http_status(), None);
    }

    #[test]
    fn only_no_network_counts_as_unreachable() {
        let unreachable: Vec<&str> = ErrorCode::KNOWN
            .iter()
            .filter(|c| c.is_unreachable())
            .map(ErrorCode::as_str)
            .collect();
        assert_eq!(unreachable, ["unreachable", "send_pending"]);
    }
}
