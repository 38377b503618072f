//! The lot register of a venue (ロット管理): the lots of vaccine it uses,
//! with the doses given from each and what is left, expired and used-up
//! lots marked; and registering one (lot number, product, expiry, doses).
//! Venue staff see their own venue; operators and system administrators
//! choose one. The work is done by `sesshu_operations::vaccination`.

use super::checkin::{error_text, refusal_code};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::{Duty, LotNumber, Scope, VaccineId, VenueId, tokyo_day};
use sesshu_http::CsrfForm;
use sesshu_operations::OperationError;
use sesshu_operations::{reference, vaccination};
use sesshu_store::{NewLot, StoreError};

/// The most doses one lot is registered with.
const MAX_DOSES: u32 = 100_000;

/// A lot as the register lists it.
#[derive(Debug)]
pub struct LotRow {
    pub number: String,
    pub vaccine: String,
    pub expires_on: String,
    pub doses: u32,
    pub used: u32,
    pub left: u32,
    /// In use, expired or used up: its label, and whether it gives doses.
    pub state: (&'static str, bool),
}

#[derive(Template)]
#[template(path = "lots.html")]
struct LotsPage {
    frame: Frame,
    t: &'static Texts,
    /// The venues to choose from (none for venue staff): id, name, chosen.
    venues: Vec<(i64, String, bool)>,
    venue: i64,
    venue_name: String,
    lots: Vec<LotRow>,
    vaccines: Vec<(i64, String)>,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LotsQuery {
    venue: Option<VenueId>,
    done: Option<String>,
    error: Option<String>,
}

/// The venue whose register `staff` works on: the one chosen (venue staff
/// of another venue are then refused by the operation), else their own,
/// else the first.
fn venue_of(staff: &Staff, chosen: Option<VenueId>, first: Option<VenueId>) -> Option<VenueId> {
    chosen.or(staff.account.role.venue()).or(first)
}

/// A venue's lots and the form to register one.
pub async fn list(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<LotsQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let t = frame.t;
    let ops = state.operations();
    let catalog = reference::catalog(ops).await?;
    let venue = venue_of(&staff, query.venue, catalog.venues.first().map(|v| v.id))
        .ok_or(OfficeError::NotFound)?;
    let lots = vaccination::lots(ops, &staff.actor(), venue).await?;
    let today = tokyo_day(ops.now());
    let vaccine_name = |id: VaccineId| {
        catalog
            .vaccine(id)
            .map_or_else(|| id.to_string(), |v| v.name(t.lang).to_owned())
    };
    html(LotsPage {
        venues: if staff.account.role.venue().is_some() {
            Vec::new()
        } else {
            catalog
                .venues
                .iter()
                .map(|v| (v.id.get(), v.name(t.lang).to_owned(), v.id == venue))
                .collect()
        },
        venue: venue.get(),
        venue_name: catalog
            .venue(venue)
            .map_or_else(String::new, |v| v.name(t.lang).to_owned()),
        lots: lots
            .iter()
            .map(|lot| LotRow {
                number: lot.number.to_string(),
                vaccine: vaccine_name(lot.vaccine),
                expires_on: lot.expires_on.format("%Y-%m-%d").to_string(),
                doses: lot.doses,
                used: lot.used,
                left: lot.left(),
                state: if lot.expires_on < today {
                    (t.lot_expired, false)
                } else if lot.left() == 0 {
                    (t.lot_empty, false)
                } else {
                    (t.lot_usable, true)
                },
            })
            .collect(),
        vaccines: catalog
            .vaccines
            .iter()
            .map(|v| (v.id.get(), v.name(t.lang).to_owned()))
            .collect(),
        notice: (query.done.as_deref() == Some("registered")).then_some(t.lot_registered),
        error: query.error.as_deref().and_then(|code| error_text(t, code)),
        frame,
        t,
    })
}

#[derive(Deserialize)]
pub struct LotForm {
    venue: Option<VenueId>,
    #[serde(default)]
    number: String,
    #[serde(default)]
    vaccine: String,
    #[serde(default)]
    expires_on: String,
    #[serde(default)]
    doses: String,
}

/// Registers a lot at the venue, then back to its register.
pub async fn register(
    State(state): State<OfficeState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<LotForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let venue = venue_of(&staff, form.venue, None).ok_or(OfficeError::BadRequest)?;
    // The venue first: staff of another venue learn nothing of the form.
    staff.may(Duty::CheckIn, Scope::Venue(venue))?;
    let back =
        |what: &str| Ok(Redirect::to(&format!("/lots?venue={venue}&{what}")).into_response());
    let Ok(number) = LotNumber::parse(&form.number) else {
        return back("error=lot_number");
    };
    let Ok(vaccine) = form.vaccine.trim().parse::<VaccineId>() else {
        return back("error=vaccine");
    };
    let Ok(expires_on) = NaiveDate::parse_from_str(form.expires_on.trim(), "%Y-%m-%d") else {
        return back("error=expires");
    };
    let doses = match form.doses.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_DOSES).contains(&n) => n,
        _ => return back("error=doses"),
    };
    let lot = NewLot {
        venue,
        vaccine,
        number,
        expires_on,
        doses,
    };
    match vaccination::register_lot(state.operations(), &staff.actor(), lot).await {
        Ok(_) => back("done=registered"),
        Err(OperationError::Store(StoreError::DoseRefused(refusal))) => {
            back(&format!("error={}", refusal_code(refusal)))
        }
        Err(e) => Err(e.into()),
    }
}
