//! The generator's pages: the form, a preview that says what would be made
//! (or everything that is wrong, including overlaps with slots that exist),
//! and the creation of all of them (`sesshu_operations::slots`).

use super::plan_form::{PlanForm, WEEKDAYS, parse};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::{Frame, StaffPage, html};
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::{Duty, LaneId, Scope, TOKYO, UserType};
use sesshu_http::CsrfForm;
use sesshu_operations::reference;
use sesshu_operations::slots::{PlannedSlots, SlotsCreated, create_slots, plan_slots};
use std::collections::BTreeMap;

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
    let catalog = reference::catalog(state.operations()).await?;
    let institutions = reference::institutions(state.operations()).await?;
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
                    l.id.get(),
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
                    v.id.get(),
                    v.name(t.lang).to_owned(),
                    form.vaccine == v.id.to_string(),
                )
            })
            .collect(),
        institutions: institutions
            .iter()
            .map(|i| {
                (
                    i.id.get(),
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
    let now = state.operations().now();
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
    // The role first: a refused role's form is not read.
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let form = PlanForm::from_pairs(pairs);
    let catalog = reference::catalog(state.operations()).await?;
    let generation = match parse(&form, &catalog, frame.t) {
        Ok(generation) => generation,
        Err(problems) => return form_page(&state, frame, form, problems, None, None).await,
    };
    let PlannedSlots { slots, conflicts } =
        plan_slots(state.operations(), &staff.actor(), &generation).await?;
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
    // The role first: a refused role's form is not read.
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let form = PlanForm::from_pairs(pairs);
    let catalog = reference::catalog(state.operations()).await?;
    let generation = match parse(&form, &catalog, frame.t) {
        Ok(generation) => generation,
        Err(problems) => return form_page(&state, frame, form, problems, None, None).await,
    };
    match create_slots(state.operations(), &staff.actor(), &generation).await? {
        SlotsCreated::Created(n) => {
            Ok(Redirect::to(&format!("/slots/new?created={n}")).into_response())
        }
        SlotsCreated::Conflicts(_) => {
            // Someone made slots there meanwhile: nothing is created.
            let problems = vec![frame.t.slots_conflict.to_owned()];
            form_page(&state, frame, form, problems, None, None).await
        }
    }
}
