//! `/me`: my reservation (its doses, the check-in code, the vouchers) and
//! my vaccination history (`history.rs`); `/me/cancel`: cancelling it.

use super::history::{self, HistoryView};
use super::voucher::{self, Retry, VoucherView};
use super::{Frame, html};
use crate::error::{ApiError, PageError};
use crate::i18n::Texts;
use crate::lang::Lang;
use crate::signed_in::{PageUser, SignedIn};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
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
    vouchers: Vec<VoucherView>,
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
    history: HistoryView,
    /// No reservation, and both doses were received elsewhere: nothing to
    /// book.
    vaccinated: bool,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct MeQuery {
    done: Option<String>,
    error: Option<String>,
}

pub(super) async fn active(state: &AppState, user: &SignedIn) -> Result<Option<Series>, PageError> {
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
    let done = match query.done.as_deref() {
        Some("booked") => Some(t.booked_done),
        Some("changed") => Some(t.changed_done),
        Some("cancelled") => Some(t.cancelled_done),
        Some("voucher") => Some(t.voucher_done),
        Some("elsewhere") => Some(t.history.declared_done),
        Some("withdrawn") => Some(t.history.withdrawn_done),
        _ => None,
    };
    let error = match query.error.as_deref() {
        Some("voucher_collected") => Some(t.voucher_collected),
        code => code
            .and_then(Rejection::from_code)
            .map(|r| r.message(lang.0)),
    };
    render(&state, lang, frame, &user, done, error, None).await
}

/// The page "my reservation", with a voucher's form as it came back with a
/// problem (`retry`: then answered 422). The page may use the camera (the
/// voucher's QR code) and runs the site's own scripts only.
pub(super) async fn render(
    state: &AppState,
    lang: Lang,
    frame: Frame,
    user: &SignedIn,
    done: Option<&'static str>,
    error: Option<&'static str>,
    retry: Option<Retry>,
) -> Result<Response, PageError> {
    render_with(state, lang, frame, user, done, error, retry, None).await
}

/// [`render`], with the declaration of a dose received elsewhere as it came
/// back with a problem (`declared`: then answered 422).
#[allow(clippy::too_many_arguments)]
pub(super) async fn render_with(
    state: &AppState,
    lang: Lang,
    frame: Frame,
    user: &SignedIn,
    done: Option<&'static str>,
    error: Option<&'static str>,
    retry: Option<Retry>,
    declared: Option<history::Retry>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let catalog = state.catalog().await?;
    let now = state.clock().now();
    let status = if retry.is_some() || declared.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let active = active(state, user).await?;
    let history = history::view(state, t, user, active.is_some(), declared).await?;
    let vaccinated = active.is_none()
        && state
            .bookings()
            .to_book(&user.person)
            .await
            .map_err(ApiError::from)?
            == sesshu_domain::ToBook::Nothing;
    let reservation = match active {
        Some(series) => {
            let first = series.first_appointment().unwrap_or_default();
            let check_in = match state.store().check_in_token(series.id).await? {
                Some(token) => Some(sesshu_qr::svg(&token, CHECK_IN_CODE_SIZE).map_err(|e| {
                    tracing::error!(error = %e, "the check-in code could not be drawn");
                    PageError::Internal
                })?),
                None => None,
            };
            let states = state.vouchers().states(&series).await?;
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
                vouchers: voucher::views(t, &series, &states, retry),
            })
        }
        None => None,
    };
    let contact = &user.institution.contact;
    let mut response = html(MePage {
        t,
        frame,
        reservation,
        history,
        vaccinated,
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
        error,
    })?;
    sesshu_http::harden::allow_camera(&mut response);
    *response.status_mut() = status;
    Ok(response)
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
    let catalog = state.catalog().await?;
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
