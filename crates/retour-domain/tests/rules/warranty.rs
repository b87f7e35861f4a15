//! Warranty claims and pickup tokens: table tests of every validation (VINs of real makes, both
//! plate formats, the window across leap days, "today" across DST changes) and of the token's
//! rules.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use retour_domain::pickup::{self, PickupError, PickupFile, PickupToken, QR_PREFIX};
use retour_domain::warranty::{
    check_claim, under_warranty, vin_from_scan, ClaimInput, ClaimLine, Registration, Vin,
    VinCheckDigit,
};
use retour_domain::ErrorCode;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn instant(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

#[test]
fn vins_of_real_makes() {
    use VinCheckDigit::{Unverified, Verified};
    // (as typed, normalised, check digit) — accepted.
    let accepted = [
        // North America (first character 1–5): the check digit must hold.
        ("1M8GDM9AXKP042788", "1M8GDM9AXKP042788", Verified), // the 49 CFR 565 example, X
        ("1hgcm82633a004352", "1HGCM82633A004352", Verified), // Honda Accord, lower case
        ("1HG CM826 33A 004352", "1HGCM82633A004352", Verified), // typed with spaces
        (
            "１ＨＧＣＭ８２６３３Ａ００４３５２",
            "1HGCM82633A004352",
            Verified,
        ), // full width
        // Elsewhere: a wrong check digit is a warning only.
        ("JT2BG22K5Y0123456", "JT2BG22K5Y0123456", Verified), // Toyota (Japan), digit right
        ("JT2BG22K1Y0123456", "JT2BG22K1Y0123456", Unverified), // same, digit wrong
        ("WVWZZZ1KZ6W612305", "WVWZZZ1KZ6W612305", Unverified), // Volkswagen Golf: Z at 9
        ("VF1RFB00X57123456", "VF1RFB00X57123456", Unverified), // Renault
        ("vf3 lcyhz pfs123456", "VF3LCYHZPFS123456", Unverified), // Peugeot, loose
    ];
    for (typed, normalised, check) in accepted {
        let (vin, got) = Vin::parse(typed).unwrap_or_else(|e| panic!("{typed}: {e:?}"));
        assert_eq!(vin.as_str(), normalised, "{typed}");
        assert_eq!(got, check, "{typed}");
    }
    // Refused, each with its field and code, and a message that says why.
    let refused = [
        ("1M8GDM9A1KP042788", "clé de contrôle"), // North America, check digit wrong
        ("1HGCM82643A004352", "clé de contrôle"), // one digit mistyped
        ("WVWZZZ1KZ6W61230", "Vous en avez saisi 16"),
        ("WVWZZZ1KZ6W6123055", "Vous en avez saisi 18"),
        ("WVWZZZ1KZ6WO12305", "I, O et Q"), // an O is never read as 0
        ("1HGCM8263IA004352", "I, O et Q"),
        ("VF1RFB00X5712345Q", "I, O et Q"),
        ("VF1-RFB00X5712345", "17 caractères"),
        ("", "Veuillez saisir le VIN"),
        ("   ", "Veuillez saisir le VIN"),
    ];
    for (typed, says) in refused {
        let issue = Vin::parse(typed).expect_err(typed);
        assert_eq!(issue.field, "vin", "{typed}");
        assert_eq!(issue.code, ErrorCode::InvalidVin, "{typed}");
        assert!(issue.message.contains(says), "{typed}: {}", issue.message);
    }
}

#[test]
fn vins_read_from_scanned_labels() {
    use VinCheckDigit::{Unverified, Verified};
    // (as the scanner decoded it, the VIN the field gets, what its check digit says).
    let read = [
        // Code 39 on a North-American door pillar: the "I" import marker before the VIN.
        ("I1HGCM82633A004352", "1HGCM82633A004352", Verified), // Honda Accord
        ("I1M8GDM9AXKP042788", "1M8GDM9AXKP042788", Verified), // the 49 CFR 565 example
        ("i1hgcm82633a004352", "1HGCM82633A004352", Verified), // all lower case
        // Code 39 read with its start/stop characters, or printed in groups.
        ("*1HGCM82633A004352*", "1HGCM82633A004352", Verified),
        ("*I1HGCM82633A004352*", "1HGCM82633A004352", Verified),
        ("WVW ZZZ 1KZ 6W612305", "WVWZZZ1KZ6W612305", Unverified), // Volkswagen Golf
        ("VF1-RFB00X-57123456", "VF1RFB00X57123456", Unverified),  // Renault, hyphens
        // Data Matrix on a European windscreen label: the VIN alone, or with a new line.
        ("VF3LCYHZPFS123456", "VF3LCYHZPFS123456", Unverified), // Peugeot
        ("wba3a5c51cf256985\r\n", "WBA3A5C51CF256985", Unverified), // BMW, lower case
        ("JT2BG22K5Y0123456", "JT2BG22K5Y0123456", Verified),   // Toyota (Japan)
        (
            "ＷＶＷＺＺＺ１ＫＺ６Ｗ６１２３０５",
            "WVWZZZ1KZ6W612305",
            Unverified,
        ), // full width
    ];
    for (scanned, vin, check) in read {
        let got = vin_from_scan(scanned).unwrap_or_else(|e| panic!("{scanned}: {e:?}"));
        assert_eq!(got, vin, "{scanned}");
        // Then the field's own validation, as for a typed VIN.
        assert_eq!(Vin::parse(&got).map(|(_, c)| c), Ok(check), "{scanned}");
    }
    // A VIN-shaped scan whose check digit is wrong in North America: it fills the field, which
    // says so under it.
    let wrong = vin_from_scan("I1M8GDM9A1KP042788").unwrap();
    assert!(Vin::parse(&wrong)
        .unwrap_err()
        .message
        .contains("clé de contrôle"));
    // Not a VIN: the field is left alone, and the message quotes what was read.
    let not_vins = [
        ("3165143501122", "3165143501122"), // a part's EAN-13
        ("00250001106", "00250001106"),     // a BL number
        ("RETOUR-PICKUP:eyJ2IjoxfQ", "RETOUR-PICKUP:eyJ2IjoxfQ"), // the garage's QR code
        ("0986494294", "0986494294"),       // a Bosch reference
        ("WVWZZZ1KZ6WO12305", "WVWZZZ1KZ6WO12305"), // an O: never in a VIN
        ("IWVWZZZ1KZ6W61230", "IWVWZZZ1KZ6W61230"), // the marker and 16 characters
        ("1HGCM82633A0043521", "1HGCM82633A0043521"), // 18 without the marker
        (
            "https://example.com/vehicle?vin=WVWZZZ1KZ6W612305",
            "https://example.com/vehicle?vin=WVWZZZ1K…",
        ),
        ("", ""),
    ];
    for (scanned, quoted) in not_vins {
        let issue = vin_from_scan(scanned).expect_err(scanned);
        assert_eq!(issue.field, "vin");
        assert_eq!(issue.code, ErrorCode::NotAVin, "{scanned}");
        assert_eq!(
            issue.message,
            format!("Ce code n'est pas un VIN : {quoted}"),
            "{scanned}"
        );
    }
}

#[test]
fn a_scanned_part_is_under_warranty_until_its_last_day() {
    // (delivered, months, today, under warranty)
    let cases = [
        ("2025-03-10", 24, "2027-03-10", true), // the last day
        ("2025-03-10", 24, "2027-03-11", false),
        ("2024-02-29", 24, "2026-02-28", true), // leap day: the month's last day
        ("2024-02-29", 24, "2026-03-01", false),
        ("2026-01-31", 1, "2026-02-28", true),
        ("2026-01-31", 0, "2026-01-31", true), // no window: the delivery day only
        ("2026-01-31", 0, "2026-02-01", false),
    ];
    for (delivered, months, today, under) in cases {
        assert_eq!(
            under_warranty(date(delivered), months, date(today)),
            under,
            "{delivered} + {months} months, on {today}"
        );
    }
}

#[test]
fn french_plates_in_both_formats_from_loose_typing() {
    let siv = [
        ("AB-123-CD", "AB-123-CD"),
        ("ab123cd", "AB-123-CD"),
        ("AB 123 CD", "AB-123-CD"),
        (" ab-123 cd ", "AB-123-CD"),
        ("FZ.001.ZZ", "FZ-001-ZZ"),
        ("ＡＢ－１２３－ＣＤ", "AB-123-CD"),
    ];
    for (typed, plate) in siv {
        let parsed = Registration::parse(typed).unwrap_or_else(|e| panic!("{typed}: {e:?}"));
        assert_eq!(parsed, Registration::Siv(plate.to_owned()), "{typed}");
    }
    let fni = [
        ("123 ABC 45", "123 ABC 45"),
        ("123abc45", "123 ABC 45"),
        ("123-ABC-45", "123 ABC 45"),
        ("9999 ZZ 75", "9999 ZZ 75"),
        ("1 A 01", "1 A 01"),
        ("456 AB 2a", "456 AB 2A"),
        ("456ab2B", "456 AB 2B"),
        ("12 ABC 974", "12 ABC 974"),
    ];
    for (typed, plate) in fni {
        let parsed = Registration::parse(typed).unwrap_or_else(|e| panic!("{typed}: {e:?}"));
        assert_eq!(parsed, Registration::Fni(plate.to_owned()), "{typed}");
    }
    for typed in [
        "AB-000-CD", // SIV number 000
        "AI-123-CD", // I, O, U not in SIV letters
        "AB-123-CU",
        "A-123-CD",    // one letter
        "AB-1234-CD",  // four digits
        "12345 AB 75", // FNI: five digits
        "123 ABCD 75", // four letters
        "123 AB 96",   // no department 96
        "123 AB 20",   // Corsica is 2A / 2B
        "123 AB 977",
        "123 AB", // no department
        "0 AB 75",
        "AB/123/CD",
        "",
    ] {
        let issue = Registration::parse(typed).expect_err(typed);
        assert_eq!(issue.field, "registration");
        assert_eq!(issue.code, ErrorCode::InvalidRegistration, "{typed}");
        assert!(issue.message.contains("AB-123-CD"));
    }
}

const PHOTO: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn photos() -> Vec<String> {
    vec![PHOTO.to_owned()]
}

/// A claim that passes, delivered 2026-01-15, now 2026-12-02 in Paris.
struct Case {
    input: ClaimInputOwned,
    line: ClaimLine,
    now: DateTime<Utc>,
}

struct ClaimInputOwned {
    qty: u32,
    vin: String,
    registration: Option<String>,
    vehicle: Option<String>,
    fitted_on: NaiveDate,
    fitted_km: u32,
    failed_on: NaiveDate,
    failed_km: u32,
    symptom: String,
    photos: Vec<String>,
    documents: Vec<String>,
}

impl Case {
    fn good() -> Case {
        Case {
            input: ClaimInputOwned {
                qty: 1,
                vin: "VF3LCYHZPFS123456".into(),
                registration: Some("ab123cd".into()),
                vehicle: Some("  Peugeot 308 1.6 HDi ".into()),
                fitted_on: date("2026-01-20"),
                fitted_km: 84_000,
                failed_on: date("2026-11-30"),
                failed_km: 91_250,
                symptom: "  Bruit de roulement à chaud, puis blocage  ".into(),
                photos: photos(),
                documents: Vec::new(),
            },
            line: ClaimLine {
                delivered_on: date("2026-01-15"),
                delivered: 2,
                taken: 0,
                warranty_months: 24,
            },
            now: instant("2026-12-02T10:00:00Z"),
        }
    }

    fn check(&self) -> Result<retour_domain::warranty::CheckedClaim, Vec<(String, String)>> {
        let i = &self.input;
        let input = ClaimInput {
            qty: i.qty,
            vin: &i.vin,
            registration: i.registration.as_deref(),
            vehicle: i.vehicle.as_deref(),
            fitted_on: i.fitted_on,
            fitted_km: i.fitted_km,
            failed_on: i.failed_on,
            failed_km: i.failed_km,
            symptom: &i.symptom,
            photos: &i.photos,
            documents: &i.documents,
        };
        check_claim(&input, Some(&self.line), self.now).map_err(|issues| {
            issues
                .into_iter()
                .map(|i| {
                    assert!(!i.message.is_empty());
                    (i.field.to_owned(), i.code.as_str().to_owned())
                })
                .collect()
        })
    }
}

fn refused(case: &Case) -> Vec<(String, String)> {
    case.check().expect_err("refused")
}

fn pair(field: &str, code: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), code.to_owned())]
}

