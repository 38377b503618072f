//! The outbox worker: queues tomorrow's reminders (and the reminders of
//! vouchers still missing after a vaccination) once the reminder hour has
//! come, claims due jobs with a lease, opens each address with the
//! back office's key, sends, and records what the mail server said.
//!
//! The guarantee (docs/mail.md): a job is recorded as sent only by the
//! worker that still holds its lease, in one transaction with its audit
//! entry. A crash between the server's acceptance and that record leaves
//! the job pending: it is sent again once the lease ends, with the same
//! Message-ID. Nothing personal is logged: jobs are named by id.

use crate::gather::{GatherError, gather};
use crate::{Envelope, MailTransport, SendError, build, render};
use chrono::{NaiveDate, NaiveTime};
use sesshu_domain::AuditObject;
use sesshu_domain::mail::{message_id, reminder_day, retry_after};
use sesshu_domain::{AuditEntry, Clock, Language, MailAddress, MailKind};
use sesshu_store::{DynStore, Field, MailJob, MailSent, Owner, ReminderPlan, StoreError};
use sesshu_vault_open::Keyring;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// How the worker runs.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// Names this worker's leases; unique per process.
    pub name: String,
    /// The sender when the institution names none.
    pub from: MailAddress,
    /// The right-hand side of every Message-ID.
    pub message_id_domain: String,
    /// Where people see and change their reservation (the public site).
    pub site_url: String,
    /// Reminders for tomorrow go out from this Tokyo time.
    pub reminder_at: NaiveTime,
    /// When a vaccinated dose's voucher still missing is reminded of
    /// (queued with tomorrow's reminders; `max` 0: never).
    pub voucher_reminders: ReminderPlan,
    /// Jobs claimed at once.
    pub batch: u32,
    /// How long a claim holds: longer than a batch can take to send.
    pub lease: Duration,
    /// How long an idle worker waits before it looks again (PostgreSQL
    /// wakes it earlier when a job is queued).
    pub idle: Duration,
}

