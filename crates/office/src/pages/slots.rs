//! Registering slots with the generator (予約枠の一括登録): the form, a
//! preview that says what would be made (or everything that is wrong,
//! including overlaps with slots that exist), and the creation of all of
//! them in one transaction with its audit entry.

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use serde::Deserialize;
use sesshu_domain::AuditObject;
use sesshu_domain::slot_plan::{PlannedSlot, SlotPlan};
use sesshu_domain::{
    Catalog, DoseNumber, Duty, InstitutionId, LaneId, Scope, SlotEligibility, TOKYO, UserType,
    VaccineId, VenueId,
};
use sesshu_http::CsrfForm;
use sesshu_store::{NewSlot, SlotQuery};
use std::collections::BTreeMap;

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "mon"),
    (Weekday::Tue, "tue"),
    (Weekday::Wed, "wed"),
    (Weekday::Thu, "thu"),
    (Weekday::Fri, "fri"),
    (Weekday::Sat, "sat"),
    (Weekday::Sun, "sun"),
];

/// The form as posted: every field as text, so that a wrong one is shown
/// back as it was typed.
#[derive(Clone, Debug, Default)]
pub struct PlanForm {
    pub from: String,
    pub to: String,
    pub weekdays: Vec<String>,
    pub excluded: String,
    pub times: String,
    pub length: String,
    pub lanes: Vec<String>,
    pub capacity: String,
    pub vaccine: String,
    pub dose: String,
    pub institutions: Vec<String>,
    pub user_types: Vec<String>,
    pub opens_at: String,
}

impl PlanForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = PlanForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "from" => form.from = value,
                "to" => form.to = value,
                "weekday" => form.weekdays.push(value),
                "excluded" => form.excluded = value,
                "times" => form.times = value,
                "length" => form.length = value,
                "lane" => form.lanes.push(value),
                "capacity" => form.capacity = value,
                "vaccine" => form.vaccine = value,
                "dose" => form.dose = value,
                "institution" => form.institutions.push(value),
                "user_type" => form.user_types.push(value),
                "opens_at" => form.opens_at = value,
                _ => {}
            }
        }
        form
    }

    /// The same form as hidden fields (the preview's "create" button).
    fn hidden(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("excluded", self.excluded.clone()),
            ("times", self.times.clone()),
            ("length", self.length.clone()),
            ("capacity", self.capacity.clone()),
            ("vaccine", self.vaccine.clone()),
            ("dose", self.dose.clone()),
            ("opens_at", self.opens_at.clone()),
        ];
        out.extend(self.weekdays.iter().map(|v| ("weekday", v.clone())));
        out.extend(self.lanes.iter().map(|v| ("lane", v.clone())));
        out.extend(self.institutions.iter().map(|v| ("institution", v.clone())));
        out.extend(self.user_types.iter().map(|v| ("user_type", v.clone())));
        out
    }
}

/// A plan with what the form adds to it.
struct Parsed {
    plan: SlotPlan,
    eligibility: SlotEligibility,
    opens_at: DateTime<Utc>,
    venue: VenueId,
}