#[test]
fn a_good_claim_is_normalised() {
    let checked = Case::good().check().unwrap();
    assert_eq!(checked.vin.as_str(), "VF3LCYHZPFS123456");
    assert_eq!(checked.registration.unwrap().as_str(), "AB-123-CD");
    assert_eq!(checked.vehicle.as_deref(), Some("Peugeot 308 1.6 HDi"));
    assert_eq!(checked.symptom, "Bruit de roulement à chaud, puis blocage");
    // Peugeot's 9th character is not a check digit: a warning, not a refusal.
    assert_eq!(checked.warnings.len(), 1);
    assert_eq!(checked.warnings[0].code, ErrorCode::VinCheckDigit);
    let mut case = Case::good();
    case.input.vin = "1HGCM82633A004352".into();
    case.input.registration = None;
    assert!(case.check().unwrap().warnings.is_empty());
}

#[test]
fn every_field_refusal_has_its_field_and_code() {
    type Edit = fn(&mut Case);
    let table: Vec<(&str, Edit, &str, &str)> = vec![
        ("no unit", |c| c.input.qty = 0, "qty", "invalid_quantity"),
        (
            "more than delivered",
            |c| c.input.qty = 3,
            "qty",
            "quantity_exceeded",
        ),
        (
            "more than left",
            |c| {
                c.line.taken = 2;
            },
            "qty",
            "quantity_exceeded",
        ),
        (
            "wrong VIN",
            |c| c.input.vin = "1M8GDM9A1KP042788".into(),
            "vin",
            "invalid_vin",
        ),
        (
            "plate",
            |c| c.input.registration = Some("AB-12-CD".into()),
            "registration",
            "invalid_registration",
        ),
        (
            "vehicle too long",
            |c| c.input.vehicle = Some("x".repeat(101)),
            "vehicle",
            "invalid_vehicle",
        ),
        (
            "fitted before delivery",
            |c| c.input.fitted_on = date("2026-01-14"),
            "fitted_on",
            "date_order",
        ),
        (
            "failed before fitted",
            |c| c.input.failed_on = date("2026-01-19"),
            "failed_on",
            "date_order",
        ),
        (
            "failed tomorrow",
            |c| c.input.failed_on = date("2026-12-03"),
            "failed_on",
            "date_order",
        ),
        (
            "km backwards",
            |c| c.input.failed_km = 83_999,
            "failed_km",
            "km_order",
        ),
        (
            "short symptom",
            |c| c.input.symptom = "  bruit   ".into(),
            "symptom",
            "invalid_symptom",
        ),
        (
            "long symptom",
            |c| c.input.symptom = "é".repeat(2001),
            "symptom",
            "invalid_symptom",
        ),
        (
            "no photo",
            |c| c.input.photos.clear(),
            "photos",
            "photo_required",
        ),
        (
            "eleven photos",
            |c| c.input.photos = vec![PHOTO.to_owned(); 11],
            "photos",
            "too_many_photos",
        ),
        (
            "not a photo id",
            |c| c.input.photos = vec!["photo.jpg".into()],
            "photos",
            "photo_missing",
        ),
        (
            "not a document id",
            |c| c.input.documents = vec!["X".into()],
            "documents",
            "photo_missing",
        ),
    ];
    for (what, edit, field, code) in table {
        let mut case = Case::good();
        edit(&mut case);
        assert_eq!(refused(&case), pair(field, code), "{what}");
    }
    // Several at once: all of them, in the form's order.
    let mut case = Case::good();
    case.input.vin = "ABC".into();
    case.input.failed_km = 1;
    case.input.photos.clear();
    let fields: Vec<String> = refused(&case).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["vin", "failed_km", "photos"]);
    // Equal dates and mileages are in order; the return window does not apply.
    let mut case = Case::good();
    case.input.fitted_on = date("2026-01-15");
    case.input.failed_on = date("2026-01-15");
    case.input.failed_km = case.input.fitted_km;
    case.check().unwrap();
    case.line.taken = 1;
    case.check().unwrap();
}

