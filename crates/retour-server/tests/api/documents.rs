//! Documents (API v1.1): a warranty claim's fitting invoice as a PDF. Uploads idempotent by hash,
//! parsed for real and stored without their metadata (the author, the producer and the XMP stream
//! of a PDF made here are gone while its pages remain), bad uploads refused with their code,
//! another customer's document answering like a missing one, staff reading every one, and a
//! claim naming a document or a photo of the customer's own.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{start, Answer, Server};

/// The author written in the test's PDF, to be looked for in what is stored.
const AUTHOR: &[u8] = b"Garage Dupont - poste atelier 3";
/// The producer, likewise.
const PRODUCER: &[u8] = b"FactuGarage 7.2 (licence 0042)";

/// A real two-page PDF (an invoice) with a document information dictionary and an XMP stream.
pub(crate) fn invoice_pdf() -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, tree, font, info, xmp) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let pages = [Ref::new(10), Ref::new(11)];
    let contents = [Ref::new(20), Ref::new(21)];
    pdf.catalog(catalog).pages(tree).metadata(xmp);
    pdf.pages(tree).kids(pages).count(2);
    for (page_id, content_id) in pages.into_iter().zip(contents) {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(Name(b"F1"), font);
        page.finish();
        let mut content = Content::new();
        content.begin_text();
        content.set_font(Name(b"F1"), 14.0);
        content.next_line(72.0, 770.0);
        content.show(Str(b"Facture de montage F-2024-118"));
        content.end_text();
        pdf.stream(content_id, &content.finish());
    }
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    pdf.document_info(info)
        .author(TextStr(std::str::from_utf8(AUTHOR).unwrap()))
        .producer(TextStr(std::str::from_utf8(PRODUCER).unwrap()));
    let packet = format!(
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><dc:creator>{}</dc:creator></x:xmpmeta>",
        std::str::from_utf8(AUTHOR).unwrap()
    );
    pdf.metadata(xmp, packet.as_bytes());
    pdf.finish()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Server {
    /// `PUT /documents/{hash}` with a body and a content type.
    pub(crate) async fn put_document(
        &self,
        token: &str,
        hash: &str,
        body: Vec<u8>,
        kind: &str,
    ) -> Answer {
        let request = self
            .client
            .put(format!("{}/api/v1/documents/{hash}", self.base))
            .bearer_auth(token)
            .header("content-type", kind)
            .body(body);
        self.send(request).await
    }

    /// The stored bytes of a document, read from the database.
    fn stored_document(&self, id: &str) -> Option<Vec<u8>> {
        let id = id.to_owned();
        self.state
            .db()
            .read(|c| c.document_data(None, &id))
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_is_stored_without_its_metadata_and_its_pages_remain() {
    let server = start().await;
    let a = server.customer_a().await;
    let original = invoice_pdf();
    // The test's PDF does carry its metadata, so the checks below can fail.
    for needle in [
        AUTHOR,
        PRODUCER,
        b"/Author",
        b"/Producer",
        b"/Metadata",
        b"x:xmpmeta",
    ] {
        assert!(contains(&original, needle));
    }
    let id = sha256(&original);

    let created = server
        .put_document(&a, &id, original.clone(), "application/pdf")
        .await;
    assert_eq!(created.ok(201)["id"], id.as_str());
    assert_eq!(created.body["pages"], 2);
    let stored = server.stored_document(&id).expect("stored");
    assert_eq!(created.body["bytes"], stored.len());
    for needle in [
        AUTHOR,
        PRODUCER,
        b"/Author",
        b"/Producer",
        b"/Metadata",
        b"x:xmpmeta",
    ] {
        assert!(
            !contains(&stored, needle),
            "{} left",
            String::from_utf8_lossy(needle)
        );
    }
    let reread = lopdf::Document::load_mem(&stored).expect("still a PDF");
    assert_eq!(reread.get_pages().len(), 2);
    assert!(reread.trailer.get(b"Info").is_err());
    assert!(contains(&stored, b"Facture de montage F-2024-118"));

    let served = server.get(&format!("/api/v1/documents/{id}"), &a).await;
    served.ok(200);
    assert_eq!(served.content_type, "application/pdf");
    assert_eq!(served.bytes, stored);

    // The same bytes again: the same answer, nothing stored twice.
    let again = server
        .put_document(&a, &id, original.clone(), "application/pdf")
        .await;
    assert_eq!(again.ok(200), &created.body);
    // Another customer uploading the same bytes gets its own copy.
    let b = server.customer_b().await;
    let theirs = server
        .put_document(&b, &id, original, "application/pdf; charset=binary")
        .await;
    assert_eq!(theirs.ok(201), &created.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_documents_are_refused_with_their_code() {
    let server = start().await;
    let a = server.customer_a().await;
    let pdf = invoice_pdf();
    let id = sha256(&pdf);

    // Another file's hash.
    let answer = server
        .put_document(&a, &sha256(b"other"), pdf.clone(), "application/pdf")
        .await;
    let problem = answer.problem(400, "hash_mismatch");
    assert!(problem["detail"].as_str().unwrap().contains("document"));
    // Not an address at all.
    server
        .put_document(&a, "not-a-hash", pdf.clone(), "application/pdf")
        .await
        .problem(400, "hash_mismatch");
    // Another media type, even with a PDF's bytes.
    server
        .put_document(&a, &id, pdf.clone(), "image/jpeg")
        .await
        .problem(415, "unsupported_media_type");
    // Garbage, a truncated PDF, a header and nothing else.
    for body in [
        b"bonjour, ceci n'est pas un PDF".to_vec(),
        pdf[..pdf.len() / 2].to_vec(),
        b"%PDF-1.7\n%%EOF\n".to_vec(),
    ] {
        let answer = server
            .put_document(&a, &sha256(&body), body.clone(), "application/pdf")
            .await;
        let problem = answer.problem(422, "invalid_document");
        assert!(problem["detail"].as_str().unwrap().contains("PDF"));
        assert!(server.stored_document(&sha256(&body)).is_none());
    }
    // Staff upload nothing.
    let staff = server.staff().await;
    server
        .put_document(&staff, &id, pdf, "application/pdf")
        .await
        .problem(403, "forbidden");
    assert!(
        server.stored_document(&id).is_none(),
        "nothing refused is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_customers_document_answers_like_a_missing_one_and_staff_read_it() {
    let server = start().await;
    let a = server.customer_a().await;
    let b = server.customer_b().await;
    let staff = server.staff().await;
    let pdf = invoice_pdf();
    let id = sha256(&pdf);
    server
        .put_document(&a, &id, pdf, "application/pdf")
        .await
        .ok(201);

    let theirs = server.get(&format!("/api/v1/documents/{id}"), &b).await;
    let missing = server
        .get(&format!("/api/v1/documents/{}", sha256(b"never")), &b)
        .await;
    theirs.problem(404, "not_found");
    assert_eq!(theirs.bytes, missing.bytes);
    server
        .get("/api/v1/documents/not-an-id", &b)
        .await
        .problem(404, "not_found");
    let seen = server.get(&format!("/api/v1/documents/{id}"), &staff).await;
    assert_eq!(seen.ok(200).clone(), Value::Null);
    assert_eq!(seen.content_type, "application/pdf");
    assert_eq!(Some(seen.bytes), server.stored_document(&id));
}
