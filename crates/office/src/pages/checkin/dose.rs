//! A dose at the venue after its check-in, one step at a time: the
//! questionnaire (予診票: temperature, the yes/no items a doctor must look
//! at, collected), the doctor's decision (with the answers opened for them,
//! audited, and "for the doctor" when they must look), the vaccination
//! (time, a lot of the venue that gives a dose today, who gave it, which
//! arm), and a correction with its reason; and the dose's voucher (接種券,
//! `voucher.rs`). Each form posts, then comes back here with what happened
//! (`?done=`) or why it was refused (`?error=`: a code, never a value
//! typed).

use super::super::reservations::number;
use super::super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use sesshu_domain::{
    Concern, Decision, DoseNumber, DoseRefusal, Duty, Lot, LotId, LotRefusal, Questionnaire, Scope,
    SeriesState, Site, Step, TOKYO, Temperature, tokyo_day,
};
use sesshu_http::CsrfForm;
use sesshu_operations::OperationError;
use sesshu_operations::reference;
use sesshu_operations::reservations::Reason;
use sesshu_operations::vaccination::{self, Given, Progress, Target};
use sesshu_operations::vouchers;
use sesshu_store::StoreError;
use std::collections::BTreeSet;

/// Each refusal of the operations, by the code `?error=` carries.
const REFUSALS: [(DoseRefusal, &str); 13] = [
    (DoseRefusal::NotCheckedIn, "not_checked_in"),
    (DoseRefusal::NotActive, "not_active"),
    (DoseRefusal::NoQuestionnaire, "no_questionnaire"),
    (DoseRefusal::AlreadyDecided, "already_decided"),
    (DoseRefusal::NotToVaccinate, "not_to_vaccinate"),
    (DoseRefusal::AlreadyVaccinated, "already_vaccinated"),
    (DoseRefusal::ReasonMissing, "reason_missing"),
    (DoseRefusal::GivenByMissing, "given_by_missing"),
    (DoseRefusal::Lot(LotRefusal::Expired), "lot_expired"),
    (DoseRefusal::Lot(LotRefusal::Empty), "lot_empty"),
    (
        DoseRefusal::Lot(LotRefusal::OtherVaccine),
        "lot_other_vaccine",
    ),
    (DoseRefusal::Lot(LotRefusal::OtherVenue), "lot_other_venue"),
    (DoseRefusal::DuplicateLot, "duplicate_lot"),
];

pub(crate) fn refusal_code(refusal: DoseRefusal) -> &'static str {
    REFUSALS
        .iter()
        .find(|(r, _)| *r == refusal)
        .map_or("refused", |(_, code)| code)
}

/// The text of an `?error=` code: a refusal, or a form's own problem.
pub(crate) fn error_text(t: &Texts, code: &str) -> Option<&'static str> {
    if let Some((refusal, _)) = REFUSALS.iter().find(|(_, c)| *c == code) {
        return Some(t.dose_refusal(*refusal));
    }
    Some(match code {
        "temperature" => t.error_temperature,
        "answers" => t.error_answers,
        "collected" => t.error_collected,
        "decision" => t.error_decision,
        "lot" => t.error_lot,
        "time" => t.error_time,
        "site" => t.error_site,
        "reason" => t.error_reason,
        "lot_number" => t.error_lot_number,
        "expires" => t.error_expires,
        "doses" => t.error_doses,
        "vaccine" => t.error_vaccine,
        "voucher_not_given" => t.error_voucher_not_given,
        "voucher_collected" => t.error_voucher_collected,
        "voucher_empty" => t.error_voucher_empty,
        _ => return None,
    })
}

/// The vaccination as recorded, as shown.
#[derive(Debug)]
pub struct GivenRow {
    pub at: String,
    pub lot: String,
    pub given_by: String,
    pub site: &'static str,
}

/// The dose's voucher, as the desk sees it.
#[derive(Debug)]
pub struct VoucherView {
    /// Not given, given, or collected at what time.
    pub state: String,
    pub given: bool,
    pub collected: bool,
    /// Why what was typed is not this dose's voucher, in the page's
    /// language (what was typed is never shown again).
    pub error: Option<String>,
}

/// The questionnaire's answers, opened for the doctor.
#[derive(Debug)]
pub struct Answers {
    pub temperature: String,
    pub yes: Vec<&'static str>,
    pub for_doctor: bool,
}

