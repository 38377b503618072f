//! `sesshu reservations apply`: bulk reservation fixes from the command
//! line, with the same checks, preview and single transaction as the
//! office's page (`sesshu_core::fixes`).

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use sesshu_core::Bookings;
use sesshu_core::fixes::{self, Appointment, FixAuditor, FixError, FixPlan};
use sesshu_domain::AuditObject;
use sesshu_domain::upload::UploadError;
use sesshu_domain::{AuditEntry, Catalog, Language, SystemClock, TOKYO};
use sesshu_store::DynStore;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

/// The language of the command's report: Japanese when the locale says so.
pub fn language_of_locale() -> Language {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .and_then(|v| Language::from_tag(&v))
        .unwrap_or(Language::En)
}

struct CommandAuditor;

impl FixAuditor for CommandAuditor {
    fn entry(
        &self,
        action: sesshu_domain::AuditAction,
        objects: Vec<AuditObject>,
        detail: String,
    ) -> AuditEntry {
        crate::audit::command_entry(action, objects, detail)
    }
}

/// Checks the whole file, shows every change, and (unless `dry_run`) makes
/// them all in one transaction.
#[allow(clippy::print_stdout)] // the command's report is its output
pub async fn apply(
    store: &DynStore,
    file: &Path,
    dry_run: bool,
    lang: Language,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let nothing = |problems: Vec<UploadError>| {
        let mut text = String::new();
        for p in problems {
            let _ = writeln!(text, "  {p}");
        }
        anyhow::anyhow!("{}: nothing changed:\n{text}", file.display())
    };
    let parsed = fixes::parse(&bytes, lang).map_err(nothing)?;
    let bookings = Bookings::new(store.clone(), Arc::new(SystemClock));
    let bar = ProgressBar::new(parsed.lines.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("checking");
    let planned = bookings
        .plan_fixes(&parsed, lang, &|done| bar.set_position(done as u64))
        .await;
    bar.finish_and_clear();
    let plan = match planned {
        Ok(plan) => plan,
        Err(FixError::Invalid(problems)) => return Err(nothing(problems)),
        Err(FixError::Failed(e)) => return Err(e.into()),
    };
    let catalog = store.catalog().await?;
    print!("{}", preview(&plan, &catalog, lang));
    let (moved, cancelled, booked) = plan.counts();
    println!("{moved} moved, {cancelled} cancelled, {booked} booked");
    if dry_run {
        println!("nothing changed (--dry-run)");
        return Ok(());
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message("applying in one transaction");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let applied = bookings.apply_fixes(&plan, lang, &CommandAuditor).await;
    spinner.finish_and_clear();
    match applied {
        Ok(done) => {
            let mut made = done.iter();
            for fix in plan.fixes.iter().filter(|f| !f.unchanged) {
                if let (Some(series), None) = (made.next(), &fix.number) {
                    println!("line {}: booked {}", fix.line, series.number);
                }
            }
            println!("applied in one transaction");
            Ok(())
        }
        Err(FixError::Invalid(problems)) => Err(nothing(problems)),
        Err(FixError::Failed(e)) => Err(e.into()),
    }
}

/// One line per change: the line, what, whose, from, to, why.
pub fn preview(plan: &FixPlan, catalog: &Catalog, lang: Language) -> String {
    let at = |a: &Appointment| {
        format!(
            "{}: {} {}",
            a.dose.get(),
            a.starts_at.with_timezone(&TOKYO).format("%Y-%m-%d %H:%M"),
            catalog
                .venue(a.venue)
                .map(|v| v.name(lang))
                .unwrap_or_default()
        )
    };
    let mut out = String::new();
    for fix in &plan.fixes {
        let whom = match (&fix.number, &fix.member) {
            (Some(number), _) => number.to_string(),
            (None, Some(member)) => format!("{} {}", fix.institution, member.as_str()),
            (None, None) => String::new(),
        };
        let before: Vec<String> = fix.before.iter().map(at).collect();
        let after = match (&fix.to, fix.unchanged) {
            (_, true) => "(no change)".to_owned(),
            (Some(to), false) => at(to),
            (None, false) => "-".to_owned(),
        };
        let _ = writeln!(
            out,
            "line {}: {} {whom} [{}] -> [{after}] ({})",
            fix.line,
            fix.kind.label(lang),
            before.join(", "),
            fix.reason
        );
    }
    out
}
