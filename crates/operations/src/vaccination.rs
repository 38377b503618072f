//! The vaccination day after the check-in, at the venue: the lot register,
//! and each dose's questionnaire (予診票), the doctor's decision and the
//! vaccination, with corrections.
//!
//! The questionnaire's answers that decide and the reason of a decision
//! are personal (health) data: sealed to the office's key for the person's
//! dose ([`sesshu_vault::Owner::dose`]), never in the audit trail, which
//! keeps only what was recorded (`questionnaire`, `postpone`, `lot:4`).
//!
//! A decision has consequences in the same transaction: a postponed first
//! dose cancels the reservation (the second dose's place is released) and
//! the person is mailed to book again (the office may book for them); a
//! dose not given ends the series (the places of the doses not given are
//! released); a postponed second dose stays booked, the person is mailed,
//! and the office moves it.

use crate::reservations::{Reason, Reservation};
use crate::{Actor, OperationError, Operations};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{
    AdminId, AuditAction, AuditObject, Decision, DoseNumber, DoseRecord, DoseRefusal, Duty, Lot,
    LotId, LotRefusal, MailKind, Questionnaire, Scope, Series, Site, Vaccinated, VaccineId,
    VenueId, tokyo_day,
};
use sesshu_store::flows::Ending;
use sesshu_store::{DoseChange, DoseStep, Field, NewLot, Owner, StoreError};
use sesshu_vault_open::Keyring;

/// A venue's lots, newest expiry first, if `actor` works there.
pub async fn lots(
    ops: &Operations,
    actor: &Actor,
    venue: VenueId,
) -> Result<Vec<Lot>, OperationError> {
    actor.may(Duty::CheckIn, Scope::Venue(venue))?;
    Ok(ops.store().lots(venue).await?)
}

/// The lots of `venue` that give a dose of `vaccine` on `day`.
pub async fn usable_lots(
    ops: &Operations,
    actor: &Actor,
    venue: VenueId,
    vaccine: VaccineId,
    day: NaiveDate,
) -> Result<Vec<Lot>, OperationError> {
    let mut lots = lots(ops, actor, venue).await?;
    lots.retain(|lot| lot.gives(venue, vaccine, day).is_ok());
    Ok(lots)
}

/// Registers a lot at `venue` (audited); a lot already expired today or a
/// number the venue has registered is refused.
pub async fn register_lot(
    ops: &Operations,
    actor: &Actor,
    lot: NewLot,
) -> Result<LotId, OperationError> {
    actor.may(Duty::CheckIn, Scope::Venue(lot.venue))?;
    if lot.expires_on < tokyo_day(ops.now()) {
        return Err(StoreError::DoseRefused(DoseRefusal::Lot(LotRefusal::Expired)).into());
    }
    let entry = actor.entry(
        ops.now(),
        AuditAction::LotRegister,
        vec![
            AuditObject::Venue(lot.venue),
            AuditObject::Vaccine(lot.vaccine),
        ],
        format!(
            "lot {}, {} doses, expires {}",
            lot.number,
            lot.doses,
            lot.expires_on.format("%Y-%m-%d")
        ),
    );
    Ok(ops.store().register_lot(&lot, &entry).await?)
}

/// The dose of a reservation the venue records, found by its number.
#[derive(Debug)]
pub struct Target {
    pub found: Reservation,
    pub dose: DoseNumber,
    pub venue: VenueId,
}

/// The reservation's `dose`, if `actor` works at its venue.
pub async fn target(
    ops: &Operations,
    actor: &Actor,
    number: &sesshu_domain::ReservationNumber,
    dose: DoseNumber,
) -> Result<Target, OperationError> {
    actor.may(Duty::CheckIn, Scope::Any)?;
    let found = crate::reservations::lookup(ops, number).await?;
    let venue = found
        .series
        .dose(dose)
        .map(|d| d.venue)
        .ok_or(OperationError::NotFound)?;
    actor
        .may(Duty::CheckIn, Scope::Venue(venue))
        .map_err(|_| OperationError::NotFound)?;
    Ok(Target { found, dose, venue })
}

/// Records the questionnaire as collected, its deciding answers sealed.
pub async fn questionnaire(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    by: AdminId,
    target: &Target,
    answers: &Questionnaire,
) -> Result<DoseRecord, OperationError> {
    let sealed = seal(ops, keys, target, Field::Questionnaire, &answers.to_text()).await?;
    let detail = if answers.needs_doctor() {
        "questionnaire, for the doctor"
    } else {
        "questionnaire"
    };
    record(
        ops,
        actor,
        by,
        target,
        DoseStep::Questionnaire(Some(sealed)),
        AuditAction::DoseQuestionnaire,
        Vec::new(),
        detail.to_owned(),
    )
    .await
}

