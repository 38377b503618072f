//! `sesshu retention`: each institution's campaign end and retention
//! (docs/retention.md), and the purge of the personal data past its time,
//! through the same operations as the office's daily job
//! (`sesshu_operations::retention`), audited as the command's user
//! (`cli:<user>`, a system administrator). Reports name institutions by
//! code and give counts: no personal value.

use super::context::Context;
use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Subcommand;
use sesshu_domain::{InstitutionId, Language, RetentionMonths, RetentionRule, SystemClock, TOKYO};
use sesshu_operations::Operations;
use sesshu_operations::retention::{self, Purge, RetentionStatus};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Every institution's campaign end, months, last day kept and last
    /// purge.
    Show {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Set an institution's campaign end day and the months its consent
    /// text promises.
    Set {
        /// The institution's code.
        #[arg(long)]
        institution: String,
        /// The last day of its campaign, YYYY-MM-DD (Asia/Tokyo).
        #[arg(long, conflicts_with = "ongoing", required_unless_present = "ongoing")]
        campaign_ended: Option<String>,
        /// Its campaign is not over (again): nothing of it is purged.
        #[arg(long)]
        ongoing: bool,
        /// The months its personal data is kept after that day (0–120);
        /// without it, `[retention] default_months`.
        #[arg(long)]
        months: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Delete the personal data of every institution whose time is past
    /// (one transaction and one audit entry each).
    Purge {
        /// Only report what would be deleted, per institution and kind.
        #[arg(long)]
        dry_run: bool,
        /// Only this institution (by code).
        #[arg(long)]
        institution: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub async fn run(command: RetentionCommand) -> anyhow::Result<()> {
    let lang = sesshu::reservations::language_of_locale();
    match command {
        RetentionCommand::Show { config } => {
            let (ops, default) = open(config).await?;
            let statuses =
                retention::statuses(&ops, &sesshu::audit::command_actor(), default).await?;
            show(lang, default, &statuses);
            Ok(())
        }
        RetentionCommand::Set {
            institution,
            campaign_ended,
            ongoing,
            months,
            config,
        } => {
            let campaign_ended_on = match (campaign_ended, ongoing) {
                (Some(day), false) => Some(
                    NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                        .with_context(|| format!("--campaign-ended {day:?}: YYYY-MM-DD"))?,
                ),
                _ => None,
            };
            let months = months
                .map(|m| RetentionMonths::parse(&m).with_context(|| format!("--months {m:?}")))
                .transpose()?;
            let (ops, default) = open(config).await?;
            let actor = sesshu::audit::command_actor();
            let id = institution_id(&ops, default, &institution).await?;
            let rule = RetentionRule {
                campaign_ended_on,
                months,
            };
            retention::set(&ops, &actor, id, rule).await?;
            let statuses = retention::statuses(&ops, &actor, default).await?;
            show(lang, default, &statuses);
            Ok(())
        }
        RetentionCommand::Purge {
            dry_run,
            institution,
            config,
        } => {
            let (ops, default) = open(config).await?;
            let actor = sesshu::audit::command_actor();
            let only = match &institution {
                Some(code) => Some(institution_id(&ops, default, code).await?),
                None => None,
            };
            let done = if dry_run {
                retention::dry_run(&ops, &actor, default, only).await?
            } else {
                retention::purge(&ops, &actor, default, only).await?
            };
            report(lang, dry_run, &done);
            Ok(())
        }
    }
}

async fn open(config: Option<PathBuf>) -> anyhow::Result<(Operations, RetentionMonths)> {
    let context = Context::load(config)?;
    let default = context.config.retention.default_months()?;
    let store = context.store().await?;
    Ok((Operations::new(store, Arc::new(SystemClock)), default))
}

async fn institution_id(
    ops: &Operations,
    default: RetentionMonths,
    code: &str,
) -> anyhow::Result<InstitutionId> {
    retention::statuses(ops, &sesshu::audit::command_actor(), default)
        .await?
        .into_iter()
        .find(|s| s.code.as_str() == code.trim())
        .map(|s| s.institution)
        .with_context(|| format!("there is no institution {code:?}"))
}

#[allow(clippy::print_stdout)] // a command's report is its output
fn show(lang: Language, default: RetentionMonths, statuses: &[RetentionStatus]) {
    println!("{}", text(lang, Text::Default(default)));
    for s in statuses {
        println!("{}", text(lang, Text::Status(s)));
    }
}

#[allow(clippy::print_stdout)] // a command's report is its output
fn report(lang: Language, dry_run: bool, done: &[Purge]) {
    for purge in done {
        println!(
            "{}",
            text(
                lang,
                Text::Institution(purge.code.as_str(), purge.kept_until)
            )
        );
        for (kind, n) in purge.counts.kinds() {
            println!("  {}: {n}", kind.name(lang));
        }
    }
    println!("{}", text(lang, Text::Summary(dry_run, done.len())));
}

enum Text<'a> {
    Default(RetentionMonths),
    Status(&'a RetentionStatus),
    Institution(&'a str, NaiveDate),
    Summary(bool, usize),
}

fn text(lang: Language, text: Text<'_>) -> String {
    match (lang, text) {
        (Language::Ja, Text::Default(m)) => format!("既定の保存期間: キャンペーン終了後 {m} か月"),
        (Language::En, Text::Default(m)) => {
            format!("default retention: {m} months after the campaign ends")
        }
        (lang, Text::Status(s)) => {
            let ended = s.rule.campaign_ended_on.map(|d| d.to_string());
            let purged = s
                .purged_at
                .map(|t| t.with_timezone(&TOKYO).format("%Y-%m-%d %H:%M").to_string());
            let own = s.rule.months.is_some();
            match lang {
                Language::Ja => format!(
                    "{}: 終了日 {}、{} か月{}、保存 {} まで{}{}",
                    s.code,
                    ended.as_deref().unwrap_or("未設定 (削除しない)"),
                    s.months,
                    if own { "" } else { " (既定)" },
                    s.kept_until
                        .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                    if s.due { "、削除の対象" } else { "" },
                    purged
                        .map(|p| format!("、最終削除 {p}"))
                        .unwrap_or_default(),
                ),
                Language::En => format!(
                    "{}: campaign ended {}, {} months{}, kept until {}{}{}",
                    s.code,
                    ended.as_deref().unwrap_or("not set (nothing purged)"),
                    s.months,
                    if own { "" } else { " (default)" },
                    s.kept_until
                        .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                    if s.due { ", due for purging" } else { "" },
                    purged
                        .map(|p| format!(", last purged {p}"))
                        .unwrap_or_default(),
                ),
            }
        }
        (Language::Ja, Text::Institution(code, until)) => {
            format!("{code} ({until} まで保存):")
        }
        (Language::En, Text::Institution(code, until)) => format!("{code} (kept until {until}):"),
        (Language::Ja, Text::Summary(true, n)) => {
            format!("削除の対象 {n} 機関。何も変えていません (削除するには --dry-run なしで)")
        }
        (Language::En, Text::Summary(true, n)) => {
            format!("{n} institutions due; nothing changed (purge them without --dry-run)")
        }
        (Language::Ja, Text::Summary(false, n)) => {
            format!("{n} 機関の個人情報を削除しました (機関ごとに一つのトランザクション)")
        }
        (Language::En, Text::Summary(false, n)) => {
            format!("purged the personal data of {n} institutions (one transaction each)")
        }
    }
}