#[test]
fn the_window_counts_months_across_leap_days() {
    // Delivered and fitted on 29 February 2024: 24 months end on 28 February 2026.
    let mut case = Case::good();
    case.line.delivered_on = date("2024-02-29");
    case.input.fitted_on = date("2024-02-29");
    case.now = instant("2026-06-01T10:00:00Z");
    for (failed, ok) in [
        ("2026-02-27", true),
        ("2026-02-28", true),
        ("2026-03-01", false),
    ] {
        case.input.failed_on = date(failed);
        match case.check() {
            Ok(_) => assert!(ok, "{failed}"),
            Err(e) => {
                assert!(!ok, "{failed}: {e:?}");
                assert_eq!(e, pair("failed_on", "warranty_expired"));
            }
        }
    }
    // 48 months from 29 February 2024 is 29 February 2028 (a leap year again).
    case.line.warranty_months = 48;
    assert_eq!(case.line.warranty_ends_on(), date("2028-02-29"));
    // 1 month from 31 January is 29 February in a leap year, 28 otherwise.
    case.line.delivered_on = date("2024-01-31");
    case.line.warranty_months = 1;
    assert_eq!(case.line.warranty_ends_on(), date("2024-02-29"));
    case.line.delivered_on = date("2025-01-31");
    assert_eq!(case.line.warranty_ends_on(), date("2025-02-28"));
    // The message says until when.
    let mut case = Case::good();
    case.line.delivered_on = date("2024-02-29");
    case.input.fitted_on = date("2024-03-01");
    case.input.failed_on = date("2026-03-01");
    let input = &case.input;
    let issues = check_claim(
        &ClaimInput {
            qty: 1,
            vin: &input.vin,
            registration: None,
            vehicle: None,
            fitted_on: input.fitted_on,
            fitted_km: 1,
            failed_on: input.failed_on,
            failed_km: 2,
            symptom: &input.symptom,
            photos: &input.photos,
            documents: &[],
        },
        Some(&case.line),
        case.now,
    )
    .unwrap_err();
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0].message.contains("jusqu'au 28/02/2026"),
        "{}",
        issues[0].message
    );
}