/// Where a target's dose stands: what was recorded, and when it was
/// checked in (nothing personal: no answer, no reason).
#[derive(Clone, Debug)]
pub struct Progress {
    pub record: DoseRecord,
    pub checked_in: Option<DateTime<Utc>>,
}

/// The record of `target`'s dose (empty if nothing was recorded) and its
/// check-in, for the venue's page of the dose.
pub async fn progress(ops: &Operations, target: &Target) -> Result<Progress, OperationError> {
    let series = target.found.series.id;
    let record = ops
        .store()
        .dose_records(series)
        .await?
        .into_iter()
        .find(|r| r.dose == target.dose)
        .unwrap_or_else(|| DoseRecord::empty(series, target.dose));
    let checked_in = ops
        .store()
        .check_ins(series)
        .await?
        .into_iter()
        .find(|(n, _)| *n == target.dose)
        .map(|(_, at)| at);
    Ok(Progress { record, checked_in })
}

/// The questionnaire's answers of a dose, opened (an audited view).
pub async fn answers(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    target: &Target,
) -> Result<Option<Questionnaire>, OperationError> {
    let Some(text) = open(ops, keys, actor, target, Field::Questionnaire).await? else {
        return Ok(None);
    };
    Questionnaire::from_text(&text)
        .map(Some)
        .map_err(|_| OperationError::Unopenable)
}

/// Records the doctor's decision. A postponement needs its reason (sealed);
/// its consequences for the reservation are made in the same transaction
/// (see the module's text).
pub async fn decide(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    by: AdminId,
    target: &Target,
    decision: Decision,
    reason: Option<&str>,
) -> Result<DoseRecord, OperationError> {
    let step = decision_step(ops, keys, target, decision, reason).await?;
    record(
        ops,
        actor,
        by,
        target,
        step,
        AuditAction::DoseDecision,
        Vec::new(),
        decision.as_str().to_owned(),
    )
    .await
}

/// The step that records `decision` for `target`: its reason sealed, and
/// what it does to the reservation (see the module's text), the places of
/// the doses already given kept. The desk's form and the day's sheet both
/// decide through it.
pub(crate) async fn decision_step(
    ops: &Operations,
    keys: &Keyring,
    target: &Target,
    decision: Decision,
    reason: Option<&str>,
) -> Result<DoseStep, OperationError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if decision.needs_reason() && reason.is_none() {
        return Err(StoreError::DoseRefused(DoseRefusal::ReasonMissing).into());
    }
    let sealed = match reason {
        Some(text) => Some(seal(ops, keys, target, Field::DecisionReason, text).await?),
        None => None,
    };
    let series = &target.found.series;
    let language = ops
        .bookings()
        .last_language(series.id)
        .await
        .map_err(crate::reservations::read_failed)?;
    let given = given_doses(ops, series).await?;
    let (ending, mail) = match decision {
        Decision::Vaccinate => (None, None),
        Decision::Postpone if target.dose == DoseNumber::FIRST => (
            Some(Ending {
                mail: MailKind::Postponed,
                language,
                given,
            }),
            None,
        ),
        Decision::Postpone => (None, Some((MailKind::Postponed, language))),
        _ => (
            Some(Ending {
                mail: MailKind::NotVaccinated,
                language,
                given,
            }),
            None,
        ),
    };
    Ok(DoseStep::Decision {
        decision,
        reason: sealed,
        ending,
        mail,
    })
}

/// The vaccination as the venue records it.
#[derive(Clone, Debug)]
pub struct Given {
    pub at: DateTime<Utc>,
    pub lot: LotId,
    pub given_by: String,
    pub site: Site,
}

/// Records the vaccination (after a decision to vaccinate) from a lot of
/// the dose's venue that gives that day.
pub async fn vaccinate(
    ops: &Operations,
    actor: &Actor,
    by: AdminId,
    target: &Target,
    given: Given,
) -> Result<DoseRecord, OperationError> {
    let (vaccinated, day) = vaccinated(given)?;
    record(
        ops,
        actor,
        by,
        target,
        DoseStep::Vaccination {
            given: vaccinated.clone(),
            day,
        },
        AuditAction::DoseVaccinate,
        vec![AuditObject::Lot(vaccinated.lot)],
        vaccinated.site.as_str().to_owned(),
    )
    .await
}

