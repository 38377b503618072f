//! The few parts of Sesshu's JSON API that the tool uses, and timing of one
//! request.

use anyhow::{Context, Result};
use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use serde::Deserialize;
use std::time::{Duration, Instant};

/// Asia/Tokyo has no daylight saving time: a fixed +09:00 is exact.
pub fn tokyo() -> Result<FixedOffset> {
    FixedOffset::east_opt(9 * 3600).context("the +09:00 offset")
}

/// A slot as `GET /api/v1/availability` lists it. `free` and `capacity` are
/// read as signed numbers so that a negative one would be seen, not rejected.
#[derive(Debug, Clone, Deserialize)]
pub struct Slot {
    pub slot_id: i64,
    pub starts_at: DateTime<FixedOffset>,
    pub dose: u8,
    pub capacity: i64,
    pub free: i64,
    pub opens_at: DateTime<FixedOffset>,
}

/// One dose of a booked series, from the 201 answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Dose {
    pub dose: u8,
    pub slot_id: i64,
}

#[derive(Debug, Deserialize)]
pub struct Series {
    /// The reservation number, as the person quotes it (`KX7M-4QP9`).
    pub id: String,
    pub doses: Vec<Dose>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: String,
}

/// How one request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The expected success status (200 for logins, 201 for bookings).
    Success(u16),
    /// Any other 1xx–4xx answer, with the API's error code.
    Refused { status: u16, code: String },
    /// A 5xx answer.
    ServerError { status: u16, code: String },
    /// No HTTP answer: connect error, timeout, broken connection.
    Transport(&'static str),
}

impl Outcome {
    pub fn label(&self) -> String {
        match self {
            Outcome::Success(status) => format!("{status}"),
            Outcome::Refused { status, code } | Outcome::ServerError { status, code } => {
                format!("{status} {code}")
            }
            Outcome::Transport(kind) => format!("transport error ({kind})"),
        }
    }

    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Success(_))
    }

    pub fn is_server_error(&self) -> bool {
        matches!(self, Outcome::ServerError { .. })
    }

    /// Turned away at the door (`503 busy`): the deliberate answer under
    /// overload, tried again after its `Retry-After`.
    pub fn is_busy(&self) -> bool {
        matches!(self, Outcome::ServerError { status: 503, code } if code == "busy")
    }

    pub fn is_refusal(&self, wanted: &str) -> bool {
        matches!(self, Outcome::Refused { code, .. } if code == wanted)
    }
}

/// One request: how long it took (sending to the end of the body) and how
/// it ended; the body and the session cookie of a success.
#[derive(Debug)]
pub struct Timed {
    pub latency: Duration,
    pub outcome: Outcome,
    pub body: Option<String>,
    pub cookie: Option<String>,
    /// The `Retry-After` of the answer, in seconds.
    pub retry_after: Option<u64>,
}

/// How often a person tries again after `503 busy` before giving up.
pub const BUSY_TRIES: usize = 30;

/// Sends the request `make` builds until it is not turned away busy, as a
/// browser on the busy page does: after a `503 busy` it waits the answer's
/// `Retry-After` (at most 10 s) and sends it again, at most [`BUSY_TRIES`]
/// times. Every try, in order; the last is the answer.
pub async fn until_admitted(
    make: impl Fn() -> reqwest::RequestBuilder,
    success: u16,
) -> Vec<Timed> {
    let mut tries = Vec::new();
    loop {
        let timed = timed(make(), success).await;
        let again = timed.outcome.is_busy() && tries.len() + 1 < BUSY_TRIES;
        let wait = Duration::from_secs(timed.retry_after.unwrap_or(1).clamp(1, 10));
        tries.push(timed);
        if !again {
            return tries;
        }
        tokio::time::sleep(wait).await;
    }
}

