//! Uploaded PDFs (the fitting invoice of a warranty claim) checked and written again without
//! their metadata: parsed whole by `lopdf` (a file it cannot read, an encrypted one it cannot open
//! without a password, or one without a page is refused), then the document information
//! dictionary (`/Info`: author, producer, dates…) and every XMP `/Metadata` stream (the
//! catalog's, a page's, an image's) are removed, the objects nothing points to any more dropped,
//! and the file saved again. Only the pages and what they draw survive.

use lopdf::{Document, Object};

/// A PDF as it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrubbedPdf {
    /// Its number of pages (at least one).
    pub pages: u32,
    /// The PDF written again, without metadata.
    pub data: Vec<u8>,
}

/// Why an upload is not a PDF this server keeps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScrubError {
    /// Not a PDF, truncated, corrupt, protected by a password, or without a page.
    #[error("invalid document: {0}")]
    Invalid(String),
}

/// Parses `bytes` as a PDF and writes it again without its metadata. Never panics on bad input:
/// a panic of the parser is a refusal like any other.
pub fn scrub_pdf(bytes: &[u8]) -> Result<ScrubbedPdf, ScrubError> {
    std::panic::catch_unwind(|| scrub(bytes))
        .unwrap_or_else(|_| Err(ScrubError::Invalid("the PDF parser gave up".to_owned())))
}

fn scrub(bytes: &[u8]) -> Result<ScrubbedPdf, ScrubError> {
    let invalid = |e: lopdf::Error| ScrubError::Invalid(e.to_string());
    if !retour_domain::warranty::looks_like_pdf(bytes) {
        return Err(ScrubError::Invalid("no %PDF- header".to_owned()));
    }
    let mut doc = Document::load_mem(bytes).map_err(invalid)?;
    if doc.is_encrypted() {
        return Err(ScrubError::Invalid("encrypted".to_owned()));
    }
    let pages = u32::try_from(doc.get_pages().len()).unwrap_or(u32::MAX);
    if pages == 0 {
        return Err(ScrubError::Invalid("no page".to_owned()));
    }
    doc.trailer.remove(b"Info");
    for object in doc.objects.values_mut() {
        match object {
            Object::Dictionary(dict) => {
                dict.remove(b"Metadata");
                dict.remove(b"PieceInfo");
            }
            Object::Stream(stream) => {
                stream.dict.remove(b"Metadata");
                stream.dict.remove(b"PieceInfo");
            }
            _ => {}
        }
    }
    doc.prune_objects();
    let mut data = Vec::new();
    doc.save_to(&mut data)
        .map_err(|e| ScrubError::Invalid(e.to_string()))?;
    Ok(ScrubbedPdf { pages, data })
}
