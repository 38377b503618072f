//! Reservation lookup by number, with the person's personal data (scoped
//! to the administrator's institution, audited).

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::AuditObject;
use sesshu_domain::{Catalog, Duty, InstitutionId, Person, ReservationNumber, Scope, Series};
use sesshu_http::CsrfForm;
use sesshu_operations::personal::{self, Opened};
use sesshu_vault::Field;

/// A reservation found by a search.
#[derive(Debug)]
pub struct FoundRow {
    pub number: String,
    pub institution: String,
    pub state: &'static str,
    pub doses: Vec<String>,
    /// Only when searched by name (then opened, and audited).
    pub name: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    not_found: bool,
    /// The institutions whose list the role may download.
    institutions: Vec<(i64, String)>,
    /// The role may book for people.
    can_book: bool,
    /// The search form: the role's institutions, and whether "any" is one.
    filter_institutions: Vec<(i64, String, bool)>,
    all_institutions: bool,
    day: String,
    slot: String,
    states: Vec<(&'static str, &'static str, bool)>,
    name: String,
    results: Option<Vec<FoundRow>>,
    more: Option<String>,
    show_names: bool,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    number: Option<String>,
    institution: Option<String>,
    day: Option<String>,
    slot: Option<String>,
    state: Option<String>,
    name: Option<String>,
    search: Option<String>,
}

/// At most this many reservations in one search.
const SEARCH_LIMIT: u32 = 200;

pub async fn search(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<SearchQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ViewReservations, Scope::Any)?;
    let t = frame.t;
    let number = query.number.clone().unwrap_or_default();
    if let Ok(parsed) = ReservationNumber::parse(number.trim()) {
        return Ok(Redirect::to(&format!("/reservations/{parsed}")).into_response());
    }
    let visible = super::institutions_for(&state, &staff, Duty::ViewReservations).await?;
    // Roles bound to no institution (operators, system administrators)
    // may search them all at once; institution staff search their own.
    let all_institutions = staff.account.role.institution().is_none();
    let chosen = query
        .institution
        .as_deref()
        .and_then(|i| i.parse::<i64>().ok())
        .map(InstitutionId);
    if let Some(id) = chosen {
        staff.may(Duty::ViewReservations, Scope::Institution(id))?;
    }
    let institution = match (chosen, all_institutions) {
        (Some(id), _) => Some(id),
        (None, true) => None,
        // Institution staff search their own.
        (None, false) => visible.first().map(|i| i.id),
    };
    let day = query
        .day
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let slot = query
        .slot
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map(sesshu_domain::SlotId);
    let series_state = query
        .state
        .as_deref()
        .and_then(|s| sesshu_domain::SeriesState::parse(s).ok());
    let name = query.name.clone().unwrap_or_default().trim().to_owned();
    let (results, more, show_names) = if query.search.is_some() {
        let found = state
            .store()
            .search_series(&sesshu_store::SeriesSearch {
                institution,
                between: day.map(|d| {
                    (
                        sesshu_domain::day_start(d),
                        sesshu_domain::day_start(d.succ_opt().unwrap_or(d)),
                    )
                }),
                slot,
                state: series_state,
                limit: SEARCH_LIMIT,
            })
            .await?;
        let more = (found.len() >= SEARCH_LIMIT as usize).then(|| t.search_more(SEARCH_LIMIT));
        let rows = found_rows(&state, &staff, t, &visible, found, &name).await?;
        (Some(rows), more, !name.is_empty())
    } else {
        (None, None, false)
    };
    html(SearchPage {
        institutions: visible
            .iter()
            .map(|i| (i.id.0, i.name(t.lang).to_owned()))
            .collect(),
        filter_institutions: visible
            .iter()
            .map(|i| (i.id.0, i.name(t.lang).to_owned(), Some(i.id) == chosen))
            .collect(),
        all_institutions,
        day: day
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        slot: slot.map(|s| s.0.to_string()).unwrap_or_default(),
        states: [
            sesshu_domain::SeriesState::Booked,
            sesshu_domain::SeriesState::Cancelled,
        ]
        .into_iter()
        .map(|s| (s.as_str(), t.state(s), Some(s) == series_state))
        .collect(),
        name,
        results,
        more,
        show_names,
        can_book: staff.may(Duty::ChangeReservations, Scope::Any).is_ok(),
        not_found: !number.trim().is_empty(),
        number,
        frame,
        t,
    })
}

