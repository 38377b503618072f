//! What goes into and comes out of the store besides domain objects.

use chrono::{DateTime, Utc};
use sesshu_domain::{
    AttributeMapping, AuditEntry, ChangeDeadline, ConsentText, Contact, Department, DepartmentCode,
    DoseInterval, DoseNumber, InstitutionCode, InstitutionId, LaneId, Language, LoginMethod,
    MailJobId, MailKind, MailState, PersonId, Rejection, Role, Series, SeriesId, SlotEligibility,
    SlotId, StaffDirectory, Subject, UserType, VaccineId, VenueId,
};
use sesshu_vault::{Field, Sealed};
use std::collections::BTreeSet;
use std::fmt;

/// An institution's master record, as imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInstitution {
    pub code: InstitutionCode,
    pub name_ja: String,
    pub name_en: String,
    pub contact: Contact,
    pub mail: sesshu_domain::MailSettings,
    pub eligible_user_types: BTreeSet<UserType>,
    pub deadline: ChangeDeadline,
    pub login: LoginMethod,
    pub attributes: AttributeMapping,
    pub consent: Option<ConsentText>,
    pub departments: Vec<Department>,
}

impl NewInstitution {
    /// A minimal master: built-in directory, no consent, no departments.
    pub fn builtin(code: InstitutionCode, name_ja: &str, name_en: &str) -> Self {
        Self {
            code,
            name_ja: name_ja.to_owned(),
            name_en: name_en.to_owned(),
            contact: Contact::default(),
            mail: sesshu_domain::MailSettings::default(),
            eligible_user_types: UserType::ALL.into_iter().collect(),
            deadline: ChangeDeadline::default(),
            login: LoginMethod::Builtin,
            attributes: AttributeMapping::default(),
            consent: None,
            departments: Vec::new(),
        }
    }
}

/// What [`crate::Store::upsert_institutions`] did with one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upserted {
    pub id: InstitutionId,
    pub code: InstitutionCode,
    pub created: bool,
}

#[derive(Clone, Debug)]
pub struct NewVenue {
    pub name_ja: String,
    pub name_en: String,
}

#[derive(Clone, Debug)]
pub struct NewLane {
    pub venue: VenueId,
    pub name_ja: String,
    pub name_en: String,
}

#[derive(Clone, Debug)]
pub struct NewVaccine {
    pub name_ja: String,
    pub name_en: String,
    pub second_dose_after: Option<DoseInterval>,
    pub codes: sesshu_domain::VaccineCodes,
}

#[derive(Clone, Debug)]
pub struct NewSlot {
    pub venue: VenueId,
    pub lane: LaneId,
    pub vaccine: VaccineId,
    pub dose: DoseNumber,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: u32,
    pub opens_at: DateTime<Utc>,
    pub eligibility: SlotEligibility,
}

/// What the office changes on a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotChange {
    pub capacity: u32,
    pub closed: bool,
    pub eligibility: SlotEligibility,
    /// Replaces the slot's quotas (none: no institution is capped).
    pub quotas: std::collections::BTreeMap<sesshu_domain::InstitutionId, u32>,
}

/// How a slot change ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotChanged {
    Done,
    /// Not below the places already booked (that many).
    BelowBooked(u32),
    /// A slot with bookings is not closed: its people are moved first.
    HasBookings(u32),
    /// A quota not below the places the institution's people hold (that
    /// many).
    QuotaBelowHeld(sesshu_domain::InstitutionId, u32),
}

/// What the office searches reservations by; every given filter holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeriesSearch {
    pub institution: Option<InstitutionId>,
    /// A dose starting in `[from, to)` (a day, in Tokyo, by the caller).
    pub between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// A dose in this slot.
    pub slot: Option<SlotId>,
    pub state: Option<sesshu_domain::SeriesState>,
    /// At most this many series, the newest first.
    pub limit: u32,
}

/// The outcome of [`crate::Store::delete_slot`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotDeleted {
    Deleted,
    /// People hold places in it (that many): they are moved first.
    HasBookings(u32),
    /// Cancelled or moved-away reservations still name it (that many
    /// doses): their history keeps it; it can be closed instead.
    HasHistory(u32),
}

