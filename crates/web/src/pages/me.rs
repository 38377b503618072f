//! `/me`: my reservation; `/me/cancel`: cancelling it.

use super::{Frame, html};
use crate::error::{ApiError, PageError};
use crate::i18n::Texts;
use crate::lang::Lang;
use crate::signed_in::{PageUser, SignedIn};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_core::BookingError;
use sesshu_domain::{Catalog, DoseNumber, Language, Rejection, ReservationNumber, Series};
use sesshu_http::CsrfForm;

#[derive(Debug)]
struct DoseView {
    label: &'static str,
    date: String,
    time: String,
    venue: String,
    lane: String,
}

#[derive(Debug)]
struct ReservationView {
    number: String,
    vaccine: String,
    doses: Vec<DoseView>,
    deadline: String,
    changeable: bool,
    /// The check-in token's QR code, an inline `<svg>` (no token in any
    /// URL: the page is the only way it leaves the server).
    check_in: Option<String>,
}

/// How wide the check-in code is drawn, in CSS pixels (the stylesheet
/// shrinks it on a narrow screen).
const CHECK_IN_CODE_SIZE: u32 = 240;

#[derive(Debug)]
struct ContactView {
    office: String,
    mail: String,
    phone: String,
    url: String,
}

fn doses(t: &Texts, series: &Series, catalog: &Catalog, lang: Language) -> Vec<DoseView> {
    series
        .doses
        .iter()
        .map(|d| DoseView {
            label: if d.number == DoseNumber::FIRST {
                t.first_dose
            } else {
                t.second_dose
            },
            date: t.date(d.day()),
            time: format!("{}–{}", t.time(d.starts_at), t.time(d.ends_at)),
            venue: catalog
                .venue(d.venue)
                .map(|v| v.name(lang).to_owned())
                .unwrap_or_default(),
            lane: catalog
                .lane(d.lane)
                .map(|l| l.name(lang).to_owned())
                .unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    t: &'static Texts,
    frame: Frame,
    reservation: Option<ReservationView>,
    contact: ContactView,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct MeQuery {
    done: Option<String>,
    error: Option<String>,
}

async fn active(state: &AppState, user: &SignedIn) -> Result<Option<Series>, PageError> {
    Ok(state
        .bookings()
        .active_series(&user.person)
        .await
        .map_err(ApiError::from)?)
}

pub async fn me(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    PageUser(user): PageUser,
    Query(query): Query<MeQuery>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let catalog = state.store().catalog().await?;
    let now = state.clock().now();
    let reservation = match active(&state, &user).await? {
        Some(series) => {
            let first = series.first_appointment().unwrap_or_default();
            let check_in = match state.store().check_in_token(series.id).await? {
                Some(token) => Some(sesshu_qr::svg(&token, CHECK_IN_CODE_SIZE).map_err(|e| {
                    tracing::error!(error = %e, "the check-in code could not be drawn");
                    PageError::Internal
                })?),
                None => None,
            };
            Some(ReservationView {
                number: series.number.to_string(),
                vaccine: catalog
                    .vaccine(series.vaccine)
                    .map(|v| v.name(lang.0).to_owned())
                    .unwrap_or_default(),
                doses: doses(t, &series, &catalog, lang.0),
                deadline: t.date_time(user.institution.deadline.for_appointment(first)),
                changeable: user.institution.deadline.allows_change(first, now),
                check_in,
            })
        }
        None => None,
    };
    let contact = &user.institution.contact;
    let done = match query.done.as_deref() {
        Some("booked") => Some(t.booked_done),
        Some("changed") => Some(t.changed_done),
        Some("cancelled") => Some(t.cancelled_done),
        _ => None,
    };
    html(MePage {
        t,
        frame,
        reservation,
        contact: ContactView {
            office: format!(
                "{} {}",
                user.institution.name(lang.0),
                lang.0.pick(&contact.office_ja, &contact.office_en)
            ),
            mail: contact.mail.clone(),
            phone: contact.phone.clone(),
            url: contact.url.clone(),
        },
        done,
        error: query
            .error
            .as_deref()
            .and_then(Rejection::from_code)
            .map(|r| r.message(lang.0)),
    })
}

#[derive(Template)]
#[template(path = "cancel.html")]
struct CancelPage {
    t: &'static Texts,
    frame: Frame,
    number: String,
    doses: Vec<DoseView>,
}

pub async fn confirm_cancel(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let Some(series) = active(&state, &user).await? else {
        return Ok(Redirect::to("/me").into_response());
    };
    if user
        .booker()
        .check_changeable(&series, state.clock().now())
        .is_err()
    {
        return Ok(Redirect::to("/me").into_response());
    }
    let catalog = state.store().catalog().await?;
    let t = lang.texts();
    html(CancelPage {
        t,
        frame,
        number: series.number.to_string(),
        doses: doses(t, &series, &catalog, lang.0),
    })
}

#[derive(Deserialize)]
pub struct CancelForm {
    number: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    Lang(lang): Lang,
    PageUser(user): PageUser,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> Result<Response, PageError> {
    let number = ReservationNumber::parse(&form.number).map_err(|_| PageError::NotFound)?;
    match state.bookings().cancel(user.booker(), &number, lang).await {
        Ok(_) => Ok(Redirect::to("/me?done=cancelled").into_response()),
        Err(BookingError::Rejected(r)) => {
            Ok(Redirect::to(&format!("/me?error={}", r.code())).into_response())
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}
