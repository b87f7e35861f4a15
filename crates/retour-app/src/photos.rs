//! Photos of a cart line (v1.1): taken from a file or a camera capture (the window gives the
//! bytes), stripped of every metadata block on the device before anything is stored, kept in the
//! account's photo folder under the SHA-256 of the stripped JPEG (their id), recorded in the store
//! with the cart op that puts them on the line, and uploaded by the sync before the cart ops and
//! the request that name them (an upload is idempotent by hash: resumable and deduplicated).
//!
//! Stripping is a re-encode: the picture is decoded (JPEG or PNG; its declared size checked
//! first), turned upright by its EXIF orientation, brought down to a long side of 2048 px and
//! written again as a JPEG, which carries no EXIF, GPS, XMP, ICC profile nor comment. The backend
//! does the same again on its side.

use std::io::Cursor;

use chrono::{Duration as ChronoDuration, Utc};
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use retour_domain::photo::{
    decodable_size, fit_within, is_photo_id, MAX_DECODED_PIXELS, MAX_DECODED_SIDE, MAX_LONG_SIDE,
    MAX_PHOTOS_PER_LINE, MAX_PHOTO_BYTES,
};
use retour_store::NewPhoto;
use retour_sync::engine::lock;
use sha2::{Digest, Sha256};

use crate::accounts::Account;
use crate::cart_view::cart_view_after_edit;
use crate::catalog::bl_number;
use crate::files::{create_private_dir, write_atomically};
use crate::{App, AppError, AppResult, CartView, ErrorCode};

/// The largest picture the device takes in: 4 × what the backend takes, since it is brought down
/// to 2048 px before it is stored.
const MAX_INPUT_BYTES: usize = 4 * MAX_PHOTO_BYTES;
/// The JPEG quality of the device's copy.
const QUALITY: u8 = 85;
/// The long side of a thumbnail, in pixels.
const THUMBNAIL_SIDE: u32 = 256;

fn invalid_image() -> AppError {
    AppError::new(
        ErrorCode::InvalidImage,
        "Image illisible : choisissez une photo JPEG ou PNG.",
    )
}

/// Decodes a JPEG or a PNG with limits, upright by its EXIF orientation.
fn decode(bytes: &[u8]) -> AppResult<DynamicImage> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| invalid_image())?;
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)
    ) {
        return Err(invalid_image());
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODED_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| invalid_image())?;
    let (width, height) = decoder.dimensions();
    if !decodable_size(width, height) {
        return Err(invalid_image());
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| invalid_image())?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// `image` brought down to a long side of `side` (when larger), as a JPEG without metadata.
fn jpeg_within(image: &DynamicImage, side: u32) -> AppResult<Vec<u8>> {
    let (w, h) = fit_within(image.width(), image.height(), side);
    let rgb = if (w, h) == (image.width(), image.height()) {
        image.to_rgb8()
    } else {
        image
            .resize_exact(w, h, image::imageops::FilterType::Triangle)
            .to_rgb8()
    };
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, QUALITY)
        .encode_image(&rgb)
        .map_err(|_| invalid_image())?;
    Ok(jpeg)
}

/// The device's copy of a picture: re-encoded as a JPEG of at most 2048 px, without any metadata
/// block (see the module's documentation).
pub fn strip_photo(bytes: &[u8]) -> AppResult<Vec<u8>> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            "Cette image est trop volumineuse (32 Mio au plus) : choisissez-en une autre.",
        ));
    }
    jpeg_within(&decode(bytes)?, MAX_LONG_SIDE)
}

/// A photo's id: the SHA-256 of its (stripped) bytes, lowercase hex.
pub fn photo_id(jpeg: &[u8]) -> String {
    format!("{:x}", Sha256::digest(jpeg))
}

fn not_in_cart(number: &str, line_no: u32) -> AppError {
    AppError::new(
        ErrorCode::NotInCart,
        format!("La ligne {line_no} du BL {number} n'est pas dans le panier."),
    )
}

fn too_many() -> AppError {
    AppError::new(
        ErrorCode::TooManyPhotos,
        format!("{MAX_PHOTOS_PER_LINE} photos au plus par ligne : retirez-en une pour en ajouter une autre."),
    )
}

fn now_ms_with(offset: ChronoDuration) -> u64 {
    (Utc::now() + offset).timestamp_millis().max(0) as u64
}