/// The rows of a search; with a name, the candidates' names and mail are
/// opened (one audit entry, first) and only those that match are kept.
async fn found_rows(
    state: &OfficeState,
    staff: &crate::signed_in::Staff,
    t: &Texts,
    visible: &[sesshu_domain::Institution],
    found: Vec<Series>,
    name: &str,
) -> Result<Vec<FoundRow>, OfficeError> {
    let catalog = state.store().catalog().await?;
    let mut people = Vec::with_capacity(found.len());
    for series in &found {
        let person = state
            .store()
            .person(series.person)
            .await?
            .ok_or(OfficeError::NotFound)?;
        people.push(person);
    }
    // The store's filter named the institution; this keeps a role within
    // its own whatever was asked.
    let keep: Vec<bool> = people
        .iter()
        .map(|p| {
            staff
                .may(Duty::ViewReservations, Scope::Institution(p.institution))
                .is_ok()
        })
        .collect();
    let names: Vec<Option<String>> = if name.is_empty() {
        vec![None; found.len()]
    } else {
        let candidates: Vec<&Person> = people
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(p, _)| p)
            .collect();
        let opened = personal::open_list(
            state.operations(),
            state.keys(),
            &staff.actor(),
            &candidates,
            &[
                Field::NameKanji,
                Field::NameKana,
                Field::NameRoman,
                Field::Mail,
            ],
            "reservation search by name",
            vec![AuditObject::ReservationSearch],
        )
        .await?;
        let wanted = fold(name);
        let mut opened = opened.into_iter();
        keep.iter()
            .map(|k| {
                if !*k {
                    return None;
                }
                let fields = opened.next().unwrap_or_default();
                fields.values().any(|v| fold(v).contains(&wanted)).then(|| {
                    [Field::NameKanji, Field::NameRoman, Field::Mail]
                        .iter()
                        .find_map(|f| fields.get(f).cloned())
                        .unwrap_or_default()
                })
            })
            .collect()
    };
    Ok(found
        .into_iter()
        .zip(people)
        .zip(keep)
        .zip(names)
        .filter(|(((_, _), k), n)| *k && (name.is_empty() || n.is_some()))
        .map(|(((series, person), _), n)| FoundRow {
            number: series.number.to_string(),
            institution: visible
                .iter()
                .find(|i| i.id == person.institution)
                .map(|i| i.name(t.lang).to_owned())
                .unwrap_or_default(),
            state: t.state(series.state),
            doses: series
                .doses
                .iter()
                .map(|d| {
                    format!(
                        "{}: {} {}",
                        d.number.get(),
                        t.time(d.starts_at),
                        catalog
                            .venue(d.venue)
                            .map(|v| v.name(t.lang))
                            .unwrap_or_default()
                    )
                })
                .collect(),
            name: n.unwrap_or_default(),
        })
        .collect())
}

/// For matching a name however it was typed: lower case, no spaces
/// (Japanese names are written with or without the space).
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A dose as shown.
#[derive(Debug)]
pub struct DoseRow {
    pub number: u8,
    pub at: String,
    pub venue: String,
    pub lane: String,
    pub checked_in: Option<String>,
}

#[derive(Template)]
#[template(path = "reservation.html")]
struct ReservationPage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    state: &'static str,
    doses: Vec<DoseRow>,
    institution: String,
    user_type: &'static str,
    department: String,
    login: String,
    name_kanji: Option<String>,
    name_kana: Option<String>,
    name_roman: Option<String>,
    mail: Option<String>,
    /// The office may cancel it (active, and the role may).
    can_cancel: bool,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
    error: Option<String>,
}

/// A series by its number with its person, if the role may see them; an
/// unknown number and one outside the scope look the same.
pub async fn find(state: &OfficeState, number: &str) -> Result<(Series, Person), OfficeError> {
    let number = ReservationNumber::parse(number).map_err(|_| OfficeError::NotFound)?;
    let series = state
        .store()
        .series_by_number(&number)
        .await?
        .ok_or(OfficeError::NotFound)?;
    let person = state
        .store()
        .person(series.person)
        .await?
        .ok_or(OfficeError::NotFound)?;
    Ok((series, person))
}

/// [`find`], for a `duty` the role must have for that person's
/// institution (else as if absent).
pub async fn find_for(
    state: &OfficeState,
    staff: &crate::signed_in::Staff,
    duty: Duty,
    number: &str,
) -> Result<(Series, Person), OfficeError> {
    staff.may(duty, Scope::Any)?;
    let (series, person) = find(state, number).await?;
    staff.may(duty, Scope::Institution(person.institution))?;
    Ok((series, person))
}

/// The reason the office gives for a change, as kept in the audit trail:
/// trimmed, at most 300 characters; `None` if there is none.
pub fn reason(text: &str) -> Option<String> {
    let reason: String = text.trim().chars().take(300).collect();
    (!reason.is_empty()).then_some(reason)
}