/// Which slots to list.
#[derive(Clone, Debug)]
pub struct SlotQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub dose: Option<DoseNumber>,
    pub venue: Option<VenueId>,
    pub vaccine: Option<VaccineId>,
    pub include_closed: bool,
}

impl SlotQuery {
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            from,
            to,
            dose: None,
            venue: None,
            vaccine: None,
            include_closed: false,
        }
    }
}

/// A member of the built-in directory: a login with an Argon2id hash. Their
/// personal data (from the member upload) is sealed under their owner
/// ([`Owner::login`]); here only which fields exist.
#[derive(Clone, PartialEq, Eq)]
pub struct Member {
    pub institution: InstitutionId,
    pub login: Subject,
    pub password_hash: String,
    pub user_type: UserType,
    pub department: Option<DepartmentCode>,
    pub personal_fields: BTreeSet<Field>,
    pub disabled: bool,
}

/// A member to add or update, with their personal data sealed.
#[derive(Clone)]
pub struct NewMember {
    pub institution: InstitutionId,
    pub login: Subject,
    pub password_hash: String,
    pub user_type: UserType,
    pub department: Option<DepartmentCode>,
    /// Replaces every personal field of the member.
    pub personal: Vec<(Field, Sealed)>,
    pub disabled: bool,
}

impl fmt::Debug for NewMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewMember")
            .field("institution", &self.institution)
            .field("user_type", &self.user_type)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("institution", &self.institution)
            .field("user_type", &self.user_type)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// A successful login, as the person table records it.
#[derive(Clone, Debug)]
pub struct PersonLogin {
    pub institution: InstitutionId,
    pub subject: Subject,
    pub user_type: Option<UserType>,
    pub department: Option<DepartmentCode>,
    pub at: DateTime<Utc>,
    /// The personal data the login gave, sealed, replacing what is stored;
    /// `None` to leave it (the built-in directory's data is already there,
    /// under the same owner).
    pub personal: Option<Vec<(Field, Sealed)>>,
    /// The consent version the person has just agreed to, to record.
    pub consented: Option<String>,
    /// The subject is an ePPN, which an institution may give to someone
    /// else after 24 months of disuse: a subject unseen that long starts a
    /// new person.
    pub reassignable: bool,
}

/// How long an ePPN must have been unused before an institution may
/// reassign it (GakuNin's rule), after which it is a new person.
pub const EPPN_REUSE_AFTER_DAYS: i64 = 730;

/// A client's `Idempotency-Key` with a fingerprint of the request it came
/// with: the same key with another request is refused, not replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    pub key: String,
    pub fingerprint: String,
}

/// A new series, as decided by the booking rules.
#[derive(Clone, Debug)]
pub struct NewSeries {
    pub person: PersonId,
    pub vaccine: VaccineId,
    /// First-dose slots to try, best first: one slot, or the lanes of one
    /// venue at one time. They share a start time, so the second-dose
    /// candidates fit all of them. Empty for a series of the second dose
    /// alone (the first was received elsewhere, see
    /// [`NewSeries::second_dose_only`]).
    pub first: Vec<SlotId>,
    /// Second-dose slots, best first; `None` for a single-dose vaccine. An
    /// empty list is refused with `NoSecondDoseSlot`. With no first-dose
    /// slots, these are the person's choice (the lanes of one time), and
    /// a full one is refused as their choice is (`SlotFull`, `SlotClosed`).
    pub second: Option<Vec<SlotId>>,
    pub idempotency: Option<Idempotency>,
    /// The language of the person's mails about it.
    pub language: Language,
    /// When the office books for the person: its audit entry, written in
    /// the booking's transaction.
    pub audit: Option<AuditEntry>,
    pub now: DateTime<Utc>,
}

impl NewSeries {
    /// Whether this series is the second dose alone, the first having been
    /// received elsewhere: no first-dose slot, second-dose slots to try.
    pub fn second_dose_only(&self) -> bool {
        self.first.is_empty() && self.second.is_some()
    }
}

/// The outcome of [`crate::Store::book`].
#[derive(Clone, Debug)]
pub enum Booked {
    Created(Series),
    /// The idempotency key was seen before: this is the series it made.
    Replayed(Series),
}