#[derive(Template)]
#[template(path = "checkin_dose.html")]
struct DosePage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    dose: u8,
    reserved_at: String,
    venue: String,
    venue_id: i64,
    vaccine: String,
    /// The reservation is still booked (a decision may have ended it).
    active: bool,
    checked_in: Option<String>,
    questionnaire_at: Option<String>,
    decision: Option<(&'static str, String)>,
    given: Option<GivenRow>,
    step: Step,
    next: &'static str,
    answers: Option<Answers>,
    concerns: Vec<(&'static str, &'static str)>,
    decisions: Vec<(&'static str, &'static str)>,
    /// The decision recorded, for the correction form.
    decided: &'static str,
    sites: Vec<(&'static str, &'static str)>,
    /// The lots that give this dose today: id and label.
    lots: Vec<(i64, String)>,
    /// The venue's lots of this vaccine, for the correction form.
    all_lots: Vec<(i64, String)>,
    /// Now in Tokyo, as a `datetime-local` value.
    now: String,
    /// The vaccination recorded, as the correction form starts from it:
    /// lot id (0: none), time, given by, site code.
    current: (i64, String, String, &'static str),
    notice: Option<&'static str>,
    error: Option<&'static str>,
    /// What the decision did to the reservation.
    ending: Option<&'static str>,
    /// The office may book again for the person: their institution.
    rebook: Option<i64>,
    /// The office may look at (and move) the reservation.
    office: bool,
    voucher: VoucherView,
}

#[derive(Deserialize)]
pub struct DoseQuery {
    done: Option<String>,
    error: Option<String>,
}

/// The dose of the path, if the account works at its venue.
pub(super) async fn target(
    state: &OfficeState,
    staff: &Staff,
    number_text: &str,
    dose_text: &str,
) -> Result<Target, OfficeError> {
    let number = number(staff, Duty::CheckIn, number_text)?;
    let dose: DoseNumber = dose_text.parse().map_err(|_| OfficeError::NotFound)?;
    Ok(vaccination::target(state.operations(), &staff.actor(), &number, dose).await?)
}

fn lot_label(t: &Texts, lot: &Lot) -> String {
    format!(
        "{} ({}{}{} / {}{}{})",
        lot.number,
        t.lot_left,
        t.colon,
        lot.left(),
        t.lot_expiry,
        t.colon,
        lot.expires_on.format("%Y-%m-%d")
    )
}

/// The dose's page: where it stands and the form of its next step.
pub async fn page(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path((number, dose)): Path<(String, String)>,
    Query(query): Query<DoseQuery>,
) -> Result<Response, OfficeError> {
    let target = target(&state, &staff, &number, &dose).await?;
    let shown = Shown {
        done: query.done.as_deref(),
        error: query.error.as_deref(),
        voucher_error: None,
    };
    render(&state, &staff, frame, &target, shown).await
}

/// What the page says about the last form: `?done=`, `?error=`, or the
/// voucher form's own problem.
pub(super) struct Shown<'a> {
    pub done: Option<&'a str>,
    pub error: Option<&'a str>,
    pub voucher_error: Option<String>,
}