pub async fn dose_rows(
    state: &OfficeState,
    t: &Texts,
    catalog: &Catalog,
    series: &Series,
) -> Result<Vec<DoseRow>, OfficeError> {
    let checked = state.store().check_ins(series.id).await?;
    Ok(series
        .doses
        .iter()
        .map(|d| DoseRow {
            number: d.number.get(),
            at: t.time(d.starts_at),
            venue: catalog
                .venue(d.venue)
                .map_or_else(String::new, |v| v.name(t.lang).to_owned()),
            lane: catalog
                .lane(d.lane)
                .map_or_else(String::new, |l| l.name(t.lang).to_owned()),
            checked_in: checked
                .iter()
                .find(|(n, _)| *n == d.number)
                .map(|(_, at)| t.time(*at)),
        })
        .collect())
}

pub async fn show(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(number): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, OfficeError> {
    let (series, person) = find_for(&state, &staff, Duty::ViewReservations, &number).await?;
    let t = frame.t;
    let catalog = state.store().catalog().await?;
    let institution = state
        .store()
        .institution(person.institution)
        .await?
        .ok_or(OfficeError::NotFound)?;
    let doses = dose_rows(&state, t, &catalog, &series).await?;
    let Opened { login, fields } = personal::open(
        state.operations(),
        state.keys(),
        &staff.actor(),
        &person,
        &series,
        &Field::ALL,
        "reservation",
    )
    .await?;
    html(ReservationPage {
        number: series.number.to_string(),
        state: t.state(series.state),
        doses,
        institution: institution.name(t.lang).to_owned(),
        user_type: t.user_type(person.user_type),
        department: person
            .department
            .as_ref()
            .map_or_else(|| "-".to_owned(), |d| d.as_str().to_owned()),
        login: login.as_str().to_owned(),
        name_kanji: fields.get(&Field::NameKanji).cloned(),
        name_kana: fields.get(&Field::NameKana).cloned(),
        name_roman: fields.get(&Field::NameRoman).cloned(),
        mail: fields.get(&Field::Mail).cloned(),
        can_cancel: series.is_active()
            && staff
                .may(
                    Duty::ChangeReservations,
                    Scope::Institution(person.institution),
                )
                .is_ok(),
        done: match query.done.as_deref() {
            Some("cancelled") => Some(t.office_cancelled),
            Some("moved") => Some(t.office_moved),
            Some("booked") => Some(t.book_booked),
            _ => None,
        },
        error: (query.error.as_deref() == Some("reason")).then_some(t.office_cancel_reason_needed),
        frame,
        t,
    })
}

#[derive(Deserialize)]
pub struct CancelForm {
    reason: String,
}

/// Cancels a reservation for its person, at any time (after the deadline
/// too), with a reason; the person gets the usual mail, in the language of
/// their last one.
pub async fn cancel(
    State(state): State<OfficeState>,
    staff: crate::signed_in::Staff,
    Path(number): Path<String>,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> Result<Response, OfficeError> {
    let (series, person) = find_for(&state, &staff, Duty::ChangeReservations, &number).await?;
    let number = series.number.to_string();
    let Some(reason) = reason(&form.reason) else {
        return Ok(Redirect::to(&format!("/reservations/{number}?error=reason")).into_response());
    };
    if !series.is_active() {
        return Ok(Redirect::to(&format!("/reservations/{number}")).into_response());
    }
    let language = state.bookings().last_language(series.id).await?;
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::ReservationCancel,
        vec![
            AuditObject::Series(series.id),
            AuditObject::Institution(person.institution),
        ],
        format!("reason: {reason}"),
    );
    state
        .store()
        .cancel_audited(series.id, language, &entry)
        .await?;
    Ok(Redirect::to(&format!("/reservations/{number}?done=cancelled")).into_response())
}

/// A time the office may move a reservation to: all lanes of a venue at
/// that time, with the places left.
#[derive(Debug)]
pub struct TimeOption {
    pub slot: i64,
    pub label: String,
    pub free: u32,
}

#[derive(Template)]
#[template(path = "move.html")]
struct MovePage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    day: String,
    doses: Vec<DoseRow>,
    times: Vec<TimeOption>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct MoveQuery {
    day: Option<String>,
    error: Option<String>,
}

/// The first-dose times of a day with free places (any venue, the series'
/// vaccine), to move the whole series to; the second dose follows.
pub async fn move_form(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(number): Path<String>,
    Query(query): Query<MoveQuery>,
) -> Result<Response, OfficeError> {
    let (series, _) = find_for(&state, &staff, Duty::ChangeReservations, &number).await?;
    let t = frame.t;
    let catalog = state.store().catalog().await?;
    let day = query
        .day
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .or_else(|| series.first_appointment().map(sesshu_domain::tokyo_day))
        .unwrap_or_else(|| sesshu_domain::tokyo_day(state.clock().now()));
    let times = time_options(
        &state,
        t,
        &catalog,
        series.vaccine,
        sesshu_domain::DoseNumber::FIRST,
        day,
        None,
    )
    .await?;
    let doses = dose_rows(&state, t, &catalog, &series).await?;
    html(MovePage {
        number: series.number.to_string(),
        day: day.format("%Y-%m-%d").to_string(),
        doses,
        times,
        error: query.error.as_deref().map(|code| match code {
            "reason" => t.office_cancel_reason_needed,
            "slot" => t.office_move_choose,
            _ => t.office_move_refused,
        }),
        frame,
        t,
    })
}

#[derive(Deserialize)]
pub struct MoveForm {
    slot: Option<i64>,
    reason: String,
}

/// Moves the series for its person, after the deadline too, with a reason;
/// the person gets the usual mail.
pub async fn move_series(
    State(state): State<OfficeState>,
    staff: crate::signed_in::Staff,
    Path(number): Path<String>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<Response, OfficeError> {
    let (series, person) = find_for(&state, &staff, Duty::ChangeReservations, &number).await?;
    let number = series.number;
    let back = |error: &str| {
        Ok(Redirect::to(&format!("/reservations/{number}/move?error={error}")).into_response())
    };
    let Some(reason) = reason(&form.reason) else {
        return back("reason");
    };
    let Some(slot) = form.slot else {
        return back("slot");
    };
    let institution = state
        .store()
        .institution(person.institution)
        .await?
        .ok_or(OfficeError::NotFound)?;
    let language = state.bookings().last_language(series.id).await?;
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::ReservationMove,
        vec![
            AuditObject::Series(series.id),
            AuditObject::Slot(sesshu_domain::SlotId(slot)),
            AuditObject::Institution(person.institution),
        ],
        format!("reason: {reason}"),
    );
    let who = sesshu_domain::booking::Booker::office(&person, &institution);
    match state
        .bookings()
        .change_on_behalf(who, &number, sesshu_domain::SlotId(slot), language, entry)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/reservations/{number}?done=moved")).into_response()),
        Err(sesshu_core::BookingError::Rejected(r)) => back(r.code()),
        Err(sesshu_core::BookingError::NotFound) => Err(OfficeError::NotFound),
        Err(e) => {
            tracing::error!(error = %e, "a move by the office failed");
            Err(OfficeError::Internal)
        }
    }
}