/// Strips a photo (a file's or a camera capture's bytes) and writes it, atomically, to the
/// account's photo folder under its id; the photo to record with what carries it.
pub(crate) fn keep_on_device(account: &Account, bytes: &[u8]) -> AppResult<NewPhoto> {
    let jpeg = strip_photo(bytes)?;
    let hash = photo_id(&jpeg);
    let path = lock(&account.store).photo_path(&hash);
    if let Some(dir) = path.parent() {
        create_private_dir(dir).map_err(AppError::local)?;
    }
    write_atomically(&path, &jpeg).map_err(AppError::local)?;
    Ok(NewPhoto {
        hash,
        bytes: jpeg.len() as u64,
        at: Utc::now(),
    })
}

impl App {
    /// Adds a photo to a cart line (from a file or a camera capture: the window gives its bytes):
    /// stripped and stored on the device (file written atomically, then one committed transaction
    /// records it with the cart op carrying the line's new list), uploaded by the next sync.
    /// At most 5 per line; the same photo twice is one. Local only.
    pub fn add_line_photo(
        &self,
        delivery_note: &str,
        line_no: u32,
        bytes: &[u8],
    ) -> AppResult<CartView> {
        let number = bl_number(delivery_note)?;
        let account = self.account()?;
        let before = lock(&account.store)
            .cart()
            .line(&number, line_no)
            .ok_or_else(|| not_in_cart(&number, line_no))?;
        if before.photos.len() >= MAX_PHOTOS_PER_LINE {
            return Err(too_many());
        }
        let added = keep_on_device(&account, bytes)?;
        let hash = added.hash.clone();
        let now_ms = now_ms_with(account.engine.clock_offset());
        let view = {
            let mut store = lock(&account.store);
            let line = store
                .cart()
                .line(&number, line_no)
                .ok_or_else(|| not_in_cart(&number, line_no))?;
            if line.photos.contains(&hash) {
                drop(store);
                return self.cart();
            }
            if line.photos.len() >= MAX_PHOTOS_PER_LINE {
                return Err(too_many());
            }
            let mut photos = line.photos;
            photos.push(hash);
            let revision = store.revision();
            store.put_photos(&number, line_no, photos, Some(&added), now_ms)?;
            cart_view_after_edit(&account, &store, revision, &number, line_no)?
        };
        account.engine.refresh_counts();
        self.inner.edited.notify_one();
        Ok(view)
    }

    /// Takes a photo off a cart line (its file stays until the line is sent: another line or a
    /// request may name it). Local only.
    pub fn remove_line_photo(
        &self,
        delivery_note: &str,
        line_no: u32,
        photo_id: &str,
    ) -> AppResult<CartView> {
        let number = bl_number(delivery_note)?;
        let account = self.account()?;
        let now_ms = now_ms_with(account.engine.clock_offset());
        let view = {
            let mut store = lock(&account.store);
            let line = store
                .cart()
                .line(&number, line_no)
                .ok_or_else(|| not_in_cart(&number, line_no))?;
            if !line.photos.iter().any(|p| p == photo_id) {
                return Err(AppError::new(
                    ErrorCode::NotFound,
                    "Cette photo n'est plus sur la ligne.",
                ));
            }
            let photos = line.photos.into_iter().filter(|p| p != photo_id).collect();
            let revision = store.revision();
            store.put_photos(&number, line_no, photos, None, now_ms)?;
            cart_view_after_edit(&account, &store, revision, &number, line_no)?
        };
        account.engine.refresh_counts();
        self.inner.edited.notify_one();
        Ok(view)
    }

    /// A photo's thumbnail (a JPEG of at most 256 px), for a cart line or a file's line: from the
    /// device's copy, else fetched from the backend once and kept in the photo folder.
    pub async fn photo_thumbnail(&self, photo_id: &str) -> AppResult<Vec<u8>> {
        if !is_photo_id(photo_id) {
            return Err(AppError::new(ErrorCode::NotFound, "Photo introuvable."));
        }
        let account = self.account()?;
        let path = lock(&account.store).photo_path(photo_id);
        let jpeg = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(_) => {
                let bytes = account.engine.photo(photo_id).await?;
                if let Some(dir) = path.parent() {
                    create_private_dir(dir).map_err(AppError::local)?;
                }
                write_atomically(&path, &bytes).map_err(AppError::local)?;
                bytes
            }
        };
        tokio::task::spawn_blocking(move || jpeg_within(&decode(&jpeg)?, THUMBNAIL_SIDE))
            .await
            .map_err(AppError::local)?
    }
}
