//! The command line.

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

/// Load generator for Sesshu: logs in N demo members, then books with all of
/// them at once through the HTTP API and reports bookings/s and latency.
#[derive(Debug, Parser)]
#[command(name = "sesshu-load", version, about)]
pub struct Args {
    /// Base URL of the server, e.g. http://127.0.0.1:18181
    #[arg(long)]
    pub url: String,
    /// Number of people (members member00001… of the institution).
    #[arg(long, default_value_t = 100)]
    pub people: usize,
    /// Most requests in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Institution code of the members.
    #[arg(long, default_value = "demo")]
    pub institution: String,
    /// Password of every member.
    #[arg(long, default_value = "demo")]
    pub password: String,
    /// Number of the first member (member00001 is 1).
    #[arg(long, default_value_t = 1)]
    pub first_member: usize,
    /// `spread`: each person books a different slot (round-robin over the
    /// bookable first-dose slots); `hot`: everybody races for the lanes of
    /// one time, the one with the most free places (the earliest of equals).
    #[arg(long, value_enum, default_value_t = Mode::Spread)]
    pub mode: Mode,
    /// Read-heavy: this many readers refresh the availability (their own
    /// day and the whole range, with If-None-Match) while the people book.
    #[arg(long, default_value_t = 0)]
    pub readers: usize,
    /// A reader's pause between two requests, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub think_ms: u64,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the reservation number of every 201 answer to this file, one a
    /// line, for a check against the database.
    #[arg(long)]
    pub acked: Option<PathBuf>,
    /// Write `login<TAB>slot id<TAB>reservation number` of every 201
    /// answer to this file (what a replay after a crash sends again).
    #[arg(long)]
    pub acked_by: Option<PathBuf>,
    /// Send each booking with `Idempotency-Key: <PREFIX>-<login>`, so that
    /// the same request sent again (after a crash) gets its first answer.
    #[arg(long)]
    pub idempotency_prefix: Option<String>,
    /// Timeout of one request, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Spread,
    Hot,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Spread => "spread",
            Mode::Hot => "hot",
        }
    }
}

impl Args {
    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.url.trim_end_matches('/')
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.people > 0, "--people must be at least 1");
        anyhow::ensure!(self.concurrency > 0, "--concurrency must be at least 1");
        anyhow::ensure!(self.first_member > 0, "--first-member must be at least 1");
        anyhow::ensure!(
            self.first_member + self.people - 1 <= 99_999,
            "members are numbered member00001…member99999"
        );
        anyhow::ensure!(self.readers <= 10_000, "--readers is at most 10000");
        anyhow::ensure!(
            self.url.starts_with("http://"),
            "--url must be http://… (the tool has no TLS)"
        );
        Ok(())
    }
}
