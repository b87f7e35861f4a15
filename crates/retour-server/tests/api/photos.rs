//! Photos (API v1.1): uploads idempotent by hash, stored re-encoded without any metadata (a
//! JPEG carrying GPS in its EXIF comes back without it), each customer its own copy, bad uploads
//! refused in words, another customer's photo answering like a missing one, photos on cart lines,
//! on a request's lines (shown on its file) and on messages, and a reason that requires one.

use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::{key, start, start_with, Answer, Server};

/// A JPEG of `width` × `height` made here (a gradient, so that it is a real picture).
pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&image)
        .unwrap();
    out
}

/// A PNG of `width` × `height`.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255])
    });
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// An EXIF block (little-endian TIFF) whose GPS directory puts the picture in Paris
/// (48° 51′ 24″ N, 2° 21′ 3″ E), as a phone writes it.
fn gps_exif() -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    // IFD0: one entry, the GPS directory's offset.
    let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(&value.to_le_bytes());
    };
    tiff.extend_from_slice(&1u16.to_le_bytes());
    let gps_ifd = 8 + 2 + 12 + 4;
    entry(&mut tiff, 0x8825, 4, 1, gps_ifd);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // The GPS directory: latitude ref and latitude, longitude ref and longitude.
    let data = gps_ifd + 2 + 4 * 12 + 4;
    tiff.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut tiff, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut tiff, 0x0002, 5, 3, data);
    entry(&mut tiff, 0x0003, 2, 2, u32::from_le_bytes(*b"E\0\0\0"));
    entry(&mut tiff, 0x0004, 5, 3, data + 24);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(48u32, 1u32), (51, 1), (24, 1), (2, 1), (21, 1), (3, 1)] {
        tiff.extend_from_slice(&num.to_le_bytes());
        tiff.extend_from_slice(&den.to_le_bytes());
    }
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&tiff);
    exif
}

/// `jpeg` with an APP1 EXIF segment carrying GPS right after its start-of-image marker.
fn with_gps(jpeg: &[u8]) -> Vec<u8> {
    let exif = gps_exif();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The markers of a JPEG's segments before its image data.
fn segments(jpeg: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "a JPEG");
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    markers
}