/// Reads the form; every problem in the person's language.
fn parse(form: &PlanForm, catalog: &Catalog, t: &Texts) -> Result<Parsed, Vec<String>> {
    let mut problems = Vec::new();
    let date = |s: &str, what: &str, problems: &mut Vec<String>| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| problems.push(format!("{what}{}{}", t.colon, t.slots_bad_date)))
            .ok()
    };
    let from = date(&form.from, t.slots_from, &mut problems);
    let to = date(&form.to, t.slots_to, &mut problems);
    let mut excluded = Vec::new();
    for line in form
        .excluded
        .split([',', '\n', ' '])
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match NaiveDate::parse_from_str(line, "%Y-%m-%d") {
            Ok(d) => excluded.push(d),
            Err(_) => problems.push(format!("{}{}{line}", t.slots_excluded, t.colon)),
        }
    }
    let mut times = Vec::new();
    for line in form.times.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let range = line.split_once(['-', '–', '〜', '~']).and_then(|(a, b)| {
            let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
            let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
            Some((a, b))
        });
        match range {
            Some(range) => times.push(range),
            None => problems.push(format!("{}{}{line}", t.slots_times, t.colon)),
        }
    }
    let number = |s: &str, what: &str, problems: &mut Vec<String>| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| problems.push(format!("{what}{}{}", t.colon, t.slots_bad_number)))
            .ok()
    };
    let length = number(&form.length, t.slots_length, &mut problems);
    let capacity = number(&form.capacity, t.slots_capacity, &mut problems);
    let weekdays: Vec<Weekday> = WEEKDAYS
        .iter()
        .filter(|(_, code)| form.weekdays.iter().any(|w| w == code))
        .map(|(d, _)| *d)
        .collect();
    let lanes: Vec<LaneId> = form
        .lanes
        .iter()
        .filter_map(|l| l.parse().ok().map(LaneId))
        .filter(|l| catalog.lane(*l).is_some())
        .collect();
    let venues: Vec<VenueId> = lanes
        .iter()
        .filter_map(|l| catalog.lane(*l).map(|lane| lane.venue))
        .collect();
    if venues.windows(2).any(|w| w[0] != w[1]) {
        problems.push(t.slots_one_venue.to_owned());
    }
    let vaccine = form
        .vaccine
        .parse()
        .ok()
        .map(VaccineId)
        .filter(|v| catalog.vaccine(*v).is_some());
    if vaccine.is_none() {
        problems.push(format!("{}{}{}", t.slots_vaccine, t.colon, t.slots_choose));
    }
    let dose = form
        .dose
        .parse::<u8>()
        .ok()
        .and_then(|d| DoseNumber::new(d).ok());
    if dose.is_none() {
        problems.push(format!("{}{}{}", t.dose, t.colon, t.slots_choose));
    }
    let opens_at = NaiveDateTime::parse_from_str(form.opens_at.trim(), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|at| TOKYO.from_local_datetime(&at).single())
        .map(|at| at.with_timezone(&Utc));
    if opens_at.is_none() {
        problems.push(format!(
            "{}{}{}",
            t.slots_opens_at, t.colon, t.slots_bad_date
        ));
    }
    let eligibility = SlotEligibility {
        institutions: form
            .institutions
            .iter()
            .filter_map(|i| i.parse().ok().map(InstitutionId))
            .collect(),
        user_types: form
            .user_types
            .iter()
            .filter_map(|u| UserType::parse(u).ok())
            .collect(),
    };
    let (
        Some(from),
        Some(to),
        Some(length),
        Some(capacity),
        Some(vaccine),
        Some(dose),
        Some(opens_at),
    ) = (from, to, length, capacity, vaccine, dose, opens_at)
    else {
        return Err(problems);
    };
    let plan = SlotPlan {
        from,
        to,
        weekdays,
        excluded: excluded.into_iter().collect(),
        times,
        length_minutes: length,
        lanes,
        capacity,
        vaccine,
        dose,
    };
    problems.extend(plan.problems().iter().map(|p| t.plan_problem(p)));
    match (problems.is_empty(), venues.first()) {
        (true, Some(venue)) => Ok(Parsed {
            plan,
            eligibility,
            opens_at,
            venue: *venue,
        }),
        _ => Err(problems),
    }
}

/// The planned slots that overlap existing ones, with the plan's slots.
async fn check(
    state: &OfficeState,
    parsed: &Parsed,
) -> Result<(Vec<PlannedSlot>, Vec<PlannedSlot>), OfficeError> {
    let slots = parsed.plan.slots();
    let (Some(first), Some(last)) = (slots.first(), slots.last()) else {
        return Ok((slots, Vec::new()));
    };
    let existing = state
        .store()
        .slots(&SlotQuery {
            venue: Some(parsed.venue),
            ..SlotQuery::between(first.starts_at, last.ends_at)
        })
        .await?;
    let conflicts = parsed.plan.conflicts(&existing);
    Ok((slots, conflicts))
}

