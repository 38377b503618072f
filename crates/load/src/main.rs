//! `sesshu-load`: measures booking throughput through Sesshu's HTTP API.
//!
//! 1. logs in N people (one client and cookie jar each), C at a time;
//! 2. reads the availability once and picks first-dose slots clear of the
//!    change deadline;
//! 3. releases everybody at once to book (`spread`: different slots;
//!    `hot`: the lanes of one time), at most C requests in flight, while
//!    `--readers` refresh the availability with think times;
//! 4. reports bookings/s and latency per request kind, then checks that the
//!    availability agrees with the 201 answers. Exits 1 on any failed check
//!    (a 5xx fails one).

mod api;
mod args;
mod check;
mod people;
mod readers;
mod report;
mod run;

use anyhow::{Context, Result};
use args::Args;
use clap::Parser;
use report::{Phase, ReadsOfKind, Report};
use std::process::ExitCode;
use std::time::Duration;

#[tokio::main]
#[allow(clippy::print_stdout)] // the tool reports on stdout; progress goes to stderr
async fn main() -> Result<ExitCode> {
    let args = Args::parse();
    args.validate()?;
    let (report, acked) = run(&args).await?;
    if let Some(file) = &args.acked {
        let numbers: Vec<&str> = acked.iter().map(|a| a.number.as_str()).collect();
        write_lines(file, &numbers)?;
    }
    if let Some(file) = &args.acked_by {
        let lines: Vec<String> = acked
            .iter()
            .map(|a| format!("{}\t{}\t{}", a.login, a.slot_id, a.number))
            .collect();
        write_lines(file, &lines)?;
    }
    print!("{}", report.render());
    if let Some(file) = &args.json {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(file, json + "\n")
            .with_context(|| format!("cannot write {}", file.display()))?;
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A booking answered 201.
struct Acked {
    login: String,
    slot_id: i64,
    number: String,
}

fn write_lines(file: &std::path::Path, lines: &[impl AsRef<str>]) -> Result<()> {
    let mut text = String::new();
    for line in lines {
        text.push_str(line.as_ref());
        text.push('\n');
    }
    std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))
}

/// The run and its 201 answers.
async fn run(args: &Args) -> Result<(Report, Vec<Acked>)> {
    let base = args.base();
    let client = api::client(Duration::from_secs(args.timeout_secs))?;
    let observer = client.clone();
    // Fails early if the server is not there.
    api::server_now(&observer, base).await?;

    eprintln!(
        "sesshu-load: logging in {} people, {} at a time",
        args.people, args.concurrency
    );
    let logins = people::log_in_all(&client, args).await?;
    eprintln!(
        "sesshu-load: {} logged in in {:.1} s",
        logins.people.len(),
        logins.wall.as_secs_f64()
    );

    // The server's time after the logins: slots seeded just before the run
    // open at the seeding instant, and the Date header has whole seconds.
    let now = api::server_now(&observer, base).await?;
    let (from, to) = api::range(now)?;
    let before = api::availability(&observer, base, from, to).await?;
    let bookable = run::bookable(&before, now)?;
    let plan = run::plan(args.mode, &bookable, logins.people.len())?;
    eprintln!(
        "sesshu-load: {} people book ({} mode) into {} slots",
        logins.people.len(),
        args.mode.as_str(),
        plan.targets.len()
    );

    let (released_tx, released_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut days: Vec<_> = bookable.iter().map(|s| s.starts_at.date_naive()).collect();
    days.dedup();
    let readers = tokio::spawn(readers::read_while_booking(
        client.clone(),
        base.to_owned(),
        readers::Readers {
            count: args.readers,
            think: Duration::from_millis(args.think_ms),
            days,
        },
        released_rx,
        stop_rx,
    ));
    let booking = run::book_all(
        &client,
        base,
        logins.people,
        &plan.choices,
        args.concurrency,
        args.idempotency_prefix.as_deref(),
        released_tx,
    )
    .await;
    stop_tx.send_replace(true);
    let reads = readers.await.context("the readers failed")?;
    let booking = booking?;
    // A server gone after the crowd (killed by the crash test) leaves no
    // availability to compare: the checks then fail, but what was
    // acknowledged is still written.
    let after = match api::availability(&observer, base, from, to).await {
        Ok(after) => after,
        Err(e) => {
            eprintln!("sesshu-load: the availability after the run: {e:#}");
            Vec::new()
        }
    };

    let booking_latencies: Vec<Duration> = booking.attempts.iter().map(|a| a.latency).collect();
    let booking_outcomes: Vec<api::Outcome> =
        booking.attempts.iter().map(|a| a.outcome.clone()).collect();
    let mut checks = check::run_checks(&check::Evidence {
        login_outcomes: &logins.outcomes,
        attempts: &booking.attempts,
        plan: &plan,
        before: &before,
        after: &after,
    });
    if args.readers > 0 {
        checks.extend(readers::checks(&reads));
    }
    let acked: Vec<Acked> = booking
        .attempts
        .iter()
        .filter(|a| a.outcome.is_success())
        .filter_map(|a| {
            a.number.clone().map(|number| Acked {
                login: a.login.clone(),
                slot_id: a.slot_id,
                number,
            })
        })
        .collect();
    let mut report = Report {
        url: base.to_owned(),
        mode: args.mode.as_str(),
        people: args.people,
        concurrency: args.concurrency,
        bookable_slots: bookable.len(),
        target_slots: plan.targets.len(),
        target_free_places: plan.targets.iter().map(|s| s.free).sum(),
        target_first_start: start_of(plan.targets.first()),
        target_last_start: start_of(plan.targets.last()),
        max_successes: plan.max_successes,
        login: Phase::new(&logins.latencies, &logins.outcomes, logins.wall),
        booking: Phase::new(&booking_latencies, &booking_outcomes, booking.wall),
        last_success_s: booking.last_success().map(|d| d.as_secs_f64()),
        readers: args.readers,
        think_ms: args.think_ms,
        reads: ReadsOfKind::of(&reads, booking.wall),
        checks,
        verdict: "",
    };
    report.verdict = if report.passed() { "PASS" } else { "FAIL" };
    Ok((report, acked))
}

fn start_of(slot: Option<&api::Slot>) -> String {
    slot.map(|s| s.starts_at.to_rfc3339()).unwrap_or_default()
}
