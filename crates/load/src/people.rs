//! The people: each with their own session, logged in C at a time.

use crate::api::{self, Outcome, Timed};
use crate::args::Args;
use anyhow::{Context, Result};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// A logged-in person: the `Cookie` header of their session, sent with each
/// of their requests.
#[derive(Debug)]
pub struct Person {
    pub login: String,
    pub cookie: String,
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
pub async fn log_in_all(client: &reqwest::Client, args: &Args) -> Result<LoginPhase> {
    let url = Arc::new(format!("{}/api/v1/login", args.base()));
    let semaphore = Arc::new(Semaphore::new(args.concurrency));
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for (index, n) in (args.first_member..args.first_member + args.people).enumerate() {
        let login = format!("member{n:05}");
        let url = Arc::clone(&url);
        let semaphore = Arc::clone(&semaphore);
        let client = client.clone();
        let body = json!({
            "institution": args.institution,
            "login": login,
            "password": args.password,
        });
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await?;
            let mut tries =
                api::until_admitted(|| client.post(url.as_str()).json(&body), 200).await;
            let timed = tries.pop().context("no login try")?;
            Ok::<_, anyhow::Error>((index, login, timed, tries))
        });
    }
    let mut results = Vec::with_capacity(args.people);
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.context("a login task failed")??);
    }
    let wall = start.elapsed();

    results.sort_by_key(|(index, _, _, _)| *index);
    let mut phase = LoginPhase {
        people: Vec::with_capacity(results.len()),
        latencies: Vec::with_capacity(results.len()),
        outcomes: Vec::with_capacity(results.len()),
        wall,
    };
    let mut failed = 0_usize;
    for (
        _,
        login,
        Timed {
            latency,
            mut outcome,
            cookie,
            ..
        },
        busy,
    ) in results
    {
        // The tries turned away busy first, then the answer.
        for turned_away in busy {
            phase.latencies.push(turned_away.latency);
            phase.outcomes.push(turned_away.outcome);
        }
        phase.latencies.push(latency);
        match (outcome.is_success(), cookie) {
            (true, Some(cookie)) => phase.people.push(Person {
                login: login.clone(),
                cookie,
            }),
            (success, _) => {
                if success {
                    // A 200 without a session is no login.
                    outcome = Outcome::Refused {
                        status: 200,
                        code: "(no session cookie)".to_owned(),
                    };
                }
                failed += 1;
                if failed <= 5 {
                    eprintln!("sesshu-load: login of {login} failed: {}", outcome.label());
                }
            }
        }
        phase.outcomes.push(outcome);
    }
    if failed > 5 {
        eprintln!("sesshu-load: … {failed} logins failed in all");
    }
    Ok(phase)
}