/// Asserts a JPEG holds no metadata: no APP1…APP15 (EXIF, XMP, ICC…), no comment, and none of
/// the EXIF block's bytes.
#[track_caller]
fn assert_no_metadata(jpeg: &[u8]) {
    let markers = segments(jpeg);
    assert!(
        markers
            .iter()
            .all(|m| !(0xE1..=0xEF).contains(m) && *m != 0xFE),
        "metadata segments left: {markers:02x?}"
    );
    assert!(!contains(jpeg, b"Exif\0\0"), "EXIF bytes left");
    assert!(!contains(jpeg, &gps_exif()[6..]), "the GPS block left");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Server {
    /// `PUT /photos/{hash}` with a body and a content type.
    async fn put_photo(&self, token: &str, hash: &str, body: Vec<u8>, kind: &str) -> Answer {
        let request = self
            .client
            .put(format!("{}/api/v1/photos/{hash}", self.base))
            .bearer_auth(token)
            .header("content-type", kind)
            .body(body);
        self.send(request).await
    }

    /// Uploads a photo and returns its id.
    pub(crate) async fn upload(&self, token: &str, body: Vec<u8>) -> String {
        let hash = sha256(&body);
        let answer = self.put_photo(token, &hash, body, "image/jpeg").await;
        assert!(
            [200, 201].contains(&answer.status.as_u16()),
            "{:#}",
            answer.body
        );
        hash
    }

    /// The stored bytes of a photo, read from the database file.
    fn stored_photo(&self, id: &str) -> Option<Vec<u8>> {
        let id = id.to_owned();
        self.state.db().read(|c| c.photo_data(None, &id)).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_with_gps_comes_back_without_any_metadata_and_at_most_2048_px() {
    let server = start().await;
    let a = server.customer_a().await;
    let original = with_gps(&jpeg(3000, 2000));
    // The test's photo does carry the GPS block, so the checks below can fail.
    assert!(segments(&original).contains(&0xE1));
    assert!(contains(&original, &gps_exif()));
    let id = sha256(&original);

    let created = server
        .put_photo(&a, &id, original.clone(), "image/jpeg")
        .await;
    assert_eq!(created.ok(201)["id"], id.as_str());
    assert_eq!(created.body["width"], 2048);
    assert_eq!(created.body["height"], 1365);
    let stored = server.stored_photo(&id).expect("stored");
    assert_eq!(created.body["bytes"], stored.len());
    assert_no_metadata(&stored);

    let served = server.get(&format!("/api/v1/photos/{id}"), &a).await;
    served.ok(200);
    assert_eq!(served.content_type, "image/jpeg");
    assert_eq!(served.bytes, stored);
    assert_no_metadata(&served.bytes);
    let decoded = image::load_from_memory(&served.bytes).expect("a picture");
    assert_eq!((decoded.width(), decoded.height()), (2048, 1365));

    // The same bytes again: the same answer, nothing stored twice.
    let again = server
        .put_photo(&a, &id, original.clone(), "image/jpeg")
        .await;
    assert_eq!(again.ok(200), &created.body);
    // Another customer uploading the same bytes gets its own copy.
    let b = server.customer_b().await;
    let theirs = server
        .put_photo(&b, &id, original.clone(), "image/jpeg; charset=binary")
        .await;
    assert_eq!(theirs.ok(201), &created.body);
    // A PNG too, with its transparency flattened, kept at its size when small.
    let small = png(320, 200);
    let png_id = sha256(&small);
    let answer = server.put_photo(&a, &png_id, small, "image/png").await;
    assert_eq!(answer.ok(201)["width"], 320);
    assert_no_metadata(&server.stored_photo(&png_id).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_are_refused_with_their_code_in_french() {
    let server = start().await;
    let a = server.customer_a().await;
    let body = jpeg(64, 48);
    let id = sha256(&body);

    let wrong_hash = server
        .put_photo(&a, &sha256(b"something else"), body.clone(), "image/jpeg")
        .await;
    wrong_hash.problem(400, "hash_mismatch");
    let upper = server
        .put_photo(&a, &id.to_uppercase(), body.clone(), "image/jpeg")
        .await;
    upper.problem(400, "hash_mismatch");
    for kind in ["application/json", "text/plain", "image/gif", ""] {
        let answer = server.put_photo(&a, &id, body.clone(), kind).await;
        let problem = answer.problem(415, "unsupported_media_type");
        assert!(
            problem["detail"].as_str().unwrap().contains("image/jpeg"),
            "{problem:#}"
        );
    }
    let garbage = b"this is not a picture at all".to_vec();
    let answer = server
        .put_photo(&a, &sha256(&garbage), garbage, "image/jpeg")
        .await;
    answer.problem(422, "invalid_image");
    // A PNG declared as a JPEG, and a truncated JPEG.
    let small = png(10, 10);
    let answer = server
        .put_photo(&a, &sha256(&small), small, "image/jpeg")
        .await;
    answer.problem(422, "invalid_image");
    let cut = body[..body.len() / 3].to_vec();
    let answer = server.put_photo(&a, &sha256(&cut), cut, "image/jpeg").await;
    answer.problem(422, "invalid_image");
    // A PNG header declaring 40000 × 40000 pixels (a decompression bomb).
    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&40_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&40_000u32.to_be_bytes());
    let answer = server
        .put_photo(&a, &sha256(&bomb), bomb, "image/png")
        .await;
    answer.problem(422, "invalid_image");
    // Over 8 MiB: answered before the body is read, then the connection closes, so a client still
    // writing may see the reset first (as in `limits`): a client of its own, a few tries, and
    // every answer read must be the 413 problem.
    let huge = vec![0xAB; 8 * 1024 * 1024 + 1];
    let huge_id = sha256(&huge);
    let one_shot = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut answered = false;
    for _ in 0..10 {
        let request = one_shot
            .put(format!("{}/api/v1/photos/{huge_id}", server.base))
            .bearer_auth(&a)
            .header("content-type", "image/jpeg")
            .body(huge.clone());
        if let Ok(answer) = server.try_send(request).await {
            let problem = answer.problem(413, "payload_too_large");
            assert!(problem["detail"].as_str().unwrap().contains("8 Mio"));
            answered = true;
            break;
        }
    }
    assert!(answered, "no answer to a too-large photo in 10 tries");
    // Exactly 8 MiB is read (and then is no picture).
    let limit = vec![0xAB; 8 * 1024 * 1024];
    let answer = server
        .put_photo(&a, &sha256(&limit), limit, "image/jpeg")
        .await;
    answer.problem(422, "invalid_image");
    // Signed in as staff, or not at all.
    let staff = server.staff().await;
    server
        .put_photo(&staff, &id, body.clone(), "image/jpeg")
        .await
        .problem(403, "forbidden");
    let anonymous = server
        .client
        .put(format!("{}/api/v1/photos/{id}", server.base))
        .header("content-type", "image/jpeg")
        .body(body);
    server.send(anonymous).await.problem(401, "unauthorized");
    assert!(
        server.stored_photo(&id).is_none(),
        "nothing refused is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_customers_photo_answers_like_a_missing_one() {
    let server = start().await;
    let a = server.customer_a().await;
    let b = server.customer_b().await;
    let staff = server.staff().await;
    let id = server.upload(&a, jpeg(120, 90)).await;

    let theirs = server.get(&format!("/api/v1/photos/{id}"), &b).await;
    let missing = server
        .get(&format!("/api/v1/photos/{}", sha256(b"never uploaded")), &b)
        .await;
    theirs.problem(404, "not_found");
    assert_eq!(theirs.bytes, missing.bytes);
    server
        .get("/api/v1/photos/not-a-photo-id", &b)
        .await
        .problem(404, "not_found");
    // Staff see every customer's photos.
    let seen = server.get(&format!("/api/v1/photos/{id}"), &staff).await;
    assert_eq!(seen.ok(200).clone(), Value::Null);
    assert_eq!(seen.content_type, "image/jpeg");

    // B naming A's photo on a request: the photo is missing, nothing is created.
    let (bl, line_no, _, _) = server.eligible_line(&b, 1).await;
    let body = json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": 1,
        "reason": "defective", "photos": [id]}]});
    let refused = server.submit(&b, &key(), body).await;
    let problem = refused.problem(422, "photo_missing");
    assert_eq!(problem["errors"][0]["field"], "lines[0].photos");
    assert_eq!(problem["errors"][0]["code"], "photo_missing");
    // Nor on a message about one of B's files.
    let own = server.upload(&b, jpeg(50, 50)).await;
    let body = json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": 1,
        "reason": "defective", "photos": [own]}]});
    let sent = server.submit(&b, &key(), body).await.ok(201).clone();
    let number = sent["dossiers"][0]["number"].as_str().unwrap().to_owned();
    let message =
        json!({"message_id": uuid::Uuid::new_v4(), "text": "Voici la pièce", "photos": [id]});
    server
        .post(&format!("/api/v1/dossiers/{number}/messages"), &b, message)
        .await
        .problem(422, "photo_missing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_go_from_the_cart_line_to_the_request_and_show_on_the_file() {
    let server = start().await;
    let a = server.customer_a().await;
    let first = server.upload(&a, with_gps(&jpeg(800, 600))).await;
    let second = server.upload(&a, jpeg(600, 800)).await;
    let (bl, line_no, _, _) = server.eligible_line(&a, 1).await;

    // The cart line carries the list; a later put replaces it as a whole.
    let op = |n: u64, photos: Value| {
        json!({"op_id": uuid::Uuid::new_v4(), "at": format!("17643408{n:05}-0000-phone"),
            "kind": "put", "delivery_note": bl, "line_no": line_no, "qty": 1,
            "reason": "defective", "photos": photos})
    };
    let cart = server
        .post(
            "/api/v1/cart/ops",
            &a,
            json!({"ops": [op(1, json!([first, second]))]}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(cart["rejected"], json!([]));
    let line = cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["delivery_note"] == bl.as_str() && l["line_no"] == line_no)
        .expect("the line")
        .clone();
    assert_eq!(line["photos"], json!([first, second]));
    let six = json!(vec![first.clone(); 6]);
    let cart = server
        .post("/api/v1/cart/ops", &a, json!({"ops": [op(2, six)]}))
        .await
        .ok(200)
        .clone();
    assert_eq!(cart["rejected"][0]["code"], "too_many_photos");
    let cart = server
        .post(
            "/api/v1/cart/ops",
            &a,
            json!({"ops": [op(3, json!([second]))]}),
        )
        .await
        .ok(200)
        .clone();
    let line = cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["delivery_note"] == bl.as_str() && l["line_no"] == line_no)
        .expect("the line");
    assert_eq!(line["photos"], json!([second]));

    // Six photos on a request line are refused; five are sent and shown on the file.
    let body = |photos: Value| {
        json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": 1,
            "reason": "defective", "photos": photos}]})
    };
    let too_many = server
        .submit(&a, &key(), body(json!(vec![first.clone(); 6])))
        .await;
    too_many.problem(422, "too_many_photos");
    let request = server
        .submit(&a, &key(), body(json!([first, second])))
        .await
        .ok(201)
        .clone();
    assert_eq!(
        request["dossiers"][0]["lines"][0]["photos"],
        json!([first, second])
    );
    let number = request["dossiers"][0]["number"].as_str().unwrap();
    let file = server
        .get(&format!("/api/v1/dossiers/{number}"), &a)
        .await
        .ok(200)
        .clone();
    assert_eq!(file["lines"][0]["photos"], json!([first, second]));
    let events: Vec<(&str, &str)> = file["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        events,
        [
            ("status", "Demande de retour envoyée"),
            ("photo", "2 photos jointes à la demande")
        ]
    );
    // Every photo the file names can be read by its customer.
    for id in [&first, &second] {
        let served = server.get(&format!("/api/v1/photos/{id}"), &a).await;
        served.ok(200);
        assert_no_metadata(&served.bytes);
    }
    // A message carries photos too.
    let message =
        json!({"message_id": uuid::Uuid::new_v4(), "text": "Une autre vue", "photos": [second]});
    let answer = server
        .post(&format!("/api/v1/dossiers/{number}/messages"), &a, message)
        .await
        .ok(201)
        .clone();
    assert_eq!(answer["photos"], json!([second]));
    let file = server
        .call(
            Method::GET,
            &format!("/api/v1/dossiers/{number}"),
            Some(&a),
            None,
        )
        .await
        .ok(200)
        .clone();
    let messages: Vec<&Value> = file["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.get("message"))
        .collect();
    assert_eq!(messages[0]["photos"], json!([second]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reason_can_require_a_photo() {
    let server = start().await;
    let a = server.customer_a().await;
    let reasons = server.get("/api/v1/reasons", &a).await.ok(200).clone();
    let rule = |reasons: &Value, code: &str| {
        reasons
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .unwrap()["photos"]
            .clone()
    };
    assert_eq!(rule(&reasons, "defective"), "optional");
    assert_eq!(rule(&reasons, "new_part"), "none");
    // Optional: a request without photos goes.
    let (bl, line_no, _, _) = server.eligible_line(&a, 1).await;
    let body = json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": 1, "reason": "defective"}]});
    server.submit(&a, &key(), body).await.ok(201);

    let strict = start_with(|c| c.photos_required = vec!["defective".to_owned()]).await;
    let a = strict.customer_a().await;
    let reasons = strict.get("/api/v1/reasons", &a).await.ok(200).clone();
    assert_eq!(rule(&reasons, "defective"), "required");
    let (bl, line_no, _, _) = strict.eligible_line(&a, 1).await;
    let line = |photos: Value| {
        json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": 1,
            "reason": "defective", "photos": photos}]})
    };
    let refused = strict.submit(&a, &key(), line(json!([]))).await;
    let problem = refused.problem(422, "photo_required");
    assert_eq!(
        problem["errors"][0]["message"],
        "Ce motif demande au moins une photo de la pièce : ajoutez-en une"
    );
    let id = strict.upload(&a, jpeg(100, 100)).await;
    strict.submit(&a, &key(), line(json!([id]))).await.ok(201);
}
