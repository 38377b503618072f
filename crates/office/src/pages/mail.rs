//! The mail outbox as the office sees it: the queue with each failed
//! mail's reason and a button to send it again, the outbox folder of the
//! embedded default, and a preview of every mail of a reservation (what it
//! says, without the address).

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::path::Id;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{Duty, Language, MailJobId, MailKind, MailState, ReservationNumber, Scope};
use sesshu_http::CsrfForm;
use sesshu_operations::mail::{self, QueuedMail, Resend, ReservationMails};

/// A queued mail as the list shows it.
#[derive(Debug)]
pub struct JobRow {
    pub id: i64,
    pub kind: &'static str,
    pub language: &'static str,
    pub state: &'static str,
    pub failed: bool,
    pub resendable: bool,
    pub attempts: u32,
    pub number: String,
    pub queued: String,
    pub next_try: String,
    pub sent: String,
    pub reason: String,
    pub message_id: String,
}

fn rows(t: &'static Texts, mails: Vec<QueuedMail>) -> Vec<JobRow> {
    mails
        .into_iter()
        .map(|QueuedMail { job, number }| JobRow {
            id: job.id.get(),
            kind: t.mail_kind(job.kind),
            language: match job.language {
                Language::Ja => "日本語",
                Language::En => "English",
            },
            state: t.mail_state(job.state),
            failed: job.state == MailState::Failed,
            resendable: matches!(job.state, MailState::Failed | MailState::Skipped),
            attempts: job.attempts,
            number: number.map(|n| n.to_string()).unwrap_or_default(),
            queued: t.time(job.created_at),
            next_try: if job.state == MailState::Pending {
                t.time(job.next_attempt_at)
            } else {
                String::new()
            },
            sent: job.sent_at.map(|at| t.time(at)).unwrap_or_default(),
            reason: job.last_error.unwrap_or_default(),
            message_id: job.message_id.unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "mail.html")]
struct ListPage {
    frame: Frame,
    t: &'static Texts,
    filter: &'static str,
    /// (code, label, shown now)
    filters: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<JobRow>,
    can_resend: bool,
    done: Option<&'static str>,
    has_outbox: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    done: Option<String>,
}

/// The newest mails, all or of one state (failed first in the menu).
pub async fn list(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<ListQuery>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let filter = query.state.as_deref().and_then(MailState::parse);
    let mails = mail::queue(state.operations(), &staff.actor(), filter).await?;
    let rows = rows(t, mails);
    let filters = [
        MailState::Failed,
        MailState::Pending,
        MailState::Sent,
        MailState::Skipped,
    ]
    .into_iter()
    .map(|s| (s.code(), t.mail_state(s), filter == Some(s)))
    .collect();
    html(ListPage {
        frame,
        t,
        filter: filter.map_or("", MailState::code),
        filters,
        rows,
        can_resend: true,
        done: match query.done.as_deref() {
            Some("resent") => Some(t.mail_resent),
            Some("not_resent") => Some(t.mail_not_resent),
            _ => None,
        },
        has_outbox: state
            .config()
            .mail
            .as_ref()
            .is_some_and(|m| m.outbox.is_some()),
    })
}

#[derive(Deserialize)]
pub struct ResendForm {}

/// Sends a failed (or skipped) mail again, with a fresh set of tries.
pub async fn resend(
    State(state): State<OfficeState>,
    staff: Staff,
    Id(job): Id<MailJobId>,
    CsrfForm(ResendForm {}): CsrfForm<ResendForm>,
) -> Result<Response, OfficeError> {
    let done = match mail::resend(state.operations(), &staff.actor(), job).await? {
        Resend::Resent => "resent",
        Resend::NotResendable => "not_resent",
    };
    Ok(Redirect::to(&format!("/mail?done={done}")).into_response())
}

/// A file of the outbox folder, as listed.
#[derive(Debug)]
pub struct OutboxRow {
    pub name: String,
    pub written: String,
    pub subject: String,
    pub size: u64,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    frame: Frame,
    t: &'static Texts,
    rows: Vec<OutboxRow>,
}

fn outbox_dir(state: &OfficeState) -> Result<std::path::PathBuf, OfficeError> {
    state
        .config()
        .mail
        .as_ref()
        .and_then(|m| m.outbox.clone())
        .ok_or(OfficeError::NotFound)
}

/// The outbox folder (mail without an SMTP server): newest first.
pub async fn outbox(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageMail, Scope::Any)?;
    let dir = outbox_dir(&state)?;
    let t = frame.t;
    let entries = tokio::task::spawn_blocking(move || sesshu_mail::outbox::list(&dir, 200))
        .await
        .map_err(|_| OfficeError::Internal)?;
    // Nothing sent yet: the folder is made with the first mail.
    let entries = match entries {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        other => other,
    }
    .map_err(|e| {
        tracing::error!(error = %e, "the outbox folder cannot be read");
        OfficeError::Internal
    })?;
    let rows = entries
        .into_iter()
        .map(|e| OutboxRow {
            written: t.time(e.modified),
            subject: e.subject,
            size: e.size,
            name: e.name,
        })
        .collect();
    html(OutboxPage { frame, t, rows })
}

