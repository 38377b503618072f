//! The dashboards page (`GET /rates`), its live fragment (`GET /rates/live`) and its script.

use super::super::{Frame, StaffPage, html};
use super::sections::sections;
use super::{Asked, RatesQuery, Section, read};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use sesshu_operations::rates::Dashboards;

/// The office's policy with the page's own script allowed, and its
/// requests for the live fragment (`connect-src`).
const CSP_LIVE: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
                        style-src 'self'; img-src 'self'; form-action 'self'; \
                        frame-ancestors 'none'; base-uri 'none'";

/// The header that marks a response as the live fragment: the script
/// swaps in nothing else (a login page after the session ended, say).
const FRAGMENT_HEADER: &str = "x-sesshu-fragment";

/// The tables and charts: the page's live part.
#[derive(Template)]
#[template(path = "rates_live.html")]
struct Live {
    t: &'static Texts,
    counted_at: String,
    /// The slots' day shown.
    day: String,
    sections: Vec<Section>,
}

fn live_part(
    t: &'static Texts,
    d: &Dashboards,
    asked: Asked,
    day: Option<NaiveDate>,
) -> Result<String, OfficeError> {
    Live {
        t,
        counted_at: t.precise_time(d.scope.at),
        day: day
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        sections: sections(t, d, asked, day),
    }
    .render()
    .map_err(|e| {
        tracing::error!(error = %e, "the rates' fragment did not render");
        OfficeError::Internal
    })
}

#[derive(Template)]
#[template(path = "rates.html")]
struct RatesPage {
    frame: Frame,
    t: &'static Texts,
    /// Every institution, or the one the numbers are limited to.
    scope: String,
    /// The institutions to choose from: id, name, chosen.
    institutions: Vec<(i64, String, bool)>,
    /// "All institutions" may be chosen (not institution staff).
    all: bool,
    day: String,
    /// Where the script reads the live part from.
    live_url: String,
    live: String,
}

/// The dashboards.
pub async fn page(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<RatesQuery>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let asked = Asked::parse(&query)?;
    let (dashboards, day) = read(&state, &staff, asked).await?;
    let scope = &dashboards.scope;
    let chosen = scope.institution.as_ref().map(|i| i.id);
    let page = RatesPage {
        scope: scope
            .institution
            .as_ref()
            .map_or(t.rates_all, |i| i.name(t.lang))
            .to_owned(),
        institutions: scope
            .institutions
            .iter()
            .map(|i| (i.id.get(), i.name(t.lang).to_owned(), Some(i.id) == chosen))
            .collect(),
        all: staff.account.role.institution().is_none(),
        day: day
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        live_url: format!("/rates/live?{}", asked.query(asked.day)),
        live: live_part(t, &dashboards, asked, day)?,
        frame,
        t,
    };
    let mut response = html(page)?;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP_LIVE),
    );
    Ok(response)
}

/// The live part alone, for the page's script.
pub async fn live(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<RatesQuery>,
) -> Result<Response, OfficeError> {
    let asked = Asked::parse(&query)?;
    let (dashboards, day) = read(&state, &staff, asked).await?;
    let part = live_part(frame.t, &dashboards, asked, day)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (HeaderName::from_static(FRAGMENT_HEADER), "rates"),
        ],
        part,
    )
        .into_response())
}

/// The page's live updates: `static/rates.js`.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        include_str!("../../../static/rates.js"),
    )
}
