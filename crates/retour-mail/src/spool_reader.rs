//! Reading the `.eml` spool back, as a mail client would (feature `spool-reader`): every test
//! that checks what the backend sent reads its messages, links and attachments here.

use std::path::{Path, PathBuf};

use mail_parser::{MessageParser, MimeHeaders};

/// One message as a mail client shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMail {
    /// The sender's address.
    pub from: String,
    /// The first recipient's address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body, with plain newlines (bodies travel with CRLF).
    pub text: String,
    /// The attachments, in order.
    pub attachments: Vec<Attachment>,
}

/// An attached file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name.
    pub name: String,
    /// Its content type, such as `application/pdf`.
    pub content_type: String,
    /// Its decoded bytes.
    pub bytes: Vec<u8>,
}

/// Why the spool could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The folder or a file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The bytes are not an e-mail.
    #[error("not an e-mail")]
    NotAMessage,
    /// The spool has no message.
    #[error("no e-mail in the spool {0}")]
    Empty(PathBuf),
}

impl ReadMail {
    /// Parses raw RFC 5322 bytes.
    pub fn parse(raw: &[u8]) -> Result<ReadMail, ReadError> {
        let message = MessageParser::default()
            .parse(raw)
            .ok_or(ReadError::NotAMessage)?;
        let first = |a: Option<&mail_parser::Address>| {
            a.and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned()
        };
        Ok(ReadMail {
            from: first(message.from()),
            to: first(message.to()),
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message
                .body_text(0)
                .unwrap_or_default()
                .replace("\r\n", "\n"),
            attachments: message
                .attachments()
                .map(|part| Attachment {
                    name: part.attachment_name().unwrap_or_default().to_owned(),
                    content_type: part
                        .content_type()
                        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
                        .unwrap_or_default(),
                    bytes: part.contents().to_vec(),
                })
                .collect(),
        })
    }

    /// The first link of the body that goes to `action` (`reset`, `unlock`…): the whole
    /// `…<action>?token=…` word.
    pub fn link(&self, action: &str) -> Option<&str> {
        let marker = format!("{action}?token=");
        self.text.split_whitespace().find(|w| w.contains(&marker))
    }

    /// The token of the body's first `…?token=…` link.
    pub fn link_token(&self) -> Option<String> {
        let start = self.text.find("token=")? + "token=".len();
        Some(
            self.text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect(),
        )
    }
}

/// The `.eml` files of a spool, oldest first (their names start with the time they were written);
/// none when the folder does not exist yet.
pub fn spool_files(dir: &Path) -> Result<Vec<PathBuf>, ReadError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ReadError::Io {
                path: dir.to_owned(),
                source,
            })
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads one spooled file.
pub fn read_file(path: &Path) -> Result<ReadMail, ReadError> {
    let raw = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    ReadMail::parse(&raw)
}

/// Every message of a spool, oldest first.
pub fn read_spool(dir: &Path) -> Result<Vec<ReadMail>, ReadError> {
    spool_files(dir)?.iter().map(|p| read_file(p)).collect()
}

/// The newest message of a spool.
pub fn newest(dir: &Path) -> Result<ReadMail, ReadError> {
    let files = spool_files(dir)?;
    let path = files
        .last()
        .ok_or_else(|| ReadError::Empty(dir.to_owned()))?;
    read_file(path)
}
