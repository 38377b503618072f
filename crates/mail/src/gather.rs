//! What a mail job says, gathered from the store: the institution, the
//! appointments (from the job's snapshot, or the series as it is now) with
//! venue and lane names, the change deadline, and what is read at send
//! time: the check-in token (so a mail sent after a change shows the
//! current code, and one about a cancelled series none) and the doses
//! given. The worker sends it; the office previews it. No personal data:
//! the address is the worker's to open.

use crate::{Appointment, Letter};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    Catalog, CheckInToken, DoseNumber, DoseRecord, Institution, Language, MailKind, Series,
    SeriesState,
};
use sesshu_store::{DynStore, MailJob, MailSnapshot, SnapshotDose, StoreError};

/// Why a job's mail cannot be put together.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error("the reservation no longer exists")]
    NoSeries,
    #[error("the person or the institution no longer exists")]
    NoInstitution,
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Everything one mail says, owned; [`Gathered::letter`] lends it out.
#[derive(Debug)]
pub struct Gathered {
    pub kind: MailKind,
    pub language: Language,
    pub institution: Institution,
    pub series: Series,
    pub number: String,
    pub appointments: Vec<Appointment>,
    /// The dose a reminder (of the appointment or of the voucher) is for.
    pub dose: Option<DoseNumber>,
    pub deadline: Option<DateTime<Utc>>,
    /// The page "my reservation".
    pub site_url: String,
    /// The booking site's start.
    pub booking_url: String,
    /// The series' check-in token now, for the mails of appointments still
    /// to come (`None` once it is cancelled).
    pub check_in: Option<CheckInToken>,
    /// When the dose of a voucher's reminder was given (`None`: not
    /// recorded as given, or no longer).
    pub given_at: Option<DateTime<Utc>>,
    /// For a voucher's reminder: whether the person gave the voucher's
    /// number online (only the paper is missing), and whether the desk has
    /// collected it since the reminder was queued.
    pub voucher_given: bool,
    pub voucher_collected: bool,
}

impl Gathered {
    pub fn letter(&self) -> Letter<'_> {
        Letter {
            kind: self.kind,
            language: self.language,
            institution: &self.institution,
            number: self.number.clone(),
            appointments: self.appointments.clone(),
            dose: self.dose.map(DoseNumber::get),
            deadline: self.deadline,
            site_url: self.site_url.clone(),
            booking_url: self.booking_url.clone(),
            check_in: self.check_in.clone(),
            given_at: self.given_at,
            voucher_given: self.voucher_given,
            series_cancelled: self.series.state == SeriesState::Cancelled,
        }
    }

    /// Whether a reminder is still worth sending at `now`: its series is
    /// active and the dose is still due on the day after the job was queued.
    pub fn reminder_still_due(&self, job: &MailJob, now: DateTime<Utc>) -> bool {
        let Some(dose) = self.dose.and_then(|d| self.series.dose(d)) else {
            return false;
        };
        self.series.state == SeriesState::Booked
            && dose.starts_at > now
            && Some(dose.day()) == sesshu_domain::tokyo_day(job.created_at).succ_opt()
    }
}

/// Gathers the mail of `job`.
pub async fn gather(
    store: &DynStore,
    job: &MailJob,
    site_url: &str,
) -> Result<Gathered, GatherError> {
    let series = store
        .series(job.series)
        .await?
        .ok_or(GatherError::NoSeries)?;
    let snapshot = job
        .snapshot
        .as_deref()
        .and_then(|s| serde_json::from_str::<MailSnapshot>(s).ok());
    gather_for(
        store,
        job.kind,
        job.language,
        series,
        snapshot,
        job.dose,
        site_url,
    )
    .await
}

/// Gathers a mail of `kind` about `series` as it is now (the office's
/// preview of a mail not sent yet).
pub async fn gather_for(
    store: &DynStore,
    kind: MailKind,
    language: Language,
    series: Series,
    snapshot: Option<MailSnapshot>,
    dose: Option<DoseNumber>,
    site_url: &str,
) -> Result<Gathered, GatherError> {
    let person = store
        .person(series.person)
        .await?
        .ok_or(GatherError::NoInstitution)?;
    let institution = store
        .institution(person.institution)
        .await?
        .ok_or(GatherError::NoInstitution)?;
    let catalog = store.catalog().await?;
    let snapshot = snapshot.unwrap_or_else(|| MailSnapshot::of(&series));
    // The token as it is now: a change replaced it, a cancellation ended it.
    let check_in = if kind.has_appointments() && series.state == SeriesState::Booked {
        store.check_in_token(series.id).await?
    } else {
        None
    };
    let records = match kind {
        MailKind::Postponed
        | MailKind::NotVaccinated
        | MailKind::NoShow
        | MailKind::VoucherReminder => store.dose_records(series.id).await?,
        _ => Vec::new(),
    };
    let given = |n: u8| given_at(&records, n);
    let doses = snapshot.doses.iter().filter(|d| match kind {
        // The dose of the mail.
        MailKind::Reminder | MailKind::VoucherReminder => dose.map(DoseNumber::get) == Some(d.dose),
        // What was cancelled or not given: not a dose given before.
        MailKind::Postponed | MailKind::NotVaccinated | MailKind::NoShow => given(d.dose).is_none(),
        MailKind::Booked | MailKind::Changed | MailKind::Cancelled => true,
    });
    let appointments = doses.map(|d| appointment(&catalog, d, language)).collect();
    let given_at = match kind {
        MailKind::VoucherReminder => dose.and_then(|d| given(d.get())),
        _ => None,
    };
    let voucher = match (kind, dose) {
        (MailKind::VoucherReminder, Some(dose)) => store
            .vouchers(series.id)
            .await?
            .into_iter()
            .find(|v| v.dose == dose),
        _ => None,
    };
    let root = site_url.trim_end_matches('/');
    let deadline = snapshot
        .doses
        .iter()
        .map(|d| d.starts_at)
        .min()
        .map(|first| institution.deadline.for_appointment(first));
    Ok(Gathered {
        kind,
        language,
        number: snapshot.number.clone(),
        institution,
        series,
        appointments,
        dose,
        deadline,
        site_url: format!("{root}/me"),
        booking_url: format!("{root}/"),
        check_in,
        given_at,
        voucher_given: voucher.is_some(),
        voucher_collected: voucher.is_some_and(|v| v.collected_at.is_some()),
    })
}

/// When dose `n` was given, from the series' records.
fn given_at(records: &[DoseRecord], n: u8) -> Option<DateTime<Utc>> {
    records
        .iter()
        .find(|r| r.dose.get() == n)
        .and_then(|r| r.vaccinated.as_ref())
        .map(|v| v.at)
}

fn appointment(catalog: &Catalog, dose: &SnapshotDose, language: Language) -> Appointment {
    Appointment {
        dose: dose.dose,
        starts_at: dose.starts_at,
        ends_at: dose.ends_at,
        venue: catalog
            .venue(dose.venue)
            .map(|v| v.name(language).to_owned())
            .unwrap_or_default(),
        lane: catalog
            .lane(dose.lane)
            .map(|l| l.name(language).to_owned())
            .unwrap_or_default(),
    }
}
