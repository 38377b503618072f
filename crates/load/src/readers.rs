//! The read-heavy mode: while the crowd books, readers refresh the
//! availability the way people waiting for a place do. Each reader has a
//! day of its own (one of the bookable days, in turn) and alternates
//! between that day (`?from=D&to=D`) and the whole range (no parameters:
//! the server's default, 56 days), waits `think` between two requests, and
//! after the first answer to a URL sends its `ETag` back in
//! `If-None-Match`, as a browser does. Answers are asked gzipped, as a
//! browser asks them, and read to the end but not decoded: the tool
//! measures what the server sends, not what it says.

use crate::api::{Outcome, transport_kind};
use crate::check::{Check, check};
use chrono::NaiveDate;
use reqwest::header::{ACCEPT_ENCODING, ETAG, IF_NONE_MATCH};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

/// A bound on the reads of one reader, should the booking phase never end.
const MAX_READS_PER_READER: usize = 100_000;

/// What a reader asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReadKind {
    Day,
    Range,
}

impl ReadKind {
    pub fn label(self) -> &'static str {
        match self {
            ReadKind::Day => "availability, one day",
            ReadKind::Range => "availability, whole range",
        }
    }
}

/// One availability request of a reader. A 304 counts as a success.
#[derive(Debug)]
pub struct Read {
    pub kind: ReadKind,
    pub latency: Duration,
    pub outcome: Outcome,
}

/// How the readers read.
#[derive(Debug, Clone)]
pub struct Readers {
    pub count: usize,
    pub think: Duration,
    /// The days the readers watch; reader `i` watches day `i mod len`.
    pub days: Vec<NaiveDate>,
}

/// Runs the readers from the crowd's release until `stop` says the
/// booking phase is over; returns every read. Reader `i` starts `i/count`
/// of a think time late, so that the readers do not ask in step.
pub async fn read_while_booking(
    client: reqwest::Client,
    base: String,
    readers: Readers,
    released: oneshot::Receiver<Instant>,
    stop: watch::Receiver<bool>,
) -> Vec<Read> {
    // No release means the booking phase never started: nothing to read.
    if released.await.is_err() || readers.count == 0 || readers.days.is_empty() {
        return Vec::new();
    }
    let mut tasks = JoinSet::new();
    for i in 0..readers.count {
        let client = client.clone();
        let mut stop = stop.clone();
        let day = readers.days[i % readers.days.len()].format("%Y-%m-%d");
        let day_url = format!("{base}/api/v1/availability?from={day}&to={day}");
        let range_url = format!("{base}/api/v1/availability");
        let think = readers.think;
        let stagger = think.mul_f64(i as f64 / readers.count as f64);
        tasks.spawn(async move {
            let mut reads = Vec::new();
            let mut etags: [Option<String>; 2] = [None, None];
            if pause(stagger, &mut stop).await {
                return reads;
            }
            for n in 0..MAX_READS_PER_READER {
                // Half the readers start with their day, half with the range.
                let kind = if (n + i) % 2 == 0 {
                    ReadKind::Day
                } else {
                    ReadKind::Range
                };
                let (url, etag) = match kind {
                    ReadKind::Day => (&day_url, &mut etags[0]),
                    ReadKind::Range => (&range_url, &mut etags[1]),
                };
                reads.push(read_once(&client, kind, url, etag).await);
                if pause(think, &mut stop).await {
                    break;
                }
            }
            reads
        });
    }
    let mut reads = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        // A reader that panicked read nothing more; its reads are lost, and
        // the count of reads shows it.
        if let Ok(mut some) = joined {
            reads.append(&mut some);
        }
    }
    reads
}

/// Waits `d`, or less if the booking phase ends; true if it ended.
async fn pause(d: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        () = tokio::time::sleep(d) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

async fn read_once(
    client: &reqwest::Client,
    kind: ReadKind,
    url: &str,
    etag: &mut Option<String>,
) -> Read {
    let mut request = client.get(url).header(ACCEPT_ENCODING, "gzip");
    if let Some(tag) = etag.as_deref() {
        request = request.header(IF_NONE_MATCH, tag);
    }
    let start = Instant::now();
    let result = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let tag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        response.bytes().await?;
        Ok::<_, reqwest::Error>((status, tag))
    }
    .await;
    let latency = start.elapsed();
    let outcome = match result {
        Ok((status @ (200 | 304), tag)) => {
            if tag.is_some() {
                *etag = tag;
            }
            Outcome::Success(status)
        }
        Ok((status, _)) if status >= 500 => Outcome::ServerError {
            status,
            code: String::new(),
        },
        Ok((status, _)) => Outcome::Refused {
            status,
            code: String::new(),
        },
        Err(e) => Outcome::Transport(transport_kind(&e)),
    };
    Read {
        kind,
        latency,
        outcome,
    }
}

/// The readers' checks: every read answered 200 or 304.
pub fn checks(reads: &[Read]) -> Vec<Check> {
    let failed = reads.iter().filter(|r| !r.outcome.is_success()).count();
    vec![check(
        "every availability read answered 200 or 304",
        failed == 0,
        format!("{failed} of {} reads did not", reads.len()),
    )]
}
