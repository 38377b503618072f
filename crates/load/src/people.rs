//! The people: one HTTP client (and cookie jar) each, logged in C at a time.

use crate::api::{self, Outcome, Timed};
use crate::args::Args;
use anyhow::{Context, Result};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// A logged-in person: their login and their client, whose cookie jar holds
/// the session.
#[derive(Debug)]
pub struct Person {
    pub login: String,
    pub client: reqwest::Client,
}

/// What the login phase measured.
#[derive(Debug)]
pub struct LoginPhase {
    /// The people who logged in, in member order.
    pub people: Vec<Person>,
    /// Latency of every login request.
    pub latencies: Vec<Duration>,
    /// How every login ended.
    pub outcomes: Vec<Outcome>,
    pub wall: Duration,
}

/// Logs in `member{first}`… `member{first + people - 1}`, at most
/// `concurrency` at a time.
pub async fn log_in_all(args: &Args) -> Result<LoginPhase> {
    let timeout = Duration::from_secs(args.timeout_secs);
    let url = Arc::new(format!("{}/api/v1/login", args.base()));
    let semaphore = Arc::new(Semaphore::new(args.concurrency));
    // Clients are built before the clock starts: that is not the server's work.
    let mut people = Vec::with_capacity(args.people);
    for n in args.first_member..args.first_member + args.people {
        people.push(Person {
            login: format!("member{n:05}"),
            client: api::client(timeout)?,
        });
    }

    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for (index, person) in people.into_iter().enumerate() {
        let url = Arc::clone(&url);
        let semaphore = Arc::clone(&semaphore);
        let body = json!({
            "institution": args.institution,
            "login": person.login,
            "password": args.password,
        });
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await?;
            let timed = api::timed(person.client.post(url.as_str()).json(&body), 200).await;
            Ok::<_, anyhow::Error>((index, person, timed))
        });
    }
    let mut results = Vec::with_capacity(args.people);
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.context("a login task failed")??);
    }
    let wall = start.elapsed();

    results.sort_by_key(|(index, _, _)| *index);
    let mut phase = LoginPhase {
        people: Vec::with_capacity(results.len()),
        latencies: Vec::with_capacity(results.len()),
        outcomes: Vec::with_capacity(results.len()),
        wall,
    };
    let mut failed = 0_usize;
    for (
        _,
        person,
        Timed {
            latency, outcome, ..
        },
    ) in results
    {
        phase.latencies.push(latency);
        if outcome.is_success() {
            phase.people.push(person);
        } else {
            failed += 1;
            if failed <= 5 {
                eprintln!(
                    "sesshu-load: login of {} failed: {}",
                    person.login,
                    outcome.label()
                );
            }
        }
        phase.outcomes.push(outcome);
    }
    if failed > 5 {
        eprintln!("sesshu-load: … {failed} logins failed in all");
    }
    Ok(phase)
}
