//! `sesshu fhir export`: the FHIR R4 Bundle of a period's Immunizations
//! written to a file, through the same operation as the office's
//! `GET /fhir/Immunization` (`sesshu_operations::fhir`), audited as the
//! command's user (`cli:<user>`, a system administrator). It needs the
//! vault's private key even without `--names`: the bundle's ids are keyed
//! with a secret derived from it (docs/fhir.md).

use super::context::Context;
use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Subcommand;
use sesshu_domain::{Language, SystemClock};
use sesshu_operations::fhir::{self, FhirExport};
use sesshu_operations::lists::Period;
use sesshu_operations::{Operations, reference};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum FhirCommand {
    /// Write the Bundle (type collection) of the doses given, or decided
    /// not to be given, from --from to --to (both days included, Asia/Tokyo).
    Export {
        /// The first day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// The last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// The file to write (mode 0600: it is health data).
        #[arg(long)]
        out: PathBuf,
        /// Add the people's names (kanji, kana, roman) to their Patients;
        /// without it a Patient holds only an opaque id.
        #[arg(long)]
        names: bool,
        /// Only this institution's people, by its code.
        #[arg(long)]
        institution: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub async fn run(command: FhirCommand) -> anyhow::Result<()> {
    match command {
        FhirCommand::Export {
            from,
            to,
            out,
            names,
            institution,
            config,
        } => export(&from, &to, &out, names, institution.as_deref(), config).await,
    }
}

#[allow(clippy::print_stdout)] // a command's report is its output
async fn export(
    from: &str,
    to: &str,
    out: &Path,
    names: bool,
    institution: Option<&str>,
    config: Option<PathBuf>,
) -> anyhow::Result<()> {
    let lang = sesshu::reservations::language_of_locale();
    let day = |flag: &str, s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .with_context(|| format!("--{flag} {s:?}: expected YYYY-MM-DD"))
    };
    let period = Period::new(day("from", from)?, day("to", to)?)
        .context("--to is before --from: the period is empty")?;
    let context = Context::load(config)?;
    let key = context
        .config
        .vault
        .as_ref()
        .context("[vault] private_key_file is required: the bundle's ids are keyed with it")?
        .opening_key()?;
    let keys = sesshu_vault_open::Keyring::new([key]);
    let store = context.store().await?;
    let ops = Operations::new(store, Arc::new(SystemClock));
    let institution = match institution {
        None => None,
        Some(code) => Some(
            reference::institutions(&ops)
                .await?
                .into_iter()
                .find(|i| i.code.as_str() == code)
                .with_context(|| format!("--institution {code:?}: there is no such institution"))?
                .id,
        ),
    };
    let actor = sesshu::audit::command_actor();
    let export = FhirExport {
        period,
        institution,
        names,
    };
    let bundle = fhir::immunization_bundle(&ops, &keys, &actor, &export).await?;
    super::context::write_private(out, &bundle.to_json()?)
        .with_context(|| format!("writing {}", out.display()))?;
    let report = Report {
        immunizations: bundle.immunizations().count(),
        patients: bundle.patients().count(),
        out,
    };
    println!("{}", report.text(lang));
    Ok(())
}

/// What was written.
struct Report<'a> {
    immunizations: usize,
    patients: usize,
    out: &'a Path,
}

impl Report<'_> {
    fn text(&self, lang: Language) -> String {
        let Self {
            immunizations,
            patients,
            out,
        } = self;
        let out = out.display();
        match lang {
            Language::Ja => format!(
                "{out} に書き出しました: Immunization {immunizations} 件、Patient {patients} 件"
            ),
            Language::En => {
                format!("wrote {out}: {immunizations} Immunization, {patients} Patient")
            }
        }
    }
}
