//! What Sesshu mails people, and how. `compose` turns a [`Letter`] into
//! subject, text and HTML from the templates of its kind and language, and
//! `ics` into a calendar file; `message` makes the MIME message; `transport`
//! sends it by SMTP or writes it to the outbox folder; `worker` runs the
//! outbox (docs/mail.md). Only the back office links this crate: the worker
//! opens mail addresses with the private key.

pub mod compose;
pub mod gather;
pub mod ics;
pub mod message;
pub mod outbox;
pub mod transport;
pub mod worker;

pub use compose::{Appointment, Letter, Rendered, render};
pub use message::{Envelope, build};
pub use transport::{Accepted, MailTransport, Security, SendError, SmtpConfig};
pub use worker::{Round, Worker, WorkerSettings};

/// Why a mail could not be made (never why it could not be sent: that is
/// [`SendError`]). Its text names no person.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("a mail template failed: {0}")]
    Template(String),
    #[error("the mail could not be built: {0}")]
    Message(String),
    #[error("the mail settings are wrong: {0}")]
    Settings(String),
}