#[test]
fn today_is_the_paris_date_across_dst_changes() {
    // (now, the Paris day that is "today").
    let table = [
        ("2026-03-28T23:30:00Z", "2026-03-29"), // 00:30 CET, the night clocks go forward
        ("2026-03-29T21:59:00Z", "2026-03-29"), // 23:59 CEST
        ("2026-03-29T22:00:00Z", "2026-03-30"), // 00:00 CEST
        ("2026-10-24T22:30:00Z", "2026-10-25"), // 00:30 CEST, the night clocks go back
        ("2026-10-25T22:59:00Z", "2026-10-25"), // 23:59 CET
        ("2026-10-25T23:00:00Z", "2026-10-26"), // 00:00 CET
    ];
    for (now, today) in table {
        let today = date(today);
        let mut case = Case::good();
        case.now = instant(now);
        case.input.failed_on = today;
        case.check().unwrap_or_else(|e| panic!("{now}: {e:?}"));
        case.input.failed_on = today + Duration::days(1);
        assert_eq!(refused(&case), pair("failed_on", "date_order"), "{now}");
        case.input.failed_on = today;
        case.input.fitted_on = today + Duration::days(1);
        assert_eq!(
            refused(&case),
            [
                ("fitted_on".to_owned(), "date_order".to_owned()),
                ("failed_on".to_owned(), "date_order".to_owned())
            ],
            "{now}"
        );
    }
}

