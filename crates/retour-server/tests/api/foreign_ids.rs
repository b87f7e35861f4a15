//! Another customer's id answers exactly like a missing one, on every route of the served OpenAPI
//! document that takes an id: the routes come from the document itself, so a new `{…}` route is
//! checked as soon as it is served (and fails here until this test knows which of customer A's
//! ids it takes).

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{key, start, Server};

/// Customer A's own ids, one per kind of resource a route can name.
struct OwnIds {
    delivery_note: String,
    dossier: String,
    return_request: String,
    /// A webhook (staff only: a customer gets the same 403 for it as for a missing one).
    webhook: String,
    credit_note: String,
    /// A photo A uploaded (v1.1).
    photo: String,
    /// A PDF A uploaded (v1.1, a warranty claim's fitting invoice).
    document: String,
}

impl OwnIds {
    /// Makes customer A a return request (so that every kind of id exists) and collects them.
    async fn of_customer_a(server: &Server, token: &str) -> OwnIds {
        let (bl, line_no, _, _) = server.eligible_line(token, 1).await;
        let body = json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": 1, "reason": "new_part"}]});
        let request = server.submit(token, &key(), body).await.ok(201).clone();
        let staff = server.staff().await;
        let hook = json!({"url": "https://erp.example.fr/retour", "events": ["dossier.closed"],
            "secret": "0123456789abcdef"});
        let hook = server.post("/api/v1/staff/webhooks", &staff, hook).await;
        OwnIds {
            webhook: hook.ok(201)["id"].as_str().unwrap().to_owned(),
            delivery_note: bl,
            dossier: request["dossiers"][0]["number"]
                .as_str()
                .unwrap()
                .to_owned(),
            return_request: request["id"].as_str().unwrap().to_owned(),
            // A credit note of the demo (v1.1).
            credit_note: "AV2026-0142".to_owned(),
            photo: server.upload(token, crate::photos::jpeg(16, 16)).await,
            document: {
                let pdf = crate::documents::invoice_pdf();
                let id = crate::documents::sha256(&pdf);
                server
                    .put_document(token, &id, pdf, "application/pdf")
                    .await
                    .ok(201);
                id
            },
        }
    }

    /// A's id for the parameter of `path` that follows the segment `collection`, and an id of
    /// the same shape that no one has.
    fn for_collection(&self, path: &str, collection: &str) -> (String, String) {
        match collection {
            "delivery-notes" => (
                self.delivery_note.clone(),
                same_shape_missing(&self.delivery_note),
            ),
            "dossiers" => (self.dossier.clone(), same_shape_missing(&self.dossier)),
            "return-requests" => (
                self.return_request.clone(),
                uuid::Uuid::new_v4().to_string(),
            ),
            "webhooks" => (self.webhook.clone(), uuid::Uuid::new_v4().to_string()),
            "photos" => (self.photo.clone(), "0".repeat(64)),
            "documents" => (self.document.clone(), "0".repeat(64)),
            "credit-notes" => (
                self.credit_note.clone(),
                same_shape_missing(&self.credit_note),
            ),
            other => panic!(
                "{path}: the OpenAPI document serves a route with an id of {other:?}; tell this \
                 test which of customer A's ids it takes"
            ),
        }
    }
}

/// A number of the same length with every digit 9, which the demo data never uses.
fn same_shape_missing(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect()
}

/// Every (method, templated path) of the served document.
fn templated_routes(document: &Value) -> Vec<(Method, String)> {
    let mut routes = Vec::new();
    for (path, operations) in document["paths"].as_object().expect("paths") {
        if !path.contains('{') {
            continue;
        }
        for method in operations.as_object().expect("operations").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            routes.push((method, path.clone()));
        }
    }
    routes
}

/// `path` with each `{parameter}` replaced by the id `pick` chooses for the collection before it.
fn fill(path: &str, mut pick: impl FnMut(&str) -> String) -> String {
    let mut filled = Vec::new();
    let mut previous = "";
    for segment in path.split('/') {
        if segment.starts_with('{') && segment.ends_with('}') {
            filled.push(pick(previous));
        } else {
            filled.push(segment.to_owned());
        }
        previous = segment;
    }
    filled.join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_id_route_answers_a_foreign_id_like_a_missing_one() {
    let server = start().await;
    let document = server
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .ok(200)
        .clone();
    let routes = templated_routes(&document);
    assert!(!routes.is_empty(), "the document has no route with an id");

    let a = server.customer_a().await;
    let own = OwnIds::of_customer_a(&server, &a).await;
    let b = server.customer_b().await;
    for (method, path) in &routes {
        let theirs = fill(path, |collection| own.for_collection(path, collection).0);
        let missing = fill(path, |collection| own.for_collection(path, collection).1);
        let body = (method != Method::GET).then(|| json!({}));
        let foreign = server
            .call(method.clone(), &theirs, Some(&b), body.clone())
            .await;
        let absent = server
            .call(method.clone(), &missing, Some(&b), body.clone())
            .await;
        assert_eq!(
            (foreign.status, &foreign.content_type),
            (absent.status, &absent.content_type),
            "{method} {path}: A's id as B {theirs} vs missing {missing}: {:#} / {:#}",
            foreign.body,
            absent.body
        );
        assert_eq!(
            foreign.bytes, absent.bytes,
            "{method} {path}: A's id as B answers other bytes than a missing id"
        );
        assert!(
            foreign.status.is_client_error(),
            "{method} {path}: {}",
            foreign.status
        );
        if method == Method::GET && !path.starts_with("/api/v1/staff/") {
            // A's id is A's (B's answer hides something real), the missing one is missing for A
            // too, and B gets the "not found" of a missing id.
            let own_answer = server.call(Method::GET, &theirs, Some(&a), None).await;
            assert_eq!(
                own_answer.status.as_u16(),
                200,
                "{path} as A: {:#}",
                own_answer.body
            );
            let absent_for_a = server.call(Method::GET, &missing, Some(&a), None).await;
            absent_for_a.problem(404, "not_found");
            foreign.problem(404, "not_found");
        }
    }
    println!("{} routes with an id checked", routes.len());
}
