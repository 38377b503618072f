//! `sesshu noshows`: the no-show cancellation (未接種者予約取消) from the
//! command line, through the same operations as the office's page
//! (`sesshu_operations::noshows`): the list and its counts, and with
//! `--apply` the cancellation in one transaction, audited as the command's
//! user (`cli:<user>`, a system administrator).

use super::context::Context;
use anyhow::Context as _;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use sesshu_domain::{Catalog, DoseNumber, Institution, Language, SystemClock, TOKYO, VenueId};
use sesshu_operations::noshows::{self, Cancelling, Listing, NoShow, NoShowGroup, NoShowSkip};
use sesshu_operations::{Operations, reference};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct NoShowsArgs {
    /// The day (Asia/Tokyo), YYYY-MM-DD: a past day, or today once its
    /// last slot has ended.
    #[arg(long)]
    date: String,
    /// Only this venue, by its id (venues have no code: the id is the
    /// `venue` of the office's slot and list pages).
    #[arg(long)]
    venue: Option<i64>,
    /// Cancel them (one transaction) and mail each person; without it,
    /// only the list and the counts.
    #[arg(long)]
    apply: bool,
    #[arg(long)]
    config: Option<PathBuf>,
}

#[allow(clippy::print_stdout)] // a command's report is its output
pub async fn run(args: NoShowsArgs) -> anyhow::Result<()> {
    let day = NaiveDate::parse_from_str(args.date.trim(), "%Y-%m-%d")
        .with_context(|| format!("--date {:?}: expected YYYY-MM-DD", args.date))?;
    let venue = args.venue.map(VenueId::new);
    let lang = sesshu::reservations::language_of_locale();
    let context = Context::load(args.config)?;
    let store = context.store().await?;
    let ops = Operations::new(store, Arc::new(SystemClock));
    let actor = sesshu::audit::command_actor();
    let names = Names {
        lang,
        catalog: reference::catalog(&ops).await?,
        institutions: reference::institutions(&ops).await?,
    };
    if let Some(venue) = venue
        && names.catalog.venue(venue).is_none()
    {
        anyhow::bail!("{}", text(lang, Text::NoVenue(venue)));
    }
    let list = match noshows::list(&ops, &actor, day, venue).await? {
        Listing::Ready(list) => list,
        Listing::NotYet(from) => anyhow::bail!("{}", text(lang, Text::NotYet(day, from))),
    };
    print!("{}", names.groups(&list.groups));
    for (venue, n) in list.per_venue() {
        println!("{}: {n}", names.venue(venue));
    }
    println!("{}", text(lang, Text::Total(day, list.count())));
    if !args.apply {
        println!("{}", text(lang, Text::DryRun));
        return Ok(());
    }
    if list.is_empty() {
        return Ok(());
    }

    let bar = ProgressBar::new(list.count() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(text(lang, Text::Preparing));
    let done = noshows::cancel_with_progress(&ops, &actor, day, venue, &|done, of| {
        bar.set_length(of as u64);
        bar.set_position(done as u64);
        if done == of {
            bar.set_message(text(lang, Text::Cancelling));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
    })
    .await;
    bar.finish_and_clear();
    match done? {
        Cancelling::NotYet(from) => anyhow::bail!("{}", text(lang, Text::NotYet(day, from))),
        Cancelling::Done(done) => {
            print!("{}", names.groups(&done.cancelled));
            for (n, why) in &done.skipped {
                println!("{}", text(lang, Text::Skipped(names.line(n), *why)));
            }
            println!(
                "{}",
                text(lang, Text::Done(done.count(), done.skipped.len()))
            );
            Ok(())
        }
    }
}

/// What the report names things by.
struct Names {
    lang: Language,
    catalog: Catalog,
    institutions: Vec<Institution>,
}

impl Names {
    fn venue(&self, venue: VenueId) -> String {
        self.catalog
            .venue(venue)
            .map_or_else(|| venue.to_string(), |v| v.name(self.lang).to_owned())
    }

    fn institution(&self, g: &NoShowGroup) -> String {
        self.institutions
            .iter()
            .find(|i| i.id == g.institution)
            .map_or_else(
                || g.institution.to_string(),
                |i| i.name(self.lang).to_owned(),
            )
    }

    /// A heading per group, then one line per reservation.
    fn groups(&self, groups: &[NoShowGroup]) -> String {
        let mut out = String::new();
        for g in groups {
            let first = g.of_dose(DoseNumber::FIRST);
            let _ = writeln!(
                out,
                "{} · {}: {}",
                self.venue(g.venue),
                self.institution(g),
                text(self.lang, Text::Counts(g.count(), first, g.count() - first))
            );
            for n in &g.noshows {
                let _ = writeln!(out, "  {}", self.line(n));
            }
        }
        out
    }

    /// `10:00 K7M3-PQ2X dose 1`.
    fn line(&self, n: &NoShow) -> String {
        let time = n
            .starts_at()
            .map(|t| t.with_timezone(&TOKYO).format("%H:%M").to_string())
            .unwrap_or_default();
        format!(
            "{time} {} {}",
            n.series.number,
            text(self.lang, Text::Dose(n.dose.get()))
        )
    }
}

/// The report's texts.
enum Text {
    NoVenue(VenueId),
    NotYet(NaiveDate, chrono::DateTime<chrono::Utc>),
    Counts(usize, usize, usize),
    Dose(u8),
    Total(NaiveDate, usize),
    DryRun,
    Preparing,
    Cancelling,
    Skipped(String, NoShowSkip),
    Done(usize, usize),
}

fn text(lang: Language, text: Text) -> String {
    let time = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&TOKYO).format("%Y-%m-%d %H:%M");
    match (lang, text) {
        (Language::Ja, Text::NoVenue(v)) => format!("会場 {v} はありません"),
        (Language::En, Text::NoVenue(v)) => format!("there is no venue {v}"),
        (Language::Ja, Text::NotYet(day, from)) => format!(
            "{day} の未接種者は、最後の枠が終わる {} から取り消せます (何も変わっていません)",
            time(from)
        ),
        (Language::En, Text::NotYet(day, from)) => format!(
            "the no-shows of {day} can be cancelled from {}, when its last slot has ended (nothing changed)",
            time(from)
        ),
        (Language::Ja, Text::Counts(n, first, second)) => {
            format!("{n} 件 (1回目 {first}、2回目 {second})")
        }
        (Language::En, Text::Counts(n, first, second)) => {
            format!("{n} (dose 1: {first}, dose 2: {second})")
        }
        (Language::Ja, Text::Dose(d)) => format!("{d}回目"),
        (Language::En, Text::Dose(d)) => format!("dose {d}"),
        (Language::Ja, Text::Total(day, n)) => format!("{day} の受付されなかった予約: {n} 件"),
        (Language::En, Text::Total(day, n)) => {
            format!("{day}: {n} reservations without a check-in")
        }
        (Language::Ja, Text::DryRun) => "何も変えていません (取り消すには --apply)".to_owned(),
        (Language::En, Text::DryRun) => "nothing changed (cancel them with --apply)".to_owned(),
        (Language::Ja, Text::Preparing) => "メールの準備".to_owned(),
        (Language::En, Text::Preparing) => "preparing the mails".to_owned(),
        (Language::Ja, Text::Cancelling) => "一つのトランザクションで取消中".to_owned(),
        (Language::En, Text::Cancelling) => "cancelling in one transaction".to_owned(),
        (Language::Ja, Text::Skipped(line, why)) => {
            let why = match why {
                NoShowSkip::CheckedIn => "この間に受付されました",
                NoShowSkip::NotActive => "すでに取り消されていました",
                NoShowSkip::Moved => "日時が変更されていました",
                NoShowSkip::Missing => "見つかりません",
            };
            format!("取り消さず: {line} ({why})")
        }
        (Language::En, Text::Skipped(line, why)) => {
            let why = match why {
                NoShowSkip::CheckedIn => "checked in meanwhile",
                NoShowSkip::NotActive => "cancelled meanwhile",
                NoShowSkip::Moved => "moved to another time meanwhile",
                NoShowSkip::Missing => "not found",
            };
            format!("not cancelled: {line} ({why})")
        }
        (Language::Ja, Text::Done(n, skipped)) => format!(
            "{n} 件を一つのトランザクションで取り消し、各人へのメールを送信待ちにしました (取り消さず {skipped} 件)"
        ),
        (Language::En, Text::Done(n, skipped)) => format!(
            "cancelled {n} in one transaction, a mail queued to each person ({skipped} not cancelled)"
        ),
    }
}