/// The dose's page as it stands, saying `shown`.
pub(super) async fn render(
    state: &OfficeState,
    staff: &Staff,
    frame: Frame,
    target: &Target,
    shown: Shown<'_>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let ops = state.operations();
    let actor = staff.actor();
    let catalog = reference::catalog(ops).await?;
    let Progress { record, checked_in } = vaccination::progress(ops, target).await?;
    let series = &target.found.series;
    let step = record.next_step();
    let today = tokyo_day(ops.now());
    let venue_lots = vaccination::lots(ops, &actor, target.venue).await?;
    let lots = if step == Step::Vaccination {
        vaccination::usable_lots(ops, &actor, target.venue, series.vaccine, today).await?
    } else {
        Vec::new()
    };
    // The doctor decides on the answers: opened (audited) for that step only.
    let answers = if step == Step::Decision && record.questionnaire_at.is_some() {
        vaccination::answers(ops, state.keys(), &actor, target)
            .await?
            .map(|a| Answers {
                temperature: a.temperature.to_string(),
                yes: a.concerns.iter().map(|c| t.concern(*c)).collect(),
                for_doctor: a.needs_doctor(),
            })
    } else {
        None
    };
    let decision = record.decision.map(|(d, _)| d);
    let active = series.state == SeriesState::Booked;
    let ending = match decision {
        Some(Decision::Postpone) if target.dose == DoseNumber::FIRST => Some(t.postponed_first),
        Some(Decision::Postpone) => Some(t.postponed_second),
        Some(d) if d.ends_series() => Some(t.not_vaccinated),
        _ => None,
    };
    let institution = target.found.person.institution;
    let may_change = staff
        .may(Duty::ChangeReservations, Scope::Institution(institution))
        .is_ok();
    let dose_of = series.dose(target.dose);
    let voucher = vouchers::states(ops, target)
        .await?
        .into_iter()
        .find(|v| v.dose == target.dose);
    let voucher = VoucherView {
        state: match voucher.and_then(|v| v.collected_at) {
            Some(at) => t.voucher_collected_at(at, ops.now()),
            None if voucher.is_some() => t.voucher_given.to_owned(),
            None => t.voucher_not_given.to_owned(),
        },
        given: voucher.is_some(),
        collected: voucher.is_some_and(|v| v.collected_at.is_some()),
        error: shown.voucher_error,
    };
    html(DosePage {
        number: series.number.to_string(),
        dose: target.dose.get(),
        reserved_at: dose_of.map_or_else(String::new, |d| t.time(d.starts_at)),
        venue: catalog
            .venue(target.venue)
            .map_or_else(String::new, |v| v.name(t.lang).to_owned()),
        venue_id: target.venue.get(),
        vaccine: catalog
            .vaccine(series.vaccine)
            .map_or_else(String::new, |v| v.name(t.lang).to_owned()),
        active,
        checked_in: checked_in.map(|at| t.time(at)),
        questionnaire_at: record.questionnaire_at.map(|at| t.time(at)),
        decision: record.decision.map(|(d, at)| (t.decision(d), t.time(at))),
        given: record.vaccinated.as_ref().map(|v| GivenRow {
            at: t.time(v.at),
            lot: venue_lots
                .iter()
                .find(|l| l.id == v.lot)
                .map_or_else(|| v.lot.to_string(), |l| l.number.to_string()),
            given_by: v.given_by.clone(),
            site: t.site(v.site),
        }),
        step,
        next: super::desk::step_label(t, step),
        answers,
        concerns: Concern::ALL
            .iter()
            .map(|c| (c.as_str(), t.concern(*c)))
            .collect(),
        decisions: Decision::ALL
            .iter()
            .map(|d| (d.as_str(), t.decision(*d)))
            .collect(),
        decided: decision.map_or("", Decision::as_str),
        sites: Site::ALL.iter().map(|s| (s.as_str(), t.site(*s))).collect(),
        lots: lots.iter().map(|l| (l.id.get(), lot_label(t, l))).collect(),
        all_lots: venue_lots
            .iter()
            .filter(|l| l.vaccine == series.vaccine)
            .map(|l| (l.id.get(), lot_label(t, l)))
            .collect(),
        now: local_value(ops.now()),
        current: record.vaccinated.as_ref().map_or_else(
            || (0, local_value(ops.now()), String::new(), ""),
            |v| {
                (
                    v.lot.get(),
                    local_value(v.at),
                    v.given_by.clone(),
                    v.site.as_str(),
                )
            },
        ),
        notice: match shown.done {
            Some("questionnaire") => Some(t.done_questionnaire),
            Some("decision") => Some(t.done_decision),
            Some("vaccination") => Some(t.done_vaccinated),
            Some("correction") => Some(t.done_corrected),
            Some("voucher_entered") => Some(t.done_voucher_entered),
            Some("voucher_collected") => Some(t.done_voucher_collected),
            Some("voucher_before") => Some(t.done_voucher_before),
            _ => None,
        },
        error: shown.error.and_then(|code| error_text(t, code)),
        ending,
        rebook: (decision == Some(Decision::Postpone)
            && target.dose == DoseNumber::FIRST
            && !active
            && may_change)
            .then_some(institution.get()),
        office: staff
            .may(Duty::ViewReservations, Scope::Institution(institution))
            .is_ok(),
        voucher,
        frame,
        t,
    })
}

/// Where a form of the dose goes back to.
pub(super) struct Back(String);

impl Back {
    pub(super) fn of(target: &Target) -> Self {
        Back(format!(
            "/checkin/{}/dose/{}",
            target.found.series.number,
            target.dose.get()
        ))
    }

    pub(super) fn done(&self, what: &str) -> Response {
        Redirect::to(&format!("{}?done={what}", self.0)).into_response()
    }

    pub(super) fn error(&self, code: &str) -> Response {
        Redirect::to(&format!("{}?error={code}", self.0)).into_response()
    }
}

