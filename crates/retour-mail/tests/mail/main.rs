//! The mail crate's tests, one binary: the messages written to the spool and sent over SMTP to a
//! sink on loopback, read back as a mail client would.

mod smtp;
mod spool;
mod support;