/// Puts a wrong record right: the dose's decision and vaccination become
/// these, with the reason; the audit entry says what it was. A reservation
/// a decision cancelled stays cancelled (the office books again).
pub async fn correct(
    ops: &Operations,
    actor: &Actor,
    by: AdminId,
    target: &Target,
    decision: Option<Decision>,
    given: Option<Given>,
    reason: &Reason,
) -> Result<DoseRecord, OperationError> {
    let before = ops
        .store()
        .dose_records(target.found.series.id)
        .await?
        .into_iter()
        .find(|r| r.dose == target.dose)
        .unwrap_or_else(|| DoseRecord::empty(target.found.series.id, target.dose));
    let given = given.map(vaccinated).transpose()?;
    let mut objects = Vec::new();
    objects.extend(before.vaccinated.as_ref().map(|v| AuditObject::Lot(v.lot)));
    objects.extend(given.as_ref().map(|(v, _)| AuditObject::Lot(v.lot)));
    let detail = format!(
        "was {}; now {}; reason: {reason}",
        summary(before.decision.map(|(d, _)| d), before.vaccinated.as_ref()),
        summary(decision, given.as_ref().map(|(v, _)| v)),
    );
    record(
        ops,
        actor,
        by,
        target,
        DoseStep::Correction {
            decision,
            vaccinated: given,
        },
        AuditAction::DoseCorrect,
        objects,
        detail,
    )
    .await
}

/// A record's decision and vaccination as the audit trail tells them (no
/// personal value: codes and ids).
fn summary(decision: Option<Decision>, given: Option<&Vaccinated>) -> String {
    let decision = decision.map_or("no decision", Decision::as_str);
    match given {
        Some(v) => format!("{decision}, lot:{} {}", v.lot, v.site.as_str()),
        None => decision.to_owned(),
    }
}

fn vaccinated(given: Given) -> Result<(Vaccinated, NaiveDate), OperationError> {
    let given_by: String = given.given_by.trim().chars().take(100).collect();
    if given_by.is_empty() {
        return Err(StoreError::DoseRefused(DoseRefusal::GivenByMissing).into());
    }
    Ok((
        Vaccinated {
            at: given.at,
            lot: given.lot,
            given_by,
            site: given.site,
        },
        tokyo_day(given.at),
    ))
}

#[allow(clippy::too_many_arguments)]
async fn record(
    ops: &Operations,
    actor: &Actor,
    by: AdminId,
    target: &Target,
    step: DoseStep,
    action: AuditAction,
    more: Vec<AuditObject>,
    detail: String,
) -> Result<DoseRecord, OperationError> {
    let series = &target.found.series;
    let mut objects = vec![
        AuditObject::Series(series.id),
        AuditObject::Person(target.found.person.id),
        AuditObject::Venue(target.venue),
    ];
    objects.extend(more);
    let audit = actor.entry(
        ops.now(),
        action,
        objects,
        format!("dose {}: {detail}", target.dose.get()),
    );
    Ok(ops
        .store()
        .record_dose(&DoseChange {
            series: series.id,
            dose: target.dose,
            by,
            step,
            audit,
        })
        .await?)
}

/// The doses of `series` with a vaccination recorded.
async fn given_doses(ops: &Operations, series: &Series) -> Result<Vec<DoseNumber>, OperationError> {
    Ok(ops
        .store()
        .dose_records(series.id)
        .await?
        .into_iter()
        .filter(|r| r.vaccinated.is_some())
        .map(|r| r.dose)
        .collect())
}

async fn owner(ops: &Operations, target: &Target) -> Result<Owner, OperationError> {
    let person = &target.found.person;
    let login = ops
        .store()
        .person_subject(person.id)
        .await?
        .ok_or(OperationError::NotFound)?;
    Ok(Owner::login(person.institution.get(), login.as_str())
        .dose(target.found.series.number.compact(), target.dose.get()))
}

pub(crate) async fn seal(
    ops: &Operations,
    keys: &Keyring,
    target: &Target,
    field: Field,
    text: &str,
) -> Result<sesshu_store::Sealed, OperationError> {
    let key = keys.sealing_key().ok_or(OperationError::Unopenable)?;
    let owner = owner(ops, target).await?;
    key.seal(&owner, field, text)
        .map_err(|_| OperationError::Unopenable)
}

/// A dose's sealed value, opened after its `personal.view` entry.
async fn open(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    target: &Target,
    field: Field,
) -> Result<Option<String>, OperationError> {
    let series = &target.found.series;
    let Some(sealed) = ops.store().dose_data(series.id, target.dose, field).await? else {
        return Ok(None);
    };
    let entry = actor.entry(
        ops.now(),
        AuditAction::PersonalView,
        vec![
            AuditObject::Person(target.found.person.id),
            AuditObject::Series(series.id),
        ],
        format!("dose {}: {}", target.dose.get(), field.as_str()),
    );
    ops.store().audit(&entry).await?;
    let owner = owner(ops, target).await?;
    keys.open(&owner, field, &sealed)
        .map(Some)
        .map_err(|_| OperationError::Unopenable)
}
