//! What a mail job says, gathered from the store: the institution, the
//! appointments (from the job's snapshot, or the series as it is now) with
//! venue and lane names, and the change deadline. The worker sends it; the
//! office previews it. No personal data: the address is the worker's to open.

use crate::{Appointment, Letter};
use chrono::{DateTime, Utc};
use sesshu_domain::{Catalog, DoseNumber, Institution, Language, MailKind, Series, SeriesState};
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
    /// The dose a reminder is for.
    pub dose: Option<DoseNumber>,
    pub deadline: Option<DateTime<Utc>>,
    pub site_url: String,
}

impl Gathered {
    pub fn letter(&self) -> Letter<'_> {
        Letter {
            kind: self.kind,
            language: self.language,
            institution: &self.institution,
            number: self.number.clone(),
            appointments: self.appointments.clone(),
            reminder_dose: self.dose.map(DoseNumber::get),
            deadline: self.deadline,
            site_url: self.site_url.clone(),
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
    let doses = snapshot
        .doses
        .iter()
        .filter(|d| kind != MailKind::Reminder || dose.map(DoseNumber::get) == Some(d.dose));
    let appointments = doses.map(|d| appointment(&catalog, d, language)).collect();
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
        site_url: format!("{}/me", site_url.trim_end_matches('/')),
    })
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