#[derive(Template)]
#[template(path = "slots.html")]
struct FormPage {
    frame: Frame,
    t: &'static Texts,
    form: PlanForm,
    weekdays: Vec<(&'static str, &'static str, bool)>,
    /// (id, "venue – lane", checked)
    lanes: Vec<(i64, String, bool)>,
    vaccines: Vec<(i64, String, bool)>,
    institutions: Vec<(i64, String, bool)>,
    user_types: Vec<(&'static str, &'static str, bool)>,
    problems: Vec<String>,
    created: Option<String>,
    /// The preview: (day, slots), total, first, last; conflicts.
    preview: Option<Preview>,
    hidden: Vec<(&'static str, String)>,
}

#[derive(Debug)]
pub struct Preview {
    pub days: Vec<(String, usize)>,
    pub total: usize,
    pub first: String,
    pub last: String,
    pub conflicts: Vec<String>,
}

async fn form_page(
    state: &OfficeState,
    frame: Frame,
    form: PlanForm,
    problems: Vec<String>,
    preview: Option<Preview>,
    created: Option<String>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let catalog = state.store().catalog().await?;
    let institutions = state.store().institutions().await?;
    let hidden = if preview.as_ref().is_some_and(|p| p.conflicts.is_empty()) {
        form.hidden()
    } else {
        Vec::new()
    };
    html(FormPage {
        weekdays: WEEKDAYS
            .iter()
            .map(|(d, code)| {
                (
                    *code,
                    t.weekday(*d),
                    form.weekdays.iter().any(|w| w == code),
                )
            })
            .collect(),
        lanes: catalog
            .lanes
            .iter()
            .map(|l| {
                let venue = catalog
                    .venue(l.venue)
                    .map(|v| v.name(t.lang))
                    .unwrap_or_default();
                (
                    l.id.0,
                    format!("{venue} – {}", l.name(t.lang)),
                    form.lanes.contains(&l.id.to_string()),
                )
            })
            .collect(),
        vaccines: catalog
            .vaccines
            .iter()
            .map(|v| {
                (
                    v.id.0,
                    v.name(t.lang).to_owned(),
                    form.vaccine == v.id.to_string(),
                )
            })
            .collect(),
        institutions: institutions
            .iter()
            .map(|i| {
                (
                    i.id.0,
                    i.name(t.lang).to_owned(),
                    form.institutions.contains(&i.id.to_string()),
                )
            })
            .collect(),
        user_types: UserType::ALL
            .iter()
            .map(|u| {
                (
                    u.as_str(),
                    t.user_type(Some(*u)),
                    form.user_types.iter().any(|f| f == u.as_str()),
                )
            })
            .collect(),
        form,
        problems,
        created,
        preview,
        hidden,
        frame,
        t,
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    created: Option<usize>,
}

/// The empty form: next week's weekdays, 09:00–12:00 and 13:00–17:00 in
/// 30-minute slots, booking open from now.
pub async fn new(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<NewQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let now = state.clock().now();
    let today = sesshu_domain::tokyo_day(now);
    let form = PlanForm {
        from: (today + chrono::Days::new(7))
            .format("%Y-%m-%d")
            .to_string(),
        to: (today + chrono::Days::new(11))
            .format("%Y-%m-%d")
            .to_string(),
        weekdays: WEEKDAYS[..5].iter().map(|(_, c)| (*c).to_owned()).collect(),
        times: "09:00-12:00\n13:00-17:00".into(),
        length: "30".into(),
        capacity: "8".into(),
        dose: "1".into(),
        opens_at: now
            .with_timezone(&TOKYO)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        ..PlanForm::default()
    };
    let created = query.created.map(|n| frame.t.slots_created(n));
    form_page(&state, frame, form, Vec::new(), None, created).await
}

/// What the plan would make, or what is wrong with it.
pub async fn preview(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let form = PlanForm::from_pairs(pairs);
    let catalog = state.store().catalog().await?;
    let parsed = match parse(&form, &catalog, frame.t) {
        Ok(parsed) => parsed,
        Err(problems) => return form_page(&state, frame, form, problems, None, None).await,
    };
    let (slots, conflicts) = check(&state, &parsed).await?;
    let t = frame.t;
    let mut days: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for s in &slots {
        *days
            .entry(sesshu_domain::tokyo_day(s.starts_at))
            .or_default() += 1;
    }
    let lane_name = |lane: LaneId| {
        catalog
            .lane(lane)
            .map(|l| l.name(t.lang).to_owned())
            .unwrap_or_default()
    };
    let preview = Preview {
        days: days
            .into_iter()
            .map(|(d, n)| {
                (
                    format!(
                        "{} ({})",
                        d.format("%Y-%m-%d"),
                        t.weekday(chrono::Datelike::weekday(&d))
                    ),
                    n,
                )
            })
            .collect(),
        total: slots.len(),
        first: slots
            .first()
            .map(|s| t.time(s.starts_at))
            .unwrap_or_default(),
        last: slots
            .last()
            .map(|s| t.time(s.starts_at))
            .unwrap_or_default(),
        conflicts: conflicts
            .iter()
            .take(50)
            .map(|c| format!("{} {}", t.time(c.starts_at), lane_name(c.lane)))
            .collect(),
    };
    form_page(&state, frame, form, Vec::new(), Some(preview), None).await
}

/// Creates the plan's slots, all or none, audited as `slots.create`.
pub async fn create(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let form = PlanForm::from_pairs(pairs);
    let catalog = state.store().catalog().await?;
    let parsed = match parse(&form, &catalog, frame.t) {
        Ok(parsed) => parsed,
        Err(problems) => return form_page(&state, frame, form, problems, None, None).await,
    };
    let (slots, conflicts) = check(&state, &parsed).await?;
    if !conflicts.is_empty() {
        // Someone made slots there meanwhile: nothing is created.
        let problems = vec![frame.t.slots_conflict.to_owned()];
        return form_page(&state, frame, form, problems, None, None).await;
    }
    let new: Vec<NewSlot> = slots
        .iter()
        .map(|s| NewSlot {
            venue: parsed.venue,
            lane: s.lane,
            vaccine: parsed.plan.vaccine,
            dose: parsed.plan.dose,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            capacity: parsed.plan.capacity,
            opens_at: parsed.opens_at,
            eligibility: parsed.eligibility.clone(),
        })
        .collect();
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::SlotsCreate,
        vec![
            AuditObject::Venue(parsed.venue),
            AuditObject::Vaccine(parsed.plan.vaccine),
        ],
        format!(
            "{} slots, dose {}, {}..{}, capacity {}",
            new.len(),
            parsed.plan.dose.get(),
            parsed.plan.from,
            parsed.plan.to,
            parsed.plan.capacity
        ),
    );
    let ids = state.store().create_slots(&new, &entry).await?;
    Ok(Redirect::to(&format!("/slots/new?created={}", ids.len())).into_response())
}

/// A slot as the day's list shows it.
#[derive(Debug)]
pub struct SlotRow {
    pub id: i64,
    pub time: String,
    pub lane: String,
    pub dose: u8,
    pub booked: u32,
    pub capacity: u32,
    pub closed: bool,
}

#[derive(Template)]
#[template(path = "slot_day.html")]
struct DayPage {
    frame: Frame,
    t: &'static Texts,
    day: String,
    venues: Vec<(i64, String, bool)>,
    rows: Vec<SlotRow>,
    /// A slot of it was just deleted.
    deleted: bool,
    venue: Option<i64>,
    /// Each institution's quota that day: id, name, value (empty: none),
    /// places its people hold.
    quotas: Vec<(i64, String, String, u32)>,
    quotas_saved: bool,
    quota_problem: Option<String>,
}

#[derive(Deserialize)]
pub struct DayQuery {
    day: Option<String>,
    venue: Option<i64>,
    deleted: Option<u8>,
    quotas: Option<u8>,
    /// A quota refused: the institution, and what its people hold.
    below: Option<String>,
}

/// The slots of a day at a venue, with their places taken.
pub async fn day(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<DayQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let t = frame.t;
    let catalog = state.store().catalog().await?;
    let day = query
        .day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| sesshu_domain::tokyo_day(state.clock().now()));
    let venue = query
        .venue
        .map(VenueId)
        .or_else(|| catalog.venues.first().map(|v| v.id));
    let mut rows = Vec::new();
    if let Some(venue) = venue {
        let next = day.succ_opt().unwrap_or(day);
        let slots = state
            .store()
            .slots(&SlotQuery {
                venue: Some(venue),
                include_closed: true,
                ..SlotQuery::between(
                    sesshu_domain::day_start(day),
                    sesshu_domain::day_start(next),
                )
            })
            .await?;
        rows = slots
            .iter()
            .map(|s| SlotRow {
                id: s.id.0,
                time: s
                    .starts_at
                    .with_timezone(&TOKYO)
                    .format("%H:%M")
                    .to_string(),
                lane: catalog
                    .lane(s.lane)
                    .map(|l| l.name(t.lang).to_owned())
                    .unwrap_or_default(),
                dose: s.dose.get(),
                booked: s.booked,
                capacity: s.capacity,
                closed: s.closed,
            })
            .collect();
    }
    let mut quotas = Vec::new();
    let mut quota_problem = None;
    if let Some(venue) = venue {
        let set = state.store().day_quotas(venue, day).await?;
        for institution in state.store().institutions().await? {
            let current = set.iter().find(|(i, ..)| *i == institution.id);
            quotas.push((
                institution.id.0,
                institution.name(t.lang).to_owned(),
                current
                    .map(|(_, places, _)| places.to_string())
                    .unwrap_or_default(),
                current.map_or(0, |(.., held)| *held),
            ));
            if let Some((id, held)) = query.below.as_deref().and_then(|b| b.split_once(':'))
                && id == institution.id.0.to_string()
            {
                quota_problem = Some(t.slot_quota_below(institution.name(t.lang), held));
            }
        }
    }
    html(DayPage {
        venue: venue.map(|v| v.0),
        quotas,
        quotas_saved: query.quotas.is_some(),
        quota_problem,
        deleted: query.deleted.is_some(),
        venues: catalog
            .venues
            .iter()
            .map(|v| (v.id.0, v.name(t.lang).to_owned(), Some(v.id) == venue))
            .collect(),
        day: day.format("%Y-%m-%d").to_string(),
        rows,
        frame,
        t,
    })
}

#[derive(Template)]
#[template(path = "slot_edit.html")]
struct EditPage {
    frame: Frame,
    t: &'static Texts,
    id: i64,
    when: String,
    place: String,
    booked: u32,
    capacity: u32,
    closed: bool,
    institutions: Vec<(i64, String, bool)>,
    user_types: Vec<(&'static str, &'static str, bool)>,
    /// Each institution's quota field: id, name, value (empty: none).
    quotas: Vec<(i64, String, String)>,
    problem: Option<String>,
    done: bool,
    /// Back to the slot's day.
    day_link: String,
    /// Where its people may move (when it has any): the day shown, the times.
    move_day: String,
    times: Vec<super::reservations::TimeOption>,
    /// What moving them did.
    report: Option<String>,
}

#[derive(Deserialize)]
pub struct EditQuery {
    done: Option<String>,
    day: Option<String>,
    moved: Option<usize>,
    failed: Option<String>,
}

async fn edit_page(
    state: &OfficeState,
    frame: Frame,
    slot: sesshu_domain::SlotId,
    problem: Option<String>,
    query: &EditQuery,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let slot = state
        .store()
        .slot(slot)
        .await?
        .ok_or(OfficeError::NotFound)?;
    let catalog = state.store().catalog().await?;
    let move_day = query
        .day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| sesshu_domain::tokyo_day(slot.starts_at));
    let times = if slot.booked > 0 {
        super::reservations::time_options(
            state,
            t,
            &catalog,
            slot.vaccine,
            slot.dose,
            move_day,
            Some(slot.id),
        )
        .await?
    } else {
        Vec::new()
    };
    let report = query.moved.map(|n| {
        let failed = query.failed.clone().unwrap_or_default();
        if failed.is_empty() {
            t.slot_moved(n)
        } else {
            format!(
                "{} {}{}{failed}",
                t.slot_moved(n),
                t.slot_not_moved,
                t.colon
            )
        }
    });
    let institutions = state.store().institutions().await?;
    let venue = catalog
        .venue(slot.venue)
        .map(|v| v.name(t.lang))
        .unwrap_or_default();
    let lane = catalog
        .lane(slot.lane)
        .map(|l| l.name(t.lang))
        .unwrap_or_default();
    html(EditPage {
        id: slot.id.0,
        when: format!(
            "{} – {}",
            t.time(slot.starts_at),
            slot.ends_at.with_timezone(&TOKYO).format("%H:%M")
        ),
        place: format!("{venue} {lane}（{}{}）", t.dose, slot.dose.get()),
        booked: slot.booked,
        capacity: slot.capacity,
        closed: slot.closed,
        institutions: institutions
            .iter()
            .map(|i| {
                (
                    i.id.0,
                    i.name(t.lang).to_owned(),
                    slot.eligibility.institutions.contains(&i.id),
                )
            })
            .collect(),
        user_types: UserType::ALL
            .iter()
            .map(|u| {
                (
                    u.as_str(),
                    t.user_type(Some(*u)),
                    slot.eligibility.user_types.contains(u),
                )
            })
            .collect(),
        quotas: institutions
            .iter()
            .map(|i| {
                (
                    i.id.0,
                    i.name(t.lang).to_owned(),
                    slot.quotas
                        .get(&i.id)
                        .map(|q| q.places.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        problem,
        done: query.done.is_some(),
        move_day: move_day.format("%Y-%m-%d").to_string(),
        times,
        report,
        day_link: format!(
            "/slots?day={}&venue={}",
            sesshu_domain::tokyo_day(slot.starts_at).format("%Y-%m-%d"),
            slot.venue
        ),
        frame,
        t,
    })
}

/// One slot: its places taken, and the form that changes it.
pub async fn edit(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    axum::extract::Path(slot): axum::extract::Path<i64>,
    Query(query): Query<EditQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    edit_page(&state, frame, sesshu_domain::SlotId(slot), None, &query).await
}

/// Sets the quotas of a day at a venue (never below what an institution's
/// people hold there that day), audited.
pub async fn day_quotas(
    State(state): State<OfficeState>,
    staff: crate::signed_in::Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let venue = VenueId(
        value("venue")
            .parse()
            .map_err(|_| OfficeError::BadRequest)?,
    );
    let day = NaiveDate::parse_from_str(&value("day"), "%Y-%m-%d")
        .map_err(|_| OfficeError::BadRequest)?;
    let mut quotas = std::collections::BTreeMap::new();
    for (key, value) in &pairs {
        let Some(id) = key.strip_prefix("quota_") else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let (Ok(id), Ok(places)) = (id.parse::<i64>(), value.trim().parse::<u32>()) else {
            return Err(OfficeError::BadRequest);
        };
        quotas.insert(InstitutionId(id), places);
    }
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::SlotsDayQuotas,
        vec![AuditObject::Venue(venue)],
        format!(
            "{day}: {}",
            quotas
                .iter()
                .map(|(i, n)| format!("{i}:{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    let back = format!("/slots?day={day}&venue={venue}");
    match state
        .store()
        .set_day_quotas(venue, day, &quotas, &entry)
        .await?
    {
        sesshu_store::SlotChanged::QuotaBelowHeld(institution, held) => {
            Ok(Redirect::to(&format!("{back}&below={institution}:{held}")).into_response())
        }
        _ => Ok(Redirect::to(&format!("{back}&quotas=1")).into_response()),
    }
}

/// Deletes a slot nobody holds or held a place in (checked under its row
/// lock); otherwise says why, and the slot stays.
pub async fn delete(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    axum::extract::Path(slot): axum::extract::Path<i64>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let t = frame.t;
    let slot = state
        .store()
        .slot(sesshu_domain::SlotId(slot))
        .await?
        .ok_or(OfficeError::NotFound)?;
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::SlotDelete,
        vec![AuditObject::Slot(slot.id), AuditObject::Venue(slot.venue)],
        format!(
            "{}, dose {}, capacity {}",
            t.time(slot.starts_at),
            slot.dose.get(),
            slot.capacity
        ),
    );
    let problem = match state.store().delete_slot(slot.id, &entry).await? {
        sesshu_store::SlotDeleted::Deleted => {
            let day = sesshu_domain::tokyo_day(slot.starts_at);
            return Ok(
                Redirect::to(&format!("/slots?day={day}&venue={}&deleted=1", slot.venue))
                    .into_response(),
            );
        }
        sesshu_store::SlotDeleted::HasBookings(n) => t.slot_delete_has_bookings(n),
        sesshu_store::SlotDeleted::HasHistory(n) => t.slot_delete_has_history(n),
    };
    edit_page(&state, frame, slot.id, Some(problem), &no_query()).await
}

/// Changes capacity, closing and eligibility; never below the places
/// booked, never closing a slot with bookings (its people move first).
pub async fn update(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    axum::extract::Path(slot): axum::extract::Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let slot = sesshu_domain::SlotId(slot);
    let t = frame.t;
    fn field<'a>(pairs: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
        pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    let field = |name: &'static str| field(&pairs, name);
    let Some(capacity) = field("capacity")
        .next()
        .and_then(|c| c.trim().parse::<u32>().ok())
        .filter(|c| *c <= 1000)
    else {
        let problem = format!("{}{}{}", t.slots_capacity, t.colon, t.slots_bad_number);
        return edit_page(&state, frame, slot, Some(problem), &no_query()).await;
    };
    let mut quotas = std::collections::BTreeMap::new();
    for (key, value) in &pairs {
        let Some(id) = key.strip_prefix("quota_") else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        match (id.parse::<i64>(), value.trim().parse::<u32>()) {
            (Ok(id), Ok(places)) if places <= 1000 => {
                quotas.insert(InstitutionId(id), places);
            }
            _ => {
                let problem = format!("{}{}{}", t.slot_quotas, t.colon, t.slots_bad_number);
                return edit_page(&state, frame, slot, Some(problem), &no_query()).await;
            }
        }
    }
    let change = sesshu_store::SlotChange {
        quotas,
        capacity,
        closed: field("closed").next().is_some(),
        eligibility: SlotEligibility {
            institutions: field("institution")
                .filter_map(|i| i.parse().ok().map(InstitutionId))
                .collect(),
            user_types: field("user_type")
                .filter_map(|u| UserType::parse(u).ok())
                .collect(),
        },
    };
    let outcome =
        sesshu_operations::slots::change_slot(state.operations(), &staff.actor(), slot, &change)
            .await?;
    match outcome {
        sesshu_store::SlotChanged::Done => {
            Ok(Redirect::to(&format!("/slots/{slot}?done=1")).into_response())
        }
        sesshu_store::SlotChanged::BelowBooked(n) => {
            let problem = t.slot_below_booked(n);
            edit_page(&state, frame, slot, Some(problem), &no_query()).await
        }
        sesshu_store::SlotChanged::HasBookings(n) => {
            let problem = t.slot_has_bookings(n);
            edit_page(&state, frame, slot, Some(problem), &no_query()).await
        }
        sesshu_store::SlotChanged::QuotaBelowHeld(institution, n) => {
            let name = state
                .store()
                .institution(institution)
                .await?
                .map(|i| i.name(t.lang).to_owned())
                .unwrap_or_default();
            let problem = t.slot_quota_below(&name, n);
            edit_page(&state, frame, slot, Some(problem), &no_query()).await
        }
    }
}

fn no_query() -> EditQuery {
    EditQuery {
        done: None,
        day: None,
        moved: None,
        failed: None,
    }
}

#[derive(Deserialize)]
pub struct MovePeopleForm {
    target: Option<i64>,
    reason: String,
}

/// Moves everyone holding this slot to `target` (the same dose), one
/// reservation at a time, each with its audit entry and the usual mail;
/// says how many moved and which could not (the slot can then be closed).
pub async fn move_people(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    axum::extract::Path(slot): axum::extract::Path<i64>,
    CsrfForm(form): CsrfForm<MovePeopleForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    staff.may(Duty::ChangeReservations, Scope::Any)?;
    let t = frame.t;
    let slot = state
        .store()
        .slot(sesshu_domain::SlotId(slot))
        .await?
        .ok_or(OfficeError::NotFound)?;
    let Some(target) = form.target.map(sesshu_domain::SlotId) else {
        let problem = t.office_move_choose.to_owned();
        return edit_page(&state, frame, slot.id, Some(problem), &no_query()).await;
    };
    let Some(reason) = super::reservations::reason(&form.reason) else {
        let problem = t.office_cancel_reason_needed.to_owned();
        return edit_page(&state, frame, slot.id, Some(problem), &no_query()).await;
    };
    let holders: Vec<sesshu_domain::Series> = state
        .store()
        .series_at(slot.venue, slot.starts_at, slot.ends_at)
        .await?
        .into_iter()
        .filter(|s| s.doses.iter().any(|d| d.slot == slot.id))
        .collect();
    let (mut moved, mut failed) = (0, Vec::new());
    for series in holders {
        let Some(person) = state.store().person(series.person).await? else {
            continue;
        };
        let Some(institution) = state.store().institution(person.institution).await? else {
            continue;
        };
        let language = state.bookings().last_language(series.id).await?;
        let entry = staff.audit(
            state.clock().now(),
            sesshu_domain::AuditAction::ReservationMove,
            vec![
                AuditObject::Series(series.id),
                AuditObject::Slot(target),
                AuditObject::Institution(person.institution),
            ],
            format!("reason: slot {} emptied: {reason}", slot.id),
        );
        let who = sesshu_domain::booking::Booker::office(&person, &institution);
        match state
            .bookings()
            .change_on_behalf(who, &series.number, target, language, entry)
            .await
        {
            Ok(_) => moved += 1,
            Err(sesshu_core::BookingError::Rejected(r)) => {
                failed.push(format!("{} ({})", series.number, r.message(t.lang)));
            }
            Err(e) => {
                tracing::error!(error = %e, "moving a slot's people failed");
                failed.push(series.number.to_string());
            }
        }
    }
    let query =
        serde_urlencoded::to_string([("moved", moved.to_string()), ("failed", failed.join(", "))])
            .unwrap_or_default();
    Ok(Redirect::to(&format!("/slots/{}?{query}", slot.id)).into_response())
}
