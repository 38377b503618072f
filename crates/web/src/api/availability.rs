//! `GET /api/v1/availability`: open slots and their free places (public).
//!
//! Answered from the process's availability view ([`sesshu_core::Availability`]):
//! each day's slots are rendered to JSON once per version of the day and
//! per language, an answer is those days joined, its `ETag` a hash of what
//! they say, and its gzip made once per `ETag`. A client that sends the
//! `ETag` back gets `304 Not Modified`; a proxy may keep an answer for a
//! second.

use super::model::SlotJson;
use crate::error::{ApiError, ErrorBody};
use crate::lang::Lang;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;
use sesshu_core::availability::Day;
use sesshu_domain::{Catalog, Language, tokyo_day};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use utoipa::IntoParams;

/// The longest range one request may ask for.
const MAX_DAYS: u64 = 92;
/// The range when none is given.
const DEFAULT_DAYS: u64 = 56;

/// The query parameters, as documented. The handler reads the raw query so
/// that repeated or unknown parameters never fail before our own checks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AvailabilityQuery {
    /// First day (Asia/Tokyo), `YYYY-MM-DD`; default today.
    #[param(format = Date)]
    from: Option<String>,
    /// Last day, inclusive; default 8 weeks after `from`. At most 92 days.
    #[param(format = Date)]
    to: Option<String>,
}

/// A `YYYY-MM-DD` day between the years 2000 and 2100: anything else is a
/// mistake, and far-off years overflow what databases store.
fn day(s: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    s.map(|s| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&d.year()))
            .ok_or(ApiError::BadRequest("invalid_date"))
    })
    .transpose()
}

/// Open slots starting on the days `from..=to`, with their free places.
#[utoipa::path(
    get,
    path = "/api/v1/availability",
    params(AvailabilityQuery),
    responses(
        (status = 200, description = "Slots in start order", body = [SlotJson],
         headers(("ETag" = String, description = "Send it back in `If-None-Match`"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, description = "`invalid_date` or `invalid_range`", body = ErrorBody),
    ),
    tag = "availability"
)]
pub async fn availability(
    State(state): State<AppState>,
    Lang(lang): Lang,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default())
            .map_err(|_| ApiError::BadRequest("invalid_query"))?;
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let bookings = state.bookings();
    let from = day(param("from"))?.unwrap_or_else(|| tokyo_day(bookings.now()));
    let to = match day(param("to"))? {
        Some(to) => to,
        None => from
            .checked_add_days(Days::new(DEFAULT_DAYS))
            .ok_or(ApiError::BadRequest("invalid_range"))?,
    };
    let span = (to - from).num_days();
    if span < 0 || span >= MAX_DAYS as i64 {
        return Err(ApiError::BadRequest("invalid_range"));
    }
    let snapshot = state.availability().fresh().await?;
    let answer = if snapshot.covers(from, to) {
        let days = snapshot
            .days(from, to)
            .map(|(date, day)| state.answers().day(*date, day, lang, &snapshot.catalog))
            .collect::<Result<Vec<_>, _>>()?;
        Answer::of(lang, &days)
    } else {
        // Far off or long past: not held in memory, asked of the store.
        let slots = bookings.availability(from, to).await?;
        let mut rendered = Rendered::default();
        for slot in &slots {
            rendered.push(&SlotJson::new(slot, &snapshot.catalog, lang))?;
        }
        Answer::of(lang, &[Arc::new(rendered.sealed(0))])
    };
    state.answers().respond(answer, &headers)
}

/// One day's open slots as JSON array elements (no brackets), made once
/// per version of the day and language.
#[derive(Debug, Default)]
pub struct Rendered {
    version: u64,
    json: Vec<u8>,
    /// What the elements say, for the `ETag`.
    hash: u64,
}

impl Rendered {
    fn push(&mut self, slot: &SlotJson) -> Result<(), ApiError> {
        if !self.json.is_empty() {
            self.json.push(b',');
        }
        serde_json::to_writer(&mut self.json, slot).map_err(|e| {
            tracing::error!(error = %e, "a slot did not serialise");
            ApiError::Internal
        })
    }

