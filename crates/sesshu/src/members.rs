//! `sesshu members import`: a member upload from the command line, with the
//! same checks, preview and report as the office's upload page.

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use sesshu_auth::PasswordPolicy;
use sesshu_auth::roster::{self, MissingMembers, Plan, RosterError};
use sesshu_domain::AuditObject;
use sesshu_domain::InstitutionCode;
use sesshu_operations::roster::{self as roster_store, Directory, RosterFailure};
use sesshu_store::DynStore;
use sesshu_vault_open::{Keyring, OpeningKey};
use std::fmt::Write as _;
use std::path::Path;

fn errors_text(errors: &[RosterError]) -> String {
    let mut out = String::new();
    for e in errors {
        let _ = writeln!(out, "  {e}");
    }
    out
}

/// The preview of a plan, as the person uploading reads it.
pub fn preview(plan: &Plan) -> String {
    let mut out = String::new();
    let list = |out: &mut String, title: &str, items: Vec<String>| {
        if !items.is_empty() {
            let _ = writeln!(out, "{title} ({}):", items.len());
            for item in items {
                let _ = writeln!(out, "  {item}");
            }
        }
    };
    list(
        &mut out,
        "add",
        plan.add
            .iter()
            .map(|r| r.login.as_str().to_owned())
            .collect(),
    );
    list(
        &mut out,
        "update",
        plan.update
            .iter()
            .map(|(r, fields)| format!("{} ({})", r.login.as_str(), fields.join(", ")))
            .collect(),
    );
    list(
        &mut out,
        "disable (not in the upload: they can no longer log in)",
        plan.disable.iter().map(|l| l.as_str().to_owned()).collect(),
    );
    list(
        &mut out,
        "remove (not in the upload: deleted)",
        plan.remove.iter().map(|l| l.as_str().to_owned()).collect(),
    );
    let _ = writeln!(out, "unchanged: {}", plan.unchanged);
    out
}

/// Checks the whole upload, shows the changes, and (unless `dry_run`)
/// writes them.
#[allow(clippy::print_stdout)] // the command's report is its output
pub async fn import(
    store: &DynStore,
    vault: Option<&OpeningKey>,
    code: &str,
    file: &Path,
    missing: MissingMembers,
    dry_run: bool,
) -> anyhow::Result<()> {
    let code = InstitutionCode::parse(code)?;
    let institution = store
        .institution_by_code(&code)
        .await?
        .with_context(|| format!("no institution {code}"))?;
    let directory = roster_store::directory(&institution)?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = roster::decode(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: nothing changed:\n  {e}", file.display()))?;
    let rows = roster::parse(&text).map_err(|errors| {
        anyhow::anyhow!(
            "{}: nothing changed:\n{}",
            file.display(),
            errors_text(&errors)
        )
    })?;
    let refused = roster_store::refused_rows(directory, &rows);
    if !refused.is_empty() {
        bail!(
            "{}: nothing changed:\n{}",
            file.display(),
            errors_text(&refused)
        );
    }
    let keys = match (directory, vault) {
        (_, Some(key)) => Keyring::new([key.clone()]),
        (Directory::Hosted(_), None) => Keyring::default(),
        (Directory::Builtin, None) => bail!(
            "the built-in directory's personal data is sealed: [vault] private_key_file is needed"
        ),
    };
    let current = roster_store::current(store, institution.id, directory, &keys).await?;
    let count = rows.len();
    let plan = roster::plan(rows, current, missing).map_err(|errors| {
        anyhow::anyhow!(
            "{}: nothing changed:\n{}",
            file.display(),
            errors_text(&errors)
        )
    })?;
    println!(
        "{} members in {}; changes for {}:",
        count,
        file.display(),
        institution.code
    );
    print!("{}", preview(&plan));
    if dry_run {
        println!("nothing written (--dry-run)");
        return Ok(());
    }
    if plan.is_empty() {
        println!("nothing to write");
        return Ok(());
    }
    let steps = plan.add.len() + plan.update.len() + plan.disable.len() + plan.remove.len();
    let summary = format!(
        "{} added, {} updated, {} disabled, {} removed",
        plan.add.len(),
        plan.update.len(),
        plan.disable.len(),
        plan.remove.len()
    );
    let bar = ProgressBar::new(steps as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut tick = |_: &str| bar.inc(1);
    let written = roster_store::apply(
        store,
        institution.id,
        directory,
        roster_store::Secrets {
            policy: &PasswordPolicy::default(),
            sealing: vault.map(OpeningKey::sealing_key),
        },
        &plan,
        sesshu_domain::Clock::now(&sesshu_domain::SystemClock),
        &mut tick,
    )
    .await;
    match written {
        Ok(done) => {
            bar.finish();
            crate::audit::record_command(
                store,
                sesshu_domain::AuditAction::MembersImport,
                vec![AuditObject::InstitutionCode(institution.code.clone())],
                summary,
            )
            .await?;
            match directory {
                Directory::Builtin => println!("written in one transaction"),
                Directory::Hosted(_) => println!("{done} changes written to the directory"),
            }
        }
        Err(RosterFailure::Partial(partial)) => {
            bar.abandon();
            crate::audit::record_command(
                store,
                sesshu_domain::AuditAction::MembersImportPartial,
                vec![AuditObject::InstitutionCode(institution.code.clone())],
                format!(
                    "{} of {steps} changes written; failed at one",
                    partial.done.len()
                ),
            )
            .await?;
            let mut report = String::new();
            for step in &partial.done {
                let _ = writeln!(report, "  written: {step}");
            }
            bail!(
                "the directory failed part way ({}) at: {}\n{} of {steps} changes were \
                 written before it:\n{report}Fix the cause and upload the same file again: \
                 what is written already is left as it is.",
                partial.error,
                partial.failed,
                partial.done.len(),
            );
        }
        Err(other) => {
            bar.abandon();
            return Err(other.into());
        }
    }
    Ok(())
}
