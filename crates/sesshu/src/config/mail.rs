//! `[mail]`: where mail goes and how the back office's worker runs.

use serde::Deserialize;
use std::path::Path;

/// Where mail goes and how the worker runs. Exactly one of `[mail.smtp]`
/// and `outbox` says where.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The sender when an institution names none (`[institution.mail] from`).
    pub from: sesshu_domain::MailAddress,
    /// The right-hand side of Message-IDs; default: the host of `public_origin`.
    #[serde(default)]
    pub message_id_domain: Option<String>,
    /// Tomorrow's reminders go out from this Asia/Tokyo time, `HH:MM`.
    #[serde(default = "defaults::reminder_at")]
    pub reminder_at: String,
    /// A vaccinated dose whose voucher (接種券) is still missing this many
    /// days after the vaccination gets its first reminder (1–365), queued
    /// with tomorrow's reminders…
    #[serde(default = "defaults::voucher_reminder_first_days")]
    pub voucher_reminder_first_days: u32,
    /// …then one every this many days (1–365)…
    #[serde(default = "defaults::voucher_reminder_every_days")]
    pub voucher_reminder_every_days: u32,
    /// …at most this many in all (0–10; 0: no voucher reminders).
    #[serde(default = "defaults::voucher_reminder_max")]
    pub voucher_reminder_max: u32,
    /// How long a claimed job is this worker's (seconds): longer than a
    /// batch can take to send.
    #[serde(default = "defaults::lease_seconds")]
    pub lease_seconds: u64,
    /// How often an idle worker looks for mail (seconds); PostgreSQL wakes
    /// it as soon as a mail is queued.
    #[serde(default = "defaults::poll_seconds")]
    pub poll_seconds: u64,
    /// An SMTP server.
    #[serde(default)]
    pub smtp: Option<sesshu_mail::SmtpConfig>,
    /// Or a folder: one `.eml` file per mail (the demo's default).
    #[serde(default)]
    pub outbox: Option<std::path::PathBuf>,
}

impl MailConfig {
    /// Mail to files in `dir` from `from`, everything else by default (the demo).
    pub fn outbox(dir: &Path, from: &str) -> anyhow::Result<Self> {
        Ok(Self {
            from: sesshu_domain::MailAddress::parse(from)?,
            message_id_domain: None,
            reminder_at: defaults::reminder_at(),
            voucher_reminder_first_days: defaults::voucher_reminder_first_days(),
            voucher_reminder_every_days: defaults::voucher_reminder_every_days(),
            voucher_reminder_max: defaults::voucher_reminder_max(),
            lease_seconds: defaults::lease_seconds(),
            poll_seconds: defaults::poll_seconds(),
            smtp: None,
            outbox: Some(dir.to_path_buf()),
        })
    }

    pub fn transport(&self) -> anyhow::Result<sesshu_mail::MailTransport> {
        match (&self.smtp, &self.outbox) {
            (Some(smtp), None) => Ok(sesshu_mail::MailTransport::smtp(smtp)?),
            (None, Some(dir)) => Ok(sesshu_mail::MailTransport::folder(dir)?),
            _ => anyhow::bail!("[mail] needs either [mail.smtp] or outbox = \"DIR\", not both"),
        }
    }

    /// When vouchers still missing are reminded of, checked.
    pub fn voucher_reminders(&self) -> anyhow::Result<sesshu_store::ReminderPlan> {
        let days = |name: &str, value: u32| {
            if (1..=365).contains(&value) {
                Ok(value)
            } else {
                Err(anyhow::anyhow!("[mail] {name} = {value}: 1 to 365 days"))
            }
        };
        let first_after_days = days(
            "voucher_reminder_first_days",
            self.voucher_reminder_first_days,
        )?;
        let every_days = days(
            "voucher_reminder_every_days",
            self.voucher_reminder_every_days,
        )?;
        if self.voucher_reminder_max > 10 {
            anyhow::bail!(
                "[mail] voucher_reminder_max = {}: 0 (none) to 10",
                self.voucher_reminder_max
            );
        }
        Ok(sesshu_store::ReminderPlan {
            first_after_days,
            every_days,
            max: self.voucher_reminder_max,
        })
    }

    /// The worker's settings; `site_url` is the public site's origin.
    pub fn worker(&self, site_url: &str) -> anyhow::Result<sesshu_mail::WorkerSettings> {
        use anyhow::Context;
        let domain = match &self.message_id_domain {
            Some(domain) => domain.clone(),
            None => site_url
                .split("://")
                .nth(1)
                .and_then(|rest| rest.split(['/', ':']).next())
                .filter(|host| !host.is_empty())
                .unwrap_or("sesshu.invalid")
                .to_owned(),
        };
        let mut settings = sesshu_mail::WorkerSettings::new(self.from.clone(), &domain, site_url);
        settings.reminder_at = chrono::NaiveTime::parse_from_str(&self.reminder_at, "%H:%M")
            .with_context(|| format!("[mail] reminder_at = {:?}: HH:MM", self.reminder_at))?;
        settings.voucher_reminders = self.voucher_reminders()?;
        settings.lease = std::time::Duration::from_secs(self.lease_seconds.max(1));
        settings.idle = std::time::Duration::from_secs(self.poll_seconds.max(1));
        Ok(settings)
    }
}

mod defaults {
    pub fn reminder_at() -> String {
        "10:00".into()
    }

    pub fn voucher_reminder_first_days() -> u32 {
        3
    }

    pub fn voucher_reminder_every_days() -> u32 {
        7
    }

    pub fn voucher_reminder_max() -> u32 {
        2
    }

    pub fn lease_seconds() -> u64 {
        600
    }

    pub fn poll_seconds() -> u64 {
        5
    }
}