    fn sealed(mut self, version: u64) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.json.hash(&mut hasher);
        self.hash = hasher.finish();
        self.version = version;
        self
    }
}

/// An answer before it is sent: its body and `ETag`.
#[derive(Debug)]
pub struct Answer {
    etag: String,
    json: Vec<u8>,
}

impl Answer {
    fn of(lang: Language, days: &[Arc<Rendered>]) -> Self {
        // SipHash with fixed keys: every process names the same answer alike.
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        lang.hash(&mut hasher);
        let mut len = 2;
        for day in days {
            day.hash.hash(&mut hasher);
            len += day.json.len() + 1;
        }
        let mut json = Vec::with_capacity(len);
        json.push(b'[');
        for day in days.iter().filter(|d| !d.json.is_empty()) {
            if json.len() > 1 {
                json.push(b',');
            }
            json.extend_from_slice(&day.json);
        }
        json.push(b']');
        Self {
            etag: format!("\"{:016x}\"", hasher.finish()),
            json,
        }
    }
}

/// The answers' caches, shared by the process's requests.
#[derive(Debug, Default)]
pub struct Answers {
    days: Mutex<HashMap<(NaiveDate, Language), Arc<Rendered>>>,
    /// Compressed answers by `ETag`; emptied when it holds too many.
    gzipped: Mutex<HashMap<String, Bytes>>,
}

/// Compressed answers kept at most (different ranges and languages).
const GZIPPED_KEPT: usize = 64;

impl Answers {
    /// The day rendered in `lang`, from the cache while the day's version
    /// holds.
    fn day(
        &self,
        date: NaiveDate,
        day: &Day,
        lang: Language,
        catalog: &Catalog,
    ) -> Result<Arc<Rendered>, ApiError> {
        let key = (date, lang);
        if let Some(hit) = self
            .days
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            && hit.version == day.version
        {
            return Ok(hit.clone());
        }
        let mut rendered = Rendered::default();
        for slot in day.slots.iter().filter(|s| !s.closed) {
            rendered.push(&SlotJson::new(slot, catalog, lang))?;
        }
        let rendered = Arc::new(rendered.sealed(day.version));
        self.days
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, rendered.clone());
        Ok(rendered)
    }

    /// `304` when the client holds this answer; else the answer, gzipped
    /// if the client takes gzip.
    fn respond(&self, answer: Answer, request: &HeaderMap) -> Result<Response, ApiError> {
        let etag = HeaderValue::from_str(&answer.etag).map_err(|_| ApiError::Internal)?;
        let common = [
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=1"),
            ),
            (
                header::VARY,
                HeaderValue::from_static("Accept-Encoding, Accept-Language, Cookie"),
            ),
            (header::ETAG, etag),
        ];
        if request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/") == answer.etag
            })
        {
            return Ok((StatusCode::NOT_MODIFIED, common).into_response());
        }
        let json = HeaderValue::from_static("application/json");
        match takes_gzip(request).then(|| self.gzipped(&answer)).flatten() {
            Some(gzipped) => Ok((
                common,
                [
                    (header::CONTENT_TYPE, json),
                    (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
                ],
                Body::from(gzipped),
            )
                .into_response()),
            None => Ok((common, [(header::CONTENT_TYPE, json)], answer.json).into_response()),
        }
    }

    /// The answer gzipped, made once per `ETag`; `None` if gzip failed
    /// (then the answer goes plain).
    fn gzipped(&self, answer: &Answer) -> Option<Bytes> {
        if let Some(hit) = self
            .gzipped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&answer.etag)
        {
            return Some(hit.clone());
        }
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(answer.json.len() / 8),
            flate2::Compression::fast(),
        );
        let gzipped = match encoder
            .write_all(&answer.json)
            .and_then(|()| encoder.finish())
        {
            Ok(gzipped) => Bytes::from(gzipped),
            Err(e) => {
                tracing::warn!(error = %e, "gzip failed");
                return None;
            }
        };
        let mut kept = self.gzipped.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= GZIPPED_KEPT {
            kept.clear();
        }
        kept.insert(answer.etag.clone(), gzipped.clone());
        Some(gzipped)
    }
}

/// Whether `Accept-Encoding` takes gzip (and does not refuse it by `q=0`).
fn takes_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}
