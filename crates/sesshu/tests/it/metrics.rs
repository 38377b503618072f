//! `GET /metrics` of both processes, read as Prometheus reads it, and the
//! office's health checks; the public face does not serve the metrics.

use crate::helpers::*;
use crate::office_kit::TestOffice;
use reqwest::StatusCode;
use serde_json::json;
use sesshu_domain::Role;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One sample of the text format: `name{label="value",…} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the Prometheus text exposition format (version 0.0.4) strictly:
/// every sample's family has a `# TYPE`, label values are quoted strings,
/// values are numbers. Any other line is an error naming it.
fn parse(text: &str) -> Result<Vec<Sample>, String> {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let bad = |why: &str| format!("line {}: {why}: {line:?}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').ok_or_else(|| bad("TYPE"))?;
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                return Err(bad("unknown type"));
            }
            types.insert(name.to_owned(), kind.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") || line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').ok_or_else(|| bad("no value"))?;
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().map_err(|_| bad("value"))?,
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let inner = rest.strip_suffix('}').ok_or_else(|| bad("labels"))?;
                let mut labels = BTreeMap::new();
                for pair in split_labels(inner) {
                    let (k, v) = pair.split_once('=').ok_or_else(|| bad("label"))?;
                    let v = v
                        .strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .ok_or_else(|| bad("label value"))?;
                    labels.insert(k.to_owned(), v.to_owned());
                }
                (name, labels)
            }
        };
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        {
            return Err(bad("metric name"));
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .filter(|base| types.get(*base).is_some_and(|t| t == "histogram"))
            .unwrap_or(name);
        if !types.contains_key(family) {
            return Err(bad("sample without # TYPE"));
        }
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    Ok(samples)
}

/// `a="x",b="y,z"` into its pairs (commas inside quotes kept).
fn split_labels(inner: &str) -> Vec<&str> {
    let mut pairs = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                pairs.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < inner.len() {
        pairs.push(&inner[start..]);
    }
    pairs
}

/// The value of the sample `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .filter(|s| s.name == name)
        .find(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

async fn scrape(base: &str) -> Vec<Sample> {
    let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let text = response.text().await.unwrap();
    parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

on_both_databases! {
    async fn the_public_metrics_count_requests_bookings_logins_and_free_places(app) {
        let f = app.fixture.clone();
        let slot = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;
        let (status, _) = alice.book(slot).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = app
            .client()
            .post("/api/v1/login", &json!({"institution": "uni", "login": "alice", "password": "wrong"}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = alice.get("/api/v1/availability?from=2026-12-10&to=2026-12-10").await;
        assert_eq!(status, StatusCode::OK);

        let samples = scrape(&app.metrics).await;
        let booked = [
            ("process", "public"),
            ("route", "/api/v1/me/reservations"),
            ("method", "POST"),
            ("status", "201"),
        ];
        assert!(value(&samples, "sesshu_http_requests_total", &booked).unwrap_or(0.0) >= 1.0);
        let timed = [("process", "public"), ("route", "/api/v1/me/reservations"), ("le", "+Inf")];
        assert!(value(&samples, "sesshu_http_request_duration_seconds_bucket", &timed).unwrap_or(0.0) >= 1.0);
        assert!(value(&samples, "sesshu_bookings_total", &[("action", "book"), ("outcome", "booked")]).unwrap_or(0.0) >= 1.0);
        assert!(value(&samples, "sesshu_login_failures_total", &[("kind", "refused")]).unwrap_or(0.0) >= 1.0);
        assert!(value(&samples, "sesshu_free_places", &[("day", "2026-12-10")]).is_some());
        assert!(value(&samples, "sesshu_db_pool_connections", &[("state", "max")]).unwrap_or(0.0) >= 1.0);
        assert!(samples.iter().all(|s| !s.labels.values().any(|v| v.contains("alice"))));

        let (status, _) = app.client().page("/metrics").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "not on the public face");
    }

    async fn the_office_answers_health_and_metrics_with_its_mail_backlog(app) {
        let listen = Arc::new(Mutex::new(None));
        let mut office = TestOffice::spawn_with(&app, {
            let listen = listen.clone();
            move |office, _| async move {
                let office = office
                    .with_metrics(Some("127.0.0.1:0".parse().unwrap()))
                    .await
                    .unwrap();
                *listen.lock().unwrap() = office.metrics_addr();
                office
            }
        })
        .await;
        let metrics = format!("http://{}", listen.lock().unwrap().unwrap());
        let browser = office.signed_in(&app, "kanri", Role::Operator).await;
        assert_eq!(browser.get("/healthz").await.status, StatusCode::OK);
        let ready = browser.get("/readyz").await;
        assert_eq!((ready.status, ready.html.as_str()), (StatusCode::OK, "ready"));

        let samples = scrape(&metrics).await;
        let home = [("process", "office"), ("route", "/readyz"), ("status", "200")];
        assert!(value(&samples, "sesshu_http_requests_total", &home).unwrap_or(0.0) >= 1.0);
        assert!(value(&samples, "sesshu_mail_pending", &[]).is_some());
        assert!(value(&samples, "sesshu_mail_oldest_pending_seconds", &[]).is_some());
        assert_eq!(browser.get("/metrics").await.status, StatusCode::NOT_FOUND);
    }
}

#[test]
fn the_parser_refuses_what_prometheus_would() {
    assert!(parse("# TYPE a counter\na{x=\"1\"} 2\n").is_ok());
    assert!(parse("a 1\n").is_err(), "no TYPE");
    assert!(parse("# TYPE a counter\na{x=1} 2\n").is_err(), "unquoted");
    assert!(parse("# TYPE a counter\na two\n").is_err(), "value");
}
