//! The reservation search: a number goes straight to its reservation;
//! otherwise filters by institution, day, slot, state and name.

use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::{Frame, StaffPage, html};
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{Duty, InstitutionId, ReservationNumber, Scope, SeriesState, SlotId};
use sesshu_http::CsrfForm;
use sesshu_operations::reference;
use sesshu_operations::reservations::{self, SEARCH_LIMIT, SearchFilter};

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

/// The search page, and its results once searched by the filters of the
/// query string; a name is never taken from a URL (it would stay in the
/// browser's history and a proxy's access log): it comes by POST.
pub async fn search(
    State(state): State<OfficeState>,
    page: StaffPage,
    Query(query): Query<SearchQuery>,
) -> Result<Response, OfficeError> {
    let query = SearchQuery {
        name: None,
        ..query
    };
    search_page(&state, page, query).await
}

/// The search sent by the page's form (POST, CSRF): the filters and the
/// name.
pub async fn search_posted(
    State(state): State<OfficeState>,
    page: StaffPage,
    CsrfForm(query): CsrfForm<SearchQuery>,
) -> Result<Response, OfficeError> {
    search_page(&state, page, query).await
}

async fn search_page(
    state: &OfficeState,
    StaffPage { staff, frame }: StaffPage,
    query: SearchQuery,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ViewReservations, Scope::Any)?;
    let t = frame.t;
    let number = query.number.clone().unwrap_or_default();
    if let Ok(parsed) = ReservationNumber::parse(number.trim()) {
        return Ok(Redirect::to(&format!("/reservations/{parsed}")).into_response());
    }
    let visible = crate::pages::institutions_for(state, &staff, Duty::ViewReservations).await?;
    // Roles bound to no institution (operators, system administrators)
    // may search them all at once; institution staff search their own.
    let all_institutions = staff.account.role.institution().is_none();
    let chosen = query
        .institution
        .as_deref()
        .and_then(|i| i.parse::<i64>().ok())
        .map(InstitutionId::new);
    if let Some(id) = chosen {
        staff.may(Duty::ViewReservations, Scope::Institution(id))?;
    }
    let filter = SearchFilter {
        institution: chosen,
        day: query
            .day
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        slot: query
            .slot
            .as_deref()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .map(SlotId::new),
        state: query
            .state
            .as_deref()
            .and_then(|s| SeriesState::parse(s).ok()),
        name: query.name.clone().unwrap_or_default().trim().to_owned(),
    };
    let (results, more, show_names) = if query.search.is_some() {
        let found =
            reservations::search(state.operations(), state.keys(), &staff.actor(), &filter).await?;
        let catalog = reference::catalog(state.operations()).await?;
        let rows = found
            .reservations
            .into_iter()
            .map(|found| FoundRow {
                number: found.series.number.to_string(),
                institution: visible
                    .iter()
                    .find(|i| i.id == found.institution)
                    .map(|i| i.name(t.lang).to_owned())
                    .unwrap_or_default(),
                state: t.state(found.series.state),
                doses: found
                    .series
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
                name: found.name.unwrap_or_default(),
            })
            .collect();
        let more = found.more.then(|| t.search_more(SEARCH_LIMIT));
        (Some(rows), more, !filter.name.is_empty())
    } else {
        (None, None, false)
    };
    html(SearchPage {
        institutions: visible
            .iter()
            .map(|i| (i.id.get(), i.name(t.lang).to_owned()))
            .collect(),
        filter_institutions: visible
            .iter()
            .map(|i| (i.id.get(), i.name(t.lang).to_owned(), Some(i.id) == chosen))
            .collect(),
        all_institutions,
        day: filter
            .day
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        slot: filter.slot.map(|s| s.get().to_string()).unwrap_or_default(),
        states: [SeriesState::Booked, SeriesState::Cancelled]
            .into_iter()
            .map(|s| (s.as_str(), t.state(s), Some(s) == filter.state))
            .collect(),
        name: filter.name,
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