/// Sends `request` and reads the whole answer, timing both.
pub async fn timed(request: reqwest::RequestBuilder, success: u16) -> Timed {
    let start = Instant::now();
    let result = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let cookie = session_cookie(response.headers());
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let body = response.text().await?;
        Ok::<_, reqwest::Error>((status, body, cookie, retry_after))
    }
    .await;
    let latency = start.elapsed();
    match result {
        Ok((status, body, cookie, retry_after)) if status == success => Timed {
            latency,
            outcome: Outcome::Success(status),
            body: Some(body),
            cookie,
            retry_after,
        },
        Ok((status, body, _, retry_after)) => {
            let code = serde_json::from_str::<ErrorBody>(&body)
                .map(|e| e.code)
                .unwrap_or_else(|_| "(no error code)".to_owned());
            let outcome = if status >= 500 {
                Outcome::ServerError { status, code }
            } else {
                Outcome::Refused { status, code }
            };
            Timed {
                latency,
                outcome,
                body: None,
                cookie: None,
                retry_after,
            }
        }
        Err(e) => Timed {
            latency,
            outcome: Outcome::Transport(transport_kind(&e)),
            body: None,
            cookie: None,
            retry_after: None,
        },
    }
}

pub fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    }
}

/// The one HTTP client every person and reader shares: its pool holds about
/// as many connections as requests are in flight. Each person's session
/// travels in their own `Cookie` header ([`session_cookie`]), not in a
/// cookie jar per client: 60,000 clients with a connection each would
/// exhaust the loopback's ephemeral ports (about 28,000) and the open-file
/// limit long before the server.
pub fn client(timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .pool_idle_timeout(None)
        .build()
        .context("building an HTTP client")
}

/// The `Cookie` header a browser would send back after this answer: the
/// `name=value` of every `Set-Cookie`, attributes dropped.
pub fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let pairs: Vec<&str> = headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|pair| pair.contains('='))
        .collect();
    (!pairs.is_empty()).then(|| pairs.join("; "))
}

/// The server's current time in Tokyo, from the `Date` header of
/// `/healthz`: the server's clock is the one its deadlines use.
pub async fn server_now(client: &reqwest::Client, base: &str) -> Result<DateTime<FixedOffset>> {
    let response = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .with_context(|| format!("GET {base}/healthz"))?
        .error_for_status()
        .context("/healthz")?;
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .context("the server sent no Date header")?
        .to_str()
        .context("the Date header is not text")?;
    let now = DateTime::parse_from_rfc2822(date)
        .with_context(|| format!("cannot read the Date header {date:?}"))?;
    Ok(now.with_timezone(&tokyo()?))
}

/// All slots starting on the days `from..=to` (Tokyo).
pub async fn availability(
    client: &reqwest::Client,
    base: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Slot>> {
    let from = from.format("%Y-%m-%d").to_string();
    let to = to.format("%Y-%m-%d").to_string();
    client
        .get(format!("{base}/api/v1/availability"))
        .query(&[("from", &from), ("to", &to)])
        .send()
        .await
        .context("GET /api/v1/availability")?
        .error_for_status()
        .context("GET /api/v1/availability")?
        .json()
        .await
        .context("reading the availability")
}

/// The range the tool looks at: today and the next 56 days (Tokyo).
pub fn range(now: DateTime<FixedOffset>) -> Result<(NaiveDate, NaiveDate)> {
    let today = now.date_naive();
    let last = today
        .checked_add_days(Days::new(56))
        .context("date out of range")?;
    Ok((today, last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, SET_COOKIE};

    #[test]
    fn the_cookie_header_keeps_name_and_value_of_every_set_cookie() {
        let mut headers = HeaderMap::new();
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("id=abc123; Path=/; HttpOnly; SameSite=Lax"),
        );
        headers.append(SET_COOKIE, HeaderValue::from_static("lang=ja; Path=/"));
        assert_eq!(
            session_cookie(&headers).as_deref(),
            Some("id=abc123; lang=ja")
        );
    }

    #[test]
    fn no_set_cookie_is_no_session() {
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }
}
