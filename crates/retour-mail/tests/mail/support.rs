//! Shared helpers of the mail tests: a sample pré-accord, an e-mail parser check, and a tiny
//! SMTP sink on loopback.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;

use anyhow::Result;
use retour_domain::Money;
pub use retour_mail::spool_reader::{Attachment, ReadMail};
use retour_mail::{PreaccordMail, TrackedFile};

/// A fake but well-formed PDF payload (the mail crate only carries it).
pub const PDF: &[u8] = b"%PDF-1.7\n% fake pre-accord \xe9\n%%EOF\n";

/// A two-file pré-accord mail.
pub fn preaccord_mail() -> PreaccordMail {
    PreaccordMail {
        customer_name: "Garage Élégance & Fils".into(),
        request_number: "R-2026-000123".into(),
        files: vec![
            TrackedFile {
                tracking_number: "10000001".into(),
                delivery_note: "250001106".into(),
            },
            TrackedFile {
                tracking_number: "10000002".into(),
                delivery_note: "250001187".into(),
            },
        ],
        estimated_total_ht: Money::parse("1251.77").unwrap(),
        pdf: PDF.to_vec(),
    }
}

/// Parses raw RFC 5322 bytes as a mail client would (the crate's own spool reader).
pub fn parse(raw: &[u8]) -> Result<ReadMail> {
    Ok(ReadMail::parse(raw)?)
}

/// One message as the sink received it.
#[derive(Debug)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
}

/// How the sink answers `RCPT TO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rcpt {
    Accept,
    Reject,
}

/// A minimal SMTP server on 127.0.0.1:0. The socket is bound before this returns, so a client
/// can connect at once; each received message arrives on the channel.
pub fn smtp_sink(rcpt: Rcpt) -> Result<(u16, mpsc::Receiver<Received>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Serves connections one after the other until the test process ends.
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            // A client that goes away mid-session just ends that session.
            let _ = serve(stream, rcpt, &tx);
        }
    });
    Ok((port, rx))
}

/// Speaks SMTP on one connection: 220, EHLO/HELO 250, MAIL/RCPT 250, DATA 354 … "." 250,
/// RSET/NOOP 250, QUIT 221.
fn serve(stream: TcpStream, rcpt: Rcpt, tx: &mpsc::Sender<Received>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 sink.test ESMTP ready\r\n")?;
    let mut current = Received {
        mail_from: String::new(),
        rcpt_to: Vec::new(),
        data: Vec::new(),
    };
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => out.write_all(b"250-sink.test\r\n250 8BITMIME\r\n")?,
            "HELO" => out.write_all(b"250 sink.test\r\n")?,
            "MAIL" => {
                current.mail_from = command;
                out.write_all(b"250 OK\r\n")?;
            }
            "RCPT" if rcpt == Rcpt::Reject => {
                out.write_all(b"550 5.1.1 mailbox unavailable\r\n")?;
            }
            "RCPT" => {
                current.rcpt_to.push(command);
                out.write_all(b"250 OK\r\n")?;
            }
            "DATA" => {
                out.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
                let mut data = Vec::new();
                loop {
                    let mut raw = Vec::new();
                    if lines.read_until(b'\n', &mut raw)? == 0 {
                        return Ok(());
                    }
                    if raw == b".\r\n" {
                        break;
                    }
                    // Undo dot-stuffing.
                    let start = usize::from(raw.starts_with(b".."));
                    data.extend_from_slice(&raw[start..]);
                }
                current.data = data;
                let done = std::mem::replace(
                    &mut current,
                    Received {
                        mail_from: String::new(),
                        rcpt_to: Vec::new(),
                        data: Vec::new(),
                    },
                );
                let _ = tx.send(done);
                out.write_all(b"250 OK queued\r\n")?;
            }
            "RSET" | "NOOP" => out.write_all(b"250 OK\r\n")?,
            "QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => out.write_all(b"502 command not implemented\r\n")?,
        }
    }
}