/// One mail of the outbox folder, as the file (`message/rfc822`: the
/// browser offers to open it in a mail program). It holds an address:
/// opening it is audited like any personal data.
pub async fn outbox_file(
    State(state): State<OfficeState>,
    staff: Staff,
    Path(name): Path<String>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageMail, Scope::Any)?;
    let dir = outbox_dir(&state)?;
    let file = name.clone();
    let bytes = tokio::task::spawn_blocking(move || sesshu_mail::outbox::read(&dir, &file))
        .await
        .map_err(|_| OfficeError::Internal)?
        .map_err(|_| OfficeError::NotFound)?;
    mail::open_outbox_mail(state.operations(), &staff.actor(), &name).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "mail_preview.html")]
struct PreviewPage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    rows: Vec<JobRow>,
    can_resend: bool,
    /// (code, label, shown now)
    kinds: Vec<(&'static str, &'static str, bool)>,
    kind: &'static str,
    language: &'static str,
    subject: String,
    text: String,
    html: String,
    ics: Option<String>,
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    kind: Option<String>,
    lang: Option<String>,
}

/// The mails of a reservation: those queued and sent, and a preview of
/// each kind in either language, as the person would read it now.
pub async fn preview(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(number): Path<String>,
    Query(query): Query<PreviewQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ViewReservations, Scope::Any)?;
    let number = ReservationNumber::parse(&number).map_err(|_| OfficeError::NotFound)?;
    let ReservationMails { series, mails } =
        mail::of_reservation(state.operations(), &staff.actor(), &number).await?;
    let t = frame.t;
    let kind = query
        .kind
        .as_deref()
        .and_then(MailKind::parse)
        .unwrap_or(MailKind::Booked);
    let language = query
        .lang
        .as_deref()
        .and_then(Language::from_tag)
        .unwrap_or(t.lang);
    let site_url = state
        .config()
        .mail
        .as_ref()
        .map(|m| m.site_url.clone())
        .unwrap_or_default();
    let number = series.number.to_string();
    let gathered = mail::preview(state.operations(), series, kind, language, &site_url).await?;
    let rendered = sesshu_mail::render(&gathered.letter()).map_err(|e| {
        tracing::error!(error = %e, "a mail preview could not be rendered");
        OfficeError::Internal
    })?;
    let rows = rows(t, mails);
    html(PreviewPage {
        can_resend: staff.may(Duty::ManageMail, Scope::Any).is_ok(),
        frame,
        t,
        number,
        rows,
        kinds: MailKind::ALL
            .into_iter()
            .map(|k| (k.code(), t.mail_kind(k), k == kind))
            .collect(),
        kind: kind.code(),
        language: language.tag(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        ics: rendered.ics,
    })
}