impl Booked {
    pub fn series(&self) -> &Series {
        match self {
            Booked::Created(s) | Booked::Replayed(s) => s,
        }
    }
}

/// One change of a batch that [`crate::Store::apply_batch`] makes in one
/// transaction (the office's bulk fixes). Each carries its audit entry.
#[derive(Clone, Debug)]
pub enum BatchOp {
    Book(NewSeries),
    Move(Reschedule),
    Cancel {
        series: SeriesId,
        language: Language,
        audit: AuditEntry,
    },
}

/// Moves doses of a series to new slots.
#[derive(Clone, Debug)]
pub struct Reschedule {
    pub series: SeriesId,
    pub moves: Vec<DoseMove>,
    /// The language of the person's mail about it.
    pub language: Language,
    /// When the office moves it: its audit entry, in the same transaction.
    pub audit: Option<AuditEntry>,
    pub now: DateTime<Utc>,
}

/// One dose to move: the slots to try, best first, and the refusal to give
/// if none of them has a place.
#[derive(Clone, Debug)]
pub struct DoseMove {
    pub dose: DoseNumber,
    pub candidates: Vec<SlotId>,
    pub when_full: Rejection,
}

/// An administrator account to create. Built-in accounts carry their
/// password's Argon2id hash; accounts of an institution's directory none.
#[derive(Clone)]
pub struct NewAdmin {
    pub directory: StaffDirectory,
    pub login: Subject,
    pub role: Role,
    pub password_hash: Option<String>,
    pub at: DateTime<Utc>,
}

impl fmt::Debug for NewAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAdmin")
            .field("directory", &self.directory)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A change to an administrator account.
#[derive(Clone)]
pub struct AdminChange {
    pub role: Role,
    pub disabled: bool,
    /// A new password hash (built-in accounts only); `None` keeps it.
    pub password_hash: Option<String>,
    pub at: DateTime<Utc>,
}

impl fmt::Debug for AdminChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminChange")
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .field("password_changed", &self.password_hash.is_some())
            .finish_non_exhaustive()
    }
}

/// The office home's numbers, for every institution or one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfficeCounts {
    pub institutions: u64,
    /// Members of the built-in directories.
    pub members: u64,
    /// People who have logged in at least once.
    pub persons: u64,
    pub active_series: u64,
    pub cancelled_series: u64,
    /// Doses checked in at a venue.
    pub checked_in: u64,
    /// Slots from now on, and their free places.
    pub upcoming_slots: u64,
    pub upcoming_free_places: u64,
}

/// What [`crate::Store::check_in`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckedIn {
    Now(DateTime<Utc>),
    /// The dose had been checked in before, at that time.
    Before(DateTime<Utc>),
}

/// A mail to queue. Only ids, times and codes: the worker reads the
/// address and the texts when it sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMailJob {
    pub kind: MailKind,
    pub series: SeriesId,
    pub person: PersonId,
    /// The dose a reminder is for.
    pub dose: Option<DoseNumber>,
    pub language: Language,
    /// What the mail tells, as it was when it happened (JSON of
    /// [`MailSnapshot`]); `None` to use the series as it is when sent.
    pub snapshot: Option<String>,
    /// Makes queueing idempotent (reminders); `None` for event mails, which
    /// their event's transaction queues exactly once.
    pub dedupe_key: Option<String>,
    pub now: DateTime<Utc>,
}

impl NewMailJob {
    /// The mail of an event on `series` (booked, changed, cancelled,
    /// postponed, not vaccinated, no-show), queued in the event's
    /// transaction with the series as it was before the event ended it.
    pub fn event(kind: MailKind, series: &Series, language: Language, now: DateTime<Utc>) -> Self {
        Self {
            kind,
            series: series.id,
            person: series.person,
            dose: None,
            language,
            snapshot: serde_json::to_string(&MailSnapshot::of(series)).ok(),
            dedupe_key: None,
            now,
        }
    }