/// The times of `day` with free places for `dose` of `vaccine` (any venue),
/// one per venue and time, `except` a slot being emptied.
#[allow(clippy::too_many_arguments)]
pub(super) async fn time_options(
    state: &OfficeState,
    t: &Texts,
    catalog: &Catalog,
    vaccine: sesshu_domain::VaccineId,
    dose: sesshu_domain::DoseNumber,
    day: chrono::NaiveDate,
    except: Option<sesshu_domain::SlotId>,
) -> Result<Vec<TimeOption>, OfficeError> {
    let next = day.succ_opt().unwrap_or(day);
    let slots = state
        .store()
        .slots(&sesshu_store::SlotQuery {
            dose: Some(dose),
            vaccine: Some(vaccine),
            ..sesshu_store::SlotQuery::between(
                sesshu_domain::day_start(day),
                sesshu_domain::day_start(next),
            )
        })
        .await?;
    // One option per venue and time: its emptiest lane (the store tries the
    // others at that time too).
    let mut times: Vec<(
        chrono::DateTime<chrono::Utc>,
        sesshu_domain::VenueId,
        &sesshu_domain::Slot,
        u32,
    )> = Vec::new();
    for slot in slots
        .iter()
        .filter(|s| !s.closed && s.starts_at > state.clock().now() && Some(s.id) != except)
    {
        match times
            .iter_mut()
            .find(|(at, venue, ..)| *at == slot.starts_at && *venue == slot.venue)
        {
            Some(entry) => {
                entry.3 += slot.free();
                if slot.free() > entry.2.free() {
                    entry.2 = slot;
                }
            }
            None => times.push((slot.starts_at, slot.venue, slot, slot.free())),
        }
    }
    times.sort_by_key(|(at, venue, ..)| (*at, *venue));
    Ok(times
        .into_iter()
        .filter(|(.., free)| *free > 0)
        .map(|(at, venue, slot, free)| TimeOption {
            slot: slot.id.0,
            label: format!(
                "{} {}",
                t.time(at),
                catalog
                    .venue(venue)
                    .map(|v| v.name(t.lang))
                    .unwrap_or_default()
            ),
            free,
        })
        .collect())
}
