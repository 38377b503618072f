//! `sesshu members import`: a member upload from the command line, with the
//! same checks, preview and report as the office's upload page.

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use sesshu_auth::PasswordPolicy;
use sesshu_auth::hosted;
use sesshu_auth::roster::{self, Current, MissingMembers, Password, Plan, RosterError};
use sesshu_domain::{
    Clock, Institution, InstitutionCode, InstitutionId, LoginMethod, MailAddress, Profile,
    SystemClock,
};
use sesshu_store::{DynStore, Field, NewMember, Owner};
use sesshu_vault::SealingKey;
use sesshu_vault_open::OpeningKey;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// The built-in directory's members as an upload compares them: their
/// sealed personal data opened with the back office's key.
pub async fn builtin_current(
    store: &DynStore,
    institution: InstitutionId,
    key: &OpeningKey,
) -> anyhow::Result<Vec<Current>> {
    let mut current = Vec::new();
    for m in store.members(institution).await? {
        let owner = Owner::login(institution.0, m.login.as_str());
        let mut profile = Profile::default();
        for (field, sealed) in store.personal_data(&owner).await? {
            let value = key.open(&owner, field, &sealed)?;
            match field {
                Field::NameRoman => profile.display_name = Some(value),
                Field::NameKanji => profile.display_name_ja = Some(value),
                Field::NameKana => profile.name_kana = Some(value),
                Field::Mail => profile.mail = MailAddress::parse(&value).ok(),
            }
        }
        current.push(Current {
            login: m.login,
            user_type: Some(m.user_type),
            department: m.department,
            profile,
            disabled: m.disabled,
        });
    }
    Ok(current)
}

/// Writes a plan into the built-in directory in one transaction. Plain
/// passwords are hashed here (Argon2id, which is what takes the time) and
/// personal data is sealed.
pub async fn builtin_apply(
    store: &DynStore,
    institution: InstitutionId,
    policy: &PasswordPolicy,
    sealing: &SealingKey,
    plan: &Plan,
    progress: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<()> {
    let existing: HashMap<String, String> = store
        .members(institution)
        .await?
        .into_iter()
        .map(|m| (m.login.as_str().to_owned(), m.password_hash))
        .collect();
    let mut upsert = Vec::new();
    for row in plan
        .add
        .iter()
        .chain(plan.update.iter().map(|(row, _)| row))
    {
        let password_hash = match &row.password {
            Some(Password::Hash(hash)) => hash.clone(),
            Some(Password::Plain(plain)) => {
                let (policy, plain) = (policy.clone(), plain.clone());
                tokio::task::spawn_blocking(move || policy.hash(&plain))
                    .await?
                    .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?
            }
            None => existing
                .get(row.login.as_str())
                .cloned()
                .context("a new member without a password")?,
        };
        let owner = Owner::login(institution.0, row.login.as_str());
        upsert.push(NewMember {
            institution,
            login: row.login.clone(),
            password_hash,
            user_type: row.user_type,
            department: row.department.clone(),
            personal: sesshu_auth::seal_profile(sealing, &owner, &row.profile)?,
            disabled: false,
        });
        progress(row.login.as_str());
    }
    store
        .apply_members(
            institution,
            &upsert,
            &plan.disable,
            &plan.remove,
            SystemClock.now(),
        )
        .await?;
    Ok(())
}

/// Where an institution's members live, for an upload.
enum Target<'a> {
    Builtin,
    Hosted(&'a sesshu_domain::LdapSettings),
}

fn target(institution: &Institution) -> anyhow::Result<Target<'_>> {
    match &institution.login {
        LoginMethod::Builtin => Ok(Target::Builtin),
        LoginMethod::Ldap(ldap) if ldap.hosted.is_some() => Ok(Target::Hosted(ldap)),
        LoginMethod::Ldap(_) => bail!(
            "{} logs in against its own LDAP server: its members are not uploaded here",
            institution.code
        ),
        LoginMethod::Saml(_) => bail!(
            "{} logs in with GakuNin (SAML): its members are not uploaded here",
            institution.code
        ),
    }
}

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
    let target = target(&institution)?;
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
    if let Target::Hosted(_) = target {
        let hashes: Vec<RosterError> = rows
            .iter()
            .filter(|r| matches!(r.password, Some(Password::Hash(_))))
            .map(|r| RosterError {
                line: r.line,
                column: None,
                message: "an LDAP directory takes initial passwords, not hashes".into(),
            })
            .collect();
        if !hashes.is_empty() {
            bail!(
                "{}: nothing changed:\n{}",
                file.display(),
                errors_text(&hashes)
            );
        }
    }
    let current = match target {
        Target::Builtin => {
            let key = vault.context(
                "the built-in directory's personal data is sealed: [vault] private_key_file is needed",
            )?;
            builtin_current(store, institution.id, key).await?
        }
        Target::Hosted(ldap) => hosted::ldap_current(ldap)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the directory: {}", e.summary()))?,
    };
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
    match target {
        Target::Builtin => {
            let key = vault.context("[vault] private_key_file is needed")?;
            builtin_apply(
                store,
                institution.id,
                &PasswordPolicy::default(),
                key.sealing_key(),
                &plan,
                &mut tick,
            )
            .await?;
            bar.finish();
            crate::audit::record_command(
                store,
                "members.import",
                vec![format!("institution:{}", institution.code)],
                summary,
            )
            .await?;
            println!("written in one transaction");
        }
        Target::Hosted(ldap) => match hosted::ldap_apply(ldap, &plan, &mut tick).await {
            Ok(done) => {
                bar.finish();
                crate::audit::record_command(
                    store,
                    "members.import",
                    vec![format!("institution:{}", institution.code)],
                    summary,
                )
                .await?;
                println!("{} changes written to the directory", done.len());
            }
            Err(partial) => {
                bar.abandon();
                crate::audit::record_command(
                    store,
                    "members.import.partial",
                    vec![format!("institution:{}", institution.code)],
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
        },
    }
    Ok(())
}