fn sample_token(now: DateTime<Utc>) -> PickupToken {
    PickupToken::new(
        "00112233445566778899aabbccddeeff".into(),
        "C00042".into(),
        vec![
            PickupFile {
                number: "10000001".into(),
                pieces: 2,
            },
            PickupFile {
                number: "10000002".into(),
                pieces: 1,
            },
        ],
        now,
    )
}

/// A stand-in signature for the domain's tests (FNV-1a of the payload, not a MAC): the server's
/// is an HMAC-SHA256 with its key.
fn sign(payload: &str) -> String {
    let hash = payload.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}").repeat(4)
}

fn verify(payload: &str, signature: &str) -> bool {
    sign(payload) == signature
}

#[test]
fn a_pickup_token_is_valid_until_it_expires() {
    let now = instant("2026-12-02T10:00:00Z");
    let token = sample_token(now);
    assert_eq!(token.pieces(), 3);
    assert_eq!(token.expires_at, instant("2026-12-03T10:00:00Z"));
    let text = token.token(&sign(&token.payload()));
    assert_eq!(PickupToken::check(&text, verify, now), Ok(token.clone()));
    // As read from the QR code, and just before the end.
    let qr = format!("{QR_PREFIX}{text}");
    let last = instant("2026-12-03T09:59:59Z");
    assert_eq!(PickupToken::check(&qr, verify, last), Ok(token.clone()));
    let end = instant("2026-12-03T10:00:00Z");
    assert_eq!(
        PickupToken::check(&text, verify, end),
        Err(PickupError::Expired)
    );
}

