//! The no-show cancellation (未接種者予約取消): choose a day (yesterday
//! unless told) and a venue, see the reservations of that day nobody
//! checked in, per venue and institution with their counts, confirm, and
//! see what was cancelled and what was not. The rules are
//! `sesshu_operations::noshows`; `sesshu noshows` is the same from the
//! command line.

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use sesshu_domain::{Catalog, DoseNumber, Duty, Institution, Scope, VenueId, tokyo_day};
use sesshu_http::CsrfForm;
use sesshu_operations::noshows::{self, Cancelling, Listing, NoShow, NoShowGroup};
use sesshu_operations::reference;

/// One reservation of a group.
#[derive(Debug)]
pub struct NoShowRow {
    pub time: String,
    pub number: String,
    pub dose: u8,
    pub effect: &'static str,
    /// Why it was not cancelled (the result's skipped ones).
    pub why: &'static str,
}

/// One venue and institution.
#[derive(Debug)]
pub struct GroupView {
    pub heading: String,
    pub rows: Vec<NoShowRow>,
}

#[derive(Template)]
#[template(path = "noshows.html")]
struct NoShowsPage {
    frame: Frame,
    t: &'static Texts,
    day: String,
    /// The venue chosen, `""` for all.
    venue: String,
    venues: Vec<(i64, String, bool)>,
    /// The day's last slot has not ended: from then on.
    not_yet: Option<String>,
    /// The list (before) or what was cancelled (after).
    groups: Vec<GroupView>,
    per_venue: Vec<(String, usize)>,
    count: usize,
    /// After the confirmation: `groups` and `count` are what was cancelled.
    done: bool,
    skipped: Vec<NoShowRow>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NoShowsQuery {
    day: Option<String>,
    venue: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    day: String,
    #[serde(default)]
    venue: String,
}

/// The day's list, with the confirmation when there is something to cancel.
pub async fn page(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<NoShowsQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ChangeReservations, Scope::Any)?;
    let ops = state.operations();
    let today = tokyo_day(ops.now());
    let day = match query.day.as_deref() {
        None | Some("") => today.checked_sub_days(Days::new(1)).unwrap_or(today),
        Some(d) => parse_day(d)?,
    };
    let venue = parse_venue(query.venue.as_deref())?;
    let listing = noshows::list(ops, &staff.actor(), day, venue).await?;
    let names = Names::read(&state, frame.t).await?;
    let mut page = names.page(frame, day, venue);
    match listing {
        Listing::NotYet(from) => page.not_yet = Some(names.t.noshows_not_yet(from)),
        Listing::Ready(list) => {
            page.count = list.count();
            page.per_venue = list
                .per_venue()
                .into_iter()
                .map(|(v, n)| (names.venue(v), n))
                .collect();
            page.groups = list.groups.iter().map(|g| names.group(g)).collect();
        }
    }
    html(page)
}

/// Reads the day again and cancels its no-shows in one transaction; shows
/// what was done.
pub async fn cancel(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ChangeReservations, Scope::Any)?;
    let day = parse_day(&form.day)?;
    let venue = parse_venue(Some(&form.venue))?;
    let outcome = noshows::cancel(state.operations(), &staff.actor(), day, venue).await?;
    let names = Names::read(&state, frame.t).await?;
    let mut page = names.page(frame, day, venue);
    match outcome {
        Cancelling::NotYet(from) => page.not_yet = Some(names.t.noshows_not_yet(from)),
        Cancelling::Done(done) => {
            page.done = true;
            page.count = done.count();
            page.groups = done.cancelled.iter().map(|g| names.group(g)).collect();
            page.skipped = done
                .skipped
                .iter()
                .map(|(n, why)| NoShowRow {
                    why: names.t.noshows_skip(*why),
                    ..names.row(n)
                })
                .collect();
        }
    }
    html(page)
}

fn parse_day(text: &str) -> Result<NaiveDate, OfficeError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| OfficeError::BadRequest)
}

/// A venue's id, or none (every venue) when empty.
fn parse_venue(text: Option<&str>) -> Result<Option<VenueId>, OfficeError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(id) => id.parse().map(Some).map_err(|_| OfficeError::BadRequest),
    }
}

/// What the page names things by: venues and institutions.
struct Names {
    t: &'static Texts,
    catalog: Catalog,
    institutions: Vec<Institution>,
}

impl Names {
    async fn read(state: &OfficeState, t: &'static Texts) -> Result<Self, OfficeError> {
        let ops = state.operations();
        Ok(Self {
            t,
            catalog: reference::catalog(ops).await?,
            institutions: reference::institutions(ops).await?,
        })
    }

    /// The page with its form filled and nothing listed yet.
    fn page(&self, frame: Frame, day: NaiveDate, venue: Option<VenueId>) -> NoShowsPage {
        NoShowsPage {
            day: day.format("%Y-%m-%d").to_string(),
            venue: venue.map(|v| v.to_string()).unwrap_or_default(),
            venues: self
                .catalog
                .venues
                .iter()
                .map(|v| {
                    (
                        v.id.get(),
                        v.name(self.t.lang).to_owned(),
                        Some(v.id) == venue,
                    )
                })
                .collect(),
            not_yet: None,
            groups: Vec::new(),
            per_venue: Vec::new(),
            count: 0,
            done: false,
            skipped: Vec::new(),
            frame,
            t: self.t,
        }
    }

    fn venue(&self, venue: VenueId) -> String {
        self.catalog
            .venue(venue)
            .map(|v| v.name(self.t.lang).to_owned())
            .unwrap_or_else(|| venue.to_string())
    }

    fn group(&self, g: &NoShowGroup) -> GroupView {
        let institution = self
            .institutions
            .iter()
            .find(|i| i.id == g.institution)
            .map(|i| i.name(self.t.lang).to_owned())
            .unwrap_or_default();
        let first = g.of_dose(DoseNumber::FIRST);
        GroupView {
            heading: self.t.noshows_group(
                &self.venue(g.venue),
                &institution,
                first,
                g.count() - first,
            ),
            rows: g.noshows.iter().map(|n| self.row(n)).collect(),
        }
    }

    fn row(&self, n: &NoShow) -> NoShowRow {
        NoShowRow {
            time: n
                .starts_at()
                .map(|at| {
                    at.with_timezone(&sesshu_domain::TOKYO)
                        .format("%H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            number: n.series.number.to_string(),
            dose: n.dose.get(),
            effect: if n.dose == DoseNumber::FIRST {
                self.t.noshows_effect_first
            } else {
                self.t.noshows_effect_second
            },
            why: "",
        }
    }
}