    /// The `nth` reminder (1, 2, …) that the voucher (接種券) of a dose
    /// given was not collected. Its dedupe key (`voucher:<series>:<dose>:<nth>`,
    /// unique in `mail_jobs`) refuses a second queueing of the same one.
    pub fn voucher_reminder(
        series: &Series,
        dose: DoseNumber,
        nth: u32,
        language: Language,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            kind: MailKind::VoucherReminder,
            series: series.id,
            person: series.person,
            dose: Some(dose),
            language,
            snapshot: serde_json::to_string(&MailSnapshot::of(series)).ok(),
            dedupe_key: Some(sesshu_domain::mail::voucher_reminder_key(
                series.id, dose, nth,
            )),
            now,
        }
    }
}

/// A series as an event mail tells it: the number and the doses.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MailSnapshot {
    pub number: String,
    pub doses: Vec<SnapshotDose>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SnapshotDose {
    pub dose: u8,
    pub venue: VenueId,
    pub lane: LaneId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl MailSnapshot {
    pub fn of(series: &Series) -> Self {
        Self {
            number: series.number.to_string(),
            doses: series
                .doses
                .iter()
                .map(|d| SnapshotDose {
                    dose: d.number.get(),
                    venue: d.venue,
                    lane: d.lane,
                    starts_at: d.starts_at,
                    ends_at: d.ends_at,
                })
                .collect(),
        }
    }
}

/// A queued mail, as the worker and the office see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailJob {
    pub id: MailJobId,
    pub kind: MailKind,
    pub series: SeriesId,
    pub person: PersonId,
    pub dose: Option<DoseNumber>,
    pub language: Language,
    pub snapshot: Option<String>,
    pub state: MailState,
    /// Tries so far (claims: a try that crashed counts).
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub message_id: Option<String>,
}

/// The mails still to send: how many, and since when the oldest waits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailBacklog {
    pub pending: u64,
    /// When the oldest pending mail was queued.
    pub oldest: Option<DateTime<Utc>>,
}

/// Which mails the office lists.
#[derive(Clone, Debug, Default)]
pub struct MailQuery {
    pub state: Option<MailState>,
    pub series: Option<SeriesId>,
    /// Newest first, at most this many.
    pub limit: u32,
}

/// What the mail server said when it took a mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailSent {
    pub message_id: String,
    /// The SMTP server's reply (e.g. `250 2.0.0 Ok: queued as …`).
    pub reply: String,
    pub at: DateTime<Utc>,
}

/// A stored session. The id is kept only as a hash, so a copy of the
/// database does not hand out live sessions.
#[derive(Clone)]
pub struct SessionRecord {
    pub id_hash: String,
    pub data: String,
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One row of a series joined with one of its doses and that dose's slot:
/// how both backends read series, grouped by [`group_series`].
#[derive(Clone, Debug)]
pub struct SeriesDoseRow {
    pub series: i64,
    pub number: String,
    pub person: i64,
    pub vaccine: i64,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub dose: i64,
    pub slot: i64,
    pub venue: i64,
    pub lane: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Groups rows ordered by series (then dose) into series, keeping the order.
pub fn group_series(
    rows: impl IntoIterator<Item = SeriesDoseRow>,
) -> Result<Vec<Series>, crate::StoreError> {
    use sesshu_domain::{Dose, ReservationNumber};
    let mut out: Vec<Series> = Vec::new();
    for row in rows {
        let dose = Dose {
            number: crate::columns::dose(row.dose)?,
            slot: SlotId::new(row.slot),
            venue: VenueId::new(row.venue),
            lane: LaneId::new(row.lane),
            starts_at: row.starts_at,
            ends_at: row.ends_at,
        };
        match out.last_mut() {
            Some(series) if series.id == SeriesId::new(row.series) => series.doses.push(dose),
            _ => out.push(Series {
                id: SeriesId::new(row.series),
                number: ReservationNumber::parse(&row.number)?,
                person: PersonId::new(row.person),
                vaccine: VaccineId::new(row.vaccine),
                state: crate::columns::state(&row.state)?,
                doses: vec![dose],
                created_at: row.created_at,
            }),
        }
    }
    for series in &mut out {
        series.doses.sort_by_key(|d| d.number);
    }
    Ok(out)
}