#[test]
fn a_token_is_used_once_and_replayed_with_the_same_body_only() {
    use retour_domain::pickup::TokenUse;
    let now = instant("2026-12-02T10:00:00Z");
    let token = sample_token(now);
    let text = token.token(&sign(&token.payload()));
    let authentic = PickupToken::authentic(&text, verify).unwrap();
    let later = instant("2026-12-05T10:00:00Z");
    // (used before, when) → the use.
    let table = [
        (None, now, Ok(TokenUse::First)),
        (None, later, Err(PickupError::Expired)),
        (Some(true), now, Ok(TokenUse::Replay)),
        (Some(true), later, Ok(TokenUse::Replay)),
        (Some(false), now, Err(PickupError::UsedWithAnotherBody)),
        (Some(false), later, Err(PickupError::UsedWithAnotherBody)),
    ];
    for (used_before, at, expected) in table {
        assert_eq!(
            authentic.use_at(used_before, at),
            expected,
            "{used_before:?} {at}"
        );
    }
    // An expired token is still authentic (its replay is answered), a forged one is not.
    assert!(PickupToken::authentic(&text, verify).is_ok());
    assert_eq!(
        PickupToken::authentic(&text, |_, _| false),
        Err(PickupError::Forged)
    );
}

#[test]
fn a_pickup_token_refuses_forgeries_and_garbage() {
    let now = instant("2026-12-02T10:00:00Z");
    let token = sample_token(now);
    let signature = sign(&token.payload());
    // Another file slipped in, the signature kept: forged.
    let mut other = token.clone();
    other.files.push(PickupFile {
        number: "10000003".into(),
        pieces: 1,
    });
    let forged = other.token(&signature);
    assert_eq!(
        PickupToken::check(&forged, verify, now),
        Err(PickupError::Forged)
    );
    // A later expiry with the old signature: forged too.
    let mut later = token.clone();
    later.expires_at += Duration::days(30);
    assert_eq!(
        PickupToken::check(&later.token(&signature), verify, now),
        Err(PickupError::Forged)
    );
    for garbage in [
        "",
        "RETOUR-PICKUP:",
        "hello",
        "v1.abc.C1.0.10000001:1.00",
        &format!("{}.{}", token.payload(), "ZZ"),
        &format!("v2{}", &token.token(&signature)[2..]),
        &token.token(&signature).replace("10000001:2", "10000001:0"),
        &token.token(&signature).replace("10000001:2", "1000001:2"),
        &token.token(&signature).replace(",10000002:1", ","),
        &"9".repeat(5000),
    ] {
        assert_eq!(
            PickupToken::check(garbage, verify, now),
            Err(PickupError::Malformed),
            "{garbage}"
        );
    }
    for error in [
        PickupError::Malformed,
        PickupError::Forged,
        PickupError::Expired,
        PickupError::UsedWithAnotherBody,
    ] {
        assert_eq!(error.code(), ErrorCode::InvalidToken);
        assert!(error.message().contains("QR code"));
    }
}

#[test]
fn the_handover_needs_a_name_and_parcels() {
    assert_eq!(
        pickup::driver_name("  Paul   Martin ").unwrap(),
        "Paul Martin"
    );
    assert_eq!(
        pickup::driver_name(&"é".repeat(80))
            .unwrap()
            .chars()
            .count(),
        80
    );
    for bad in ["", "   ", "Paul\nMartin", &"x".repeat(81)] {
        let e = pickup::driver_name(bad).unwrap_err();
        assert_eq!(
            (e.field(), e.code()),
            ("driver_name", ErrorCode::InvalidDriverName)
        );
    }
    assert_eq!(pickup::parcels(1), Ok(1));
    assert_eq!(pickup::parcels(999), Ok(999));
    for bad in [0, 1000] {
        let e = pickup::parcels(bad).unwrap_err();
        assert_eq!(
            (e.field(), e.code()),
            ("parcels", ErrorCode::InvalidParcels)
        );
    }
    assert_eq!(
        pickup::event_text("Paul Martin", 3),
        "Prise en charge sur site par le chauffeur Paul Martin — 3 colis remis"
    );
}
