//! The OpenAPI 3.1 document of the API, generated from the handlers and the domain's wire types
//! (utoipa), served at `GET /api/v1/openapi.json`.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    account, cart, catalog, documents, dossiers, messages, money, notifications, photos, pickups,
    requests, warranty, webhooks,
};

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Retour — return API v1",
        version = "1.0.0",
        description = "The contract between the Retour app and a return backend (see API.md). Errors are RFC 9457 problem documents with a stable `code` and French `detail`."
    ),
    paths(
        catalog::health, catalog::service, catalog::reasons, catalog::delivery_notes, catalog::delivery_note,
        catalog::lookup, catalog::refusal_reasons,
        account::login, account::refresh, account::logout, account::forgot, account::reset,
        account::unlock_request, account::unlock, account::sso,
        cart::get_cart, cart::post_ops, cart::get_ops,
        requests::submit, requests::preaccord,
        dossiers::list, dossiers::one, dossiers::staff_event,
        messages::customer_message, messages::staff_message,
        webhooks::create, webhooks::list, webhooks::delete, webhooks::deliveries,
        notifications::list, notifications::read, notifications::get_preferences,
        notifications::put_preferences,
        money::staff_credit_note, money::credit_notes, money::credit_note, money::credits,
        money::credits_csv_file, money::deposits, money::returns_report,
        warranty::submit,
        pickups::pending_pickup, pickups::manifest, pickups::staff_pickup_route,
        photos::put_photo, photos::get_photo,
        documents::put_document, documents::get_document,
    ),
    modifiers(&BearerAuth, &BodyProblems),
    tags(
        (name = "service", description = "Health and opening hours"),
        (name = "auth", description = "Sessions, password reset, unlock, SSO"),
        (name = "returns", description = "BLs, lookup, reasons, return requests"),
        (name = "cart", description = "The cart shared by the account's devices"),
        (name = "tracking", description = "Return files"),
        (name = "notifications", description = "The garage's notifications and e-mail preferences"),
        (name = "money", description = "Credit notes, their reconciliation, deposits, the returns report (v1.1)"),
        (name = "staff", description = "The distributor's returns staff"),
        (name = "warranty", description = "Warranty claims (v1.1)"),
        (name = "pickup", description = "The driver's handover by QR code (v1.1)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Adds the answers every JSON body can get from the framework's limits: `400` malformed,
/// `413` larger than 1 MiB, `415` not JSON.
struct BodyProblems;

impl Modify for BodyProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.post,
                &mut item.put,
                &mut item.get,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let responses = &mut operation.responses.responses;
                if operation.request_body.is_some() {
                    for (code, text) in [
                        ("400", "Malformed body"),
                        ("413", "Body larger than 1 MiB"),
                        ("415", "Body not sent as application/json"),
                    ] {
                        responses
                            .entry(code.to_owned())
                            .or_insert_with(|| problem(text).into());
                    }
                }
                responses
                    .entry("408".to_owned())
                    .or_insert_with(|| problem("The request took too long").into());
            }
        }
    }
}

/// The document as JSON text.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn serve_document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document())
}