impl WorkerSettings {
    pub fn new(from: MailAddress, message_id_domain: &str, site_url: &str) -> Self {
        Self {
            name: format!(
                "{}:{}:{:08x}",
                hostname(),
                std::process::id(),
                rand::random::<u32>()
            ),
            from,
            message_id_domain: message_id_domain.to_owned(),
            site_url: site_url.to_owned(),
            reminder_at: NaiveTime::from_hms_opt(10, 0, 0).unwrap_or(NaiveTime::MIN),
            voucher_reminders: ReminderPlan {
                first_after_days: 3,
                every_days: 7,
                max: 2,
            },
            batch: 10,
            lease: Duration::from_secs(600),
            idle: Duration::from_secs(5),
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "sesshu".to_owned())
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Tomorrow's appointments reminded of.
    pub reminders_queued: u64,
    /// Vouchers still missing reminded of.
    pub voucher_reminders_queued: u32,
    pub claimed: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Jobs another worker took over (this one's lease had run out).
    pub lost: usize,
}

/// A round that could not run at all (the database is away).
#[derive(Debug, thiserror::Error)]
#[error("mail worker: {0}")]
pub struct WorkerError(#[from] StoreError);

/// The outbox worker.
#[derive(Debug)]
pub struct Worker {
    store: DynStore,
    keys: Keyring,
    transport: MailTransport,
    clock: Arc<dyn Clock>,
    settings: WorkerSettings,
    /// The last day whose reminders (of appointments and vouchers) this
    /// worker queued.
    reminders_for: Mutex<Option<NaiveDate>>,
}

/// What became of one job.
enum Outcome {
    Sent,
    Retry,
    Failed,
    Skipped,
    Lost,
    /// The server is unreachable: the rest of the batch waits too.
    Unreachable,
}

impl Worker {
    pub fn new(
        store: DynStore,
        keys: Keyring,
        transport: MailTransport,
        clock: Arc<dyn Clock>,
        settings: WorkerSettings,
    ) -> Self {
        Self {
            store,
            keys,
            transport,
            clock,
            settings,
            reminders_for: Mutex::new(None),
        }
    }

    pub fn settings(&self) -> &WorkerSettings {
        &self.settings
    }

    /// Runs rounds until `shutdown` completes. A round is never cut short:
    /// the mails in hand are sent and recorded first. A round that fails
    /// (the database is away) is logged and tried again after the idle wait.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        tracing::info!(worker = %self.settings.name, "mail worker started");
        tokio::pin!(shutdown);
        loop {
            let busy = match self.round().await {
                Ok(round) => round.claimed >= self.settings.batch as usize,
                Err(e) => {
                    tracing::warn!(error = %e, "mail round failed");
                    false
                }
            };
            let wait = if busy {
                Duration::ZERO
            } else {
                self.settings.idle
            };
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = self.store.wait_for_mail(wait), if !busy => {}
                () = std::future::ready(()), if busy => {}
            }
        }
        tracing::info!(worker = %self.settings.name, "mail worker stopped");
    }

    /// One round: reminders if due, then one batch of jobs.
    pub async fn round(&self) -> Result<Round, WorkerError> {
        let (reminders_queued, voucher_reminders_queued) = self.queue_reminders().await?;
        let mut round = Round {
            reminders_queued,
            voucher_reminders_queued,
            ..Round::default()
        };
        let now = self.clock.now();
        let lease_until = now
            + chrono::Duration::from_std(self.settings.lease)
                .unwrap_or_else(|_| chrono::Duration::minutes(10));
        let jobs = self
            .store
            .claim_mail(&self.settings.name, now, lease_until, self.settings.batch)
            .await?;
        round.claimed = jobs.len();
        let mut unreachable: Option<String> = None;
        for job in &jobs {
            if let Some(reason) = &unreachable {
                // Not tried: put back to wait with the one that was.
                let retry = retry_after(job.attempts, self.clock.now());
                self.store
                    .mail_failed(job.id, &self.settings.name, reason, retry)
                    .await?;
                round.retrying += 1;
                continue;
            }
            match self.deliver(job).await? {
                Outcome::Sent => round.sent += 1,
                Outcome::Retry => round.retrying += 1,
                Outcome::Failed => round.failed += 1,
                Outcome::Skipped => round.skipped += 1,
                Outcome::Lost => round.lost += 1,
                Outcome::Unreachable => {
                    round.retrying += 1;
                    unreachable = Some("not tried: the mail server was unreachable".to_owned());
                }
            }
        }
        if round.claimed > 0 || round.reminders_queued > 0 || round.voucher_reminders_queued > 0 {
            tracing::info!(
                claimed = round.claimed,
                sent = round.sent,
                retrying = round.retrying,
                failed = round.failed,
                skipped = round.skipped,
                lost = round.lost,
                reminders = round.reminders_queued,
                voucher_reminders = round.voucher_reminders_queued,
                "mail round"
            );
        }
        Ok(round)
    }

    /// Queues tomorrow's reminders once a day, from the reminder hour on,
    /// and with them the reminders of the vouchers due under the plan (in
    /// the language of the series' last mail, else Japanese). The store
    /// makes both idempotent; this only saves the queries.
    async fn queue_reminders(&self) -> Result<(u64, u32), StoreError> {
        let now = self.clock.now();
        let Some(day) = reminder_day(now, self.settings.reminder_at) else {
            return Ok((0, 0));
        };
        let mut done = self.reminders_for.lock().await;
        if *done == Some(day) {
            return Ok((0, 0));
        }
        let queued = self.store.queue_reminders(day, now).await?;
        let vouchers = self
            .store
            .queue_voucher_reminders(self.settings.voucher_reminders, Language::Ja, now)
            .await?;
        *done = Some(day);
        Ok((queued, vouchers))
    }

    async fn deliver(&self, job: &MailJob) -> Result<Outcome, StoreError> {
        let worker = self.settings.name.as_str();
        let gathered = match gather(&self.store, job, &self.settings.site_url).await {
            Ok(g) => g,
            Err(GatherError::Store(e)) => return Err(e),
            Err(e) => {
                let done = self
                    .store
                    .mail_failed(job.id, worker, &e.to_string(), None)
                    .await?;
                return Ok(if done { Outcome::Failed } else { Outcome::Lost });
            }
        };
        let now = self.clock.now();
        if job.kind == MailKind::Reminder && !gathered.reminder_still_due(job, now) {
            let done = self
                .store
                .mail_skipped(
                    job.id,
                    worker,
                    "the reservation was cancelled or moved before the reminder",
                )
                .await?;
            return Ok(if done {
                Outcome::Skipped
            } else {
                Outcome::Lost
            });
        }
        let voucher_moot = match (gathered.given_at, gathered.voucher_collected) {
            (None, _) => Some("the dose is not recorded as given"),
            (Some(_), true) => Some("the voucher was collected before the reminder"),
            (Some(_), false) => None,
        };
        if let Some(reason) = voucher_moot.filter(|_| job.kind == MailKind::VoucherReminder) {
            let done = self.store.mail_skipped(job.id, worker, reason).await?;
            return Ok(if done {
                Outcome::Skipped
            } else {
                Outcome::Lost
            });
        }
        let Some(to) = self.address(job).await? else {
            let done = self
                .store
                .mail_skipped(job.id, worker, "no mail address on file")
                .await?;
            return Ok(if done {
                Outcome::Skipped
            } else {
                Outcome::Lost
            });
        };
        let message_id = message_id(job.id, &self.settings.message_id_domain);
        let institution = &gathered.institution;
        let envelope = Envelope {
            from: institution
                .mail
                .from
                .clone()
                .unwrap_or_else(|| self.settings.from.clone()),
            from_name: institution.name(gathered.language).to_owned(),
            reply_to: MailAddress::parse(&institution.contact.mail).ok(),
            to,
            message_id: message_id.clone(),
        };
        let message = render(&gathered.letter()).and_then(|r| build(&r, &envelope, now));
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(job = %job.id, error = %e, "a mail could not be composed");
                let done = self
                    .store
                    .mail_failed(job.id, worker, &e.to_string(), None)
                    .await?;
                return Ok(if done { Outcome::Failed } else { Outcome::Lost });
            }
        };
        match self.transport.send(&message).await {
            Ok(accepted) => {
                let sent = MailSent {
                    message_id,
                    reply: accepted.reply,
                    at: self.clock.now(),
                };
                let audit = AuditEntry {
                    at: sent.at,
                    actor: "system:mail".to_owned(),
                    role: "system".to_owned(),
                    action: sesshu_domain::AuditAction::MailSent,
                    objects: vec![
                        AuditObject::Mail(job.id),
                        AuditObject::Series(job.series),
                        AuditObject::Person(job.person),
                    ],
                    detail: format!(
                        "{} ({}), try {}",
                        job.kind,
                        job.language.tag(),
                        job.attempts
                    ),
                    origin: "local".to_owned(),
                };
                if self.store.mail_sent(job.id, worker, &sent, &audit).await? {
                    Ok(Outcome::Sent)
                } else {
                    // Another worker took it over after our lease ran out;
                    // it sends the same Message-ID.
                    tracing::warn!(job = %job.id, "mail sent after its lease ran out");
                    Ok(Outcome::Lost)
                }
            }
            Err(e) => self.failed(job, &e).await,
        }
    }

    async fn failed(&self, job: &MailJob, e: &SendError) -> Result<Outcome, StoreError> {
        let now = self.clock.now();
        let retry = if e.is_permanent() {
            None
        } else {
            retry_after(job.attempts, now)
        };
        tracing::warn!(job = %job.id, attempts = job.attempts, permanent = e.is_permanent(),
            error = %e, "mail not sent");
        let done = self
            .store
            .mail_failed(job.id, &self.settings.name, &e.to_string(), retry)
            .await?;
        Ok(match (done, retry) {
            (false, _) => Outcome::Lost,
            (true, None) => Outcome::Failed,
            (true, Some(_)) if e.is_unreachable() => Outcome::Unreachable,
            (true, Some(_)) => Outcome::Retry,
        })
    }

    /// The person's mail address, opened with the back office's key.
    async fn address(&self, job: &MailJob) -> Result<Option<MailAddress>, StoreError> {
        let Some(person) = self.store.person(job.person).await? else {
            return Ok(None);
        };
        let Some(login) = self.store.person_subject(person.id).await? else {
            return Ok(None);
        };
        let owner = Owner::login(person.institution.get(), login.as_str());
        let sealed = self.store.personal_data(&owner).await?;
        let Some((_, value)) = sealed.iter().find(|(f, _)| *f == Field::Mail) else {
            return Ok(None);
        };
        match self.keys.open(&owner, Field::Mail, value) {
            Ok(plain) => Ok(MailAddress::parse(&plain).ok()),
            Err(e) => {
                // Which key, never whose.
                tracing::error!(job = %job.id, key = %value.key_id, error = %e,
                    "a mail address does not open");
                Ok(None)
            }
        }
    }
}
