//! Vouchers (接種券) at the desk and after: entering one the person brought
//! without giving it online, marking it collected (the sticker goes on the
//! questionnaire), and the list of vaccinations whose voucher is still
//! missing, for the follow-up.
//!
//! A voucher's number is personal data: sealed for the person's dose, never
//! in the audit trail (which says `voucher`, the dose and the objects).
//! The follow-up list ([`missing_list`]) opens the people's names with one
//! `personal.view` entry for the whole list, like the office's other lists.

use crate::lists::{ListUse, Names};
use crate::vaccination::Target;
use crate::{Actor, OperationError, Operations, personal};
use chrono::{DateTime, Duration, Utc};
use sesshu_domain::{
    AdminId, AuditAction, AuditObject, Denied, Duty, InstitutionId, ReservationNumber, Scope,
    VoucherError,
};
use sesshu_store::{Collected, Field, MissingVoucher, VoucherState};
use sesshu_vault_open::Keyring;

/// What the desk typed for a voucher: the same two ways as on the public
/// side (its `Debug` never shows the digits).
pub use sesshu_core::vouchers::Typed;

/// How entering a voucher at the desk ended.
#[derive(Debug)]
pub enum Entered {
    Done,
    /// Not a voucher for this dose: what to say on the form.
    Invalid(VoucherError),
    /// The dose's voucher was collected already: not replaced.
    Collected,
}

/// Enters the voucher of the target's dose, sealed, audited.
pub async fn enter(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    target: &Target,
    typed: Typed<'_>,
) -> Result<Entered, OperationError> {
    let voucher = match typed.read(target.dose) {
        Ok(v) => v,
        Err((_, e)) => return Ok(Entered::Invalid(e)),
    };
    let sealed =
        crate::vaccination::seal(ops, keys, target, Field::Voucher, &voucher.to_text()).await?;
    let entry = actor.entry(
        ops.now(),
        AuditAction::VoucherGive,
        objects(target),
        format!("dose {}: voucher entered at the desk", target.dose.get()),
    );
    let given = ops
        .store()
        .give_voucher(
            target.found.series.id,
            target.dose,
            &sealed,
            ops.now(),
            Some(&entry),
        )
        .await?;
    Ok(if given {
        Entered::Done
    } else {
        Entered::Collected
    })
}

/// Marks the target dose's voucher as collected (once), audited.
pub async fn collect(
    ops: &Operations,
    actor: &Actor,
    by: AdminId,
    target: &Target,
) -> Result<Collected, OperationError> {
    let entry = actor.entry(
        ops.now(),
        AuditAction::VoucherCollect,
        objects(target),
        format!("dose {}: voucher collected", target.dose.get()),
    );
    Ok(ops
        .store()
        .collect_voucher(target.found.series.id, target.dose, by, &entry)
        .await?)
}

/// Where the vouchers of the target's reservation are.
pub async fn states(
    ops: &Operations,
    target: &Target,
) -> Result<Vec<VoucherState>, OperationError> {
    Ok(ops.store().vouchers(target.found.series.id).await?)
}

/// The vaccinations at least `days` old whose voucher was not collected,
/// of `institution` (institution staff: only their own) or of every
/// institution (operators, `None`).
pub async fn missing(
    ops: &Operations,
    actor: &Actor,
    institution: Option<InstitutionId>,
    days: u32,
) -> Result<Vec<MissingVoucher>, OperationError> {
    may_list(actor, institution)?;
    let before: DateTime<Utc> = ops.now() - Duration::days(i64::from(days));
    Ok(ops.store().missing_vouchers(institution, before).await?)
}

/// Whether `actor` may read the missing vouchers of `institution`, or of
/// every institution (`None`: operators and system administrators only).
pub(crate) fn may_list(
    actor: &Actor,
    institution: Option<InstitutionId>,
) -> Result<(), OperationError> {
    let scope = institution.map_or(Scope::Any, Scope::Institution);
    actor.may(Duty::ViewReservations, scope)?;
    if institution.is_none() && actor.role.institution().is_some() {
        return Err(OperationError::Denied(Denied::Forbidden));
    }
    Ok(())
}

/// A line of the follow-up list: the missing voucher, the reservation's
/// number and the person's names (opened). Never logged.
#[derive(Clone, Debug)]
pub struct MissingLine {
    pub missing: MissingVoucher,
    pub number: ReservationNumber,
    pub names: Names,
}

/// [`missing`], with each person's names (kanji, kana) opened for the list:
/// one `personal.view` entry for the whole list, naming the institution (or
/// each institution listed) and how many people, written before anything
/// is opened. `purpose` says whether it is shown or handed out as a file.
pub async fn missing_list(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    institution: Option<InstitutionId>,
    days: u32,
    purpose: ListUse,
) -> Result<Vec<MissingLine>, OperationError> {
    let found = missing(ops, actor, institution, days).await?;
    let mut lines = Vec::with_capacity(found.len());
    let mut people = Vec::with_capacity(found.len());
    for missing in found {
        // A series or person gone meanwhile is not listed.
        let Some(series) = ops.store().series(missing.series).await? else {
            continue;
        };
        let Some(person) = ops.store().person(missing.person).await? else {
            continue;
        };
        lines.push((missing, series.number));
        people.push(person);
    }
    let objects = match institution {
        Some(one) => vec![AuditObject::Institution(one)],
        None => {
            let mut listed: Vec<InstitutionId> = people.iter().map(|p| p.institution).collect();
            listed.sort();
            listed.dedup();
            listed.into_iter().map(AuditObject::Institution).collect()
        }
    };
    let opened = personal::open_list(
        ops,
        keys,
        actor,
        &people.iter().collect::<Vec<_>>(),
        &[Field::NameKanji, Field::NameKana],
        match purpose {
            ListUse::Screen => "missing vouchers",
            ListUse::Export => "missing vouchers export",
        },
        objects,
    )
    .await?;
    Ok(lines
        .into_iter()
        .zip(opened)
        .map(|((missing, number), mut fields)| MissingLine {
            missing,
            number,
            names: Names {
                kanji: fields.remove(&Field::NameKanji).unwrap_or_default(),
                kana: fields.remove(&Field::NameKana).unwrap_or_default(),
                roman: String::new(),
            },
        })
        .collect())
}

fn objects(target: &Target) -> Vec<AuditObject> {
    vec![
        AuditObject::Series(target.found.series.id),
        AuditObject::Person(target.found.person.id),
        AuditObject::Venue(target.venue),
    ]
}