/// Back with `done`, or with the refusal's code; other errors are errors.
fn outcome<T>(
    back: &Back,
    done: &str,
    result: Result<T, OperationError>,
) -> Result<Response, OfficeError> {
    match result {
        Ok(_) => Ok(back.done(done)),
        Err(OperationError::Store(StoreError::DoseRefused(refusal))) => {
            Ok(back.error(refusal_code(refusal)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The value of a form's field.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The questionnaire as the form has it, or the code of what is missing.
fn read_questionnaire(fields: &[(String, String)]) -> Result<Questionnaire, &'static str> {
    let temperature = field(fields, "temperature")
        .and_then(|v| Temperature::parse(v).ok())
        .ok_or("temperature")?;
    let mut concerns = BTreeSet::new();
    for concern in Concern::ALL {
        match field(fields, concern.as_str()) {
            Some("yes") => {
                concerns.insert(concern);
            }
            Some("no") => {}
            _ => return Err("answers"),
        }
    }
    if field(fields, "collected").is_none() {
        return Err("collected");
    }
    Ok(Questionnaire {
        temperature,
        concerns,
    })
}

/// A time as a `datetime-local` field shows it, in Tokyo.
fn local_value(at: DateTime<Utc>) -> String {
    at.with_timezone(&TOKYO)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` value, in Tokyo.
fn tokyo_time(text: &str) -> Option<DateTime<Utc>> {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    TOKYO
        .from_local_datetime(&local)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// The vaccination as the form has it (`None`: no lot chosen), or the
/// code of what is missing.
fn read_given(fields: &[(String, String)]) -> Result<Option<Given>, &'static str> {
    let Some(lot) = field(fields, "lot") else {
        return Ok(None);
    };
    let lot: LotId = lot.parse().map_err(|_| "lot")?;
    let at = field(fields, "at").and_then(tokyo_time).ok_or("time")?;
    let site = field(fields, "site").and_then(Site::parse).ok_or("site")?;
    Ok(Some(Given {
        at,
        lot,
        given_by: field(fields, "given_by").unwrap_or_default().to_owned(),
        site,
    }))
}

/// Records the questionnaire as collected.
pub async fn questionnaire(
    State(state): State<OfficeState>,
    staff: Staff,
    Path((number, dose)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    let target = target(&state, &staff, &number, &dose).await?;
    let back = Back::of(&target);
    let answers = match read_questionnaire(&fields) {
        Ok(answers) => answers,
        Err(code) => return Ok(back.error(code)),
    };
    let recorded = vaccination::questionnaire(
        state.operations(),
        state.keys(),
        &staff.actor(),
        staff.account.id,
        &target,
        &answers,
    )
    .await;
    outcome(&back, "questionnaire", recorded)
}

/// Records the doctor's decision.
pub async fn decide(
    State(state): State<OfficeState>,
    staff: Staff,
    Path((number, dose)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    let target = target(&state, &staff, &number, &dose).await?;
    let back = Back::of(&target);
    let Some(decision) = field(&fields, "decision").and_then(Decision::parse) else {
        return Ok(back.error("decision"));
    };
    let recorded = vaccination::decide(
        state.operations(),
        state.keys(),
        &staff.actor(),
        staff.account.id,
        &target,
        decision,
        field(&fields, "reason"),
    )
    .await;
    outcome(&back, "decision", recorded)
}

/// Records the vaccination.
pub async fn vaccinate(
    State(state): State<OfficeState>,
    staff: Staff,
    Path((number, dose)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    let target = target(&state, &staff, &number, &dose).await?;
    let back = Back::of(&target);
    let given = match read_given(&fields) {
        Ok(Some(given)) => given,
        Ok(None) => return Ok(back.error("lot")),
        Err(code) => return Ok(back.error(code)),
    };
    let recorded = vaccination::vaccinate(
        state.operations(),
        &staff.actor(),
        staff.account.id,
        &target,
        given,
    )
    .await;
    outcome(&back, "vaccination", recorded)
}

/// Puts a wrong record right, with its reason.
pub async fn correct(
    State(state): State<OfficeState>,
    staff: Staff,
    Path((number, dose)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    let target = target(&state, &staff, &number, &dose).await?;
    let back = Back::of(&target);
    let Some(reason) = field(&fields, "reason").and_then(Reason::parse) else {
        return Ok(back.error("reason"));
    };
    let decision = match field(&fields, "decision") {
        None => None,
        Some(code) => match Decision::parse(code) {
            Some(d) => Some(d),
            None => return Ok(back.error("decision")),
        },
    };
    let given = match read_given(&fields) {
        Ok(given) => given,
        Err(code) => return Ok(back.error(code)),
    };
    let corrected = vaccination::correct(
        state.operations(),
        &staff.actor(),
        staff.account.id,
        &target,
        decision,
        given,
        &reason,
    )
    .await;
    outcome(&back, "correction", corrected)
}
