//! `sesshu institutions`: the institution master (docs/institutions.md),
//! read and written by `sesshu_operations::master`.

use super::context::Context;
use anyhow::Context as _;
use clap::Subcommand;
use sesshu_domain::AuditObject;
use sesshu_operations::master;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum InstitutionsCommand {
    /// Check a master file whole, then create or update every institution in
    /// it in one transaction.
    Import {
        file: PathBuf,
        /// Check and show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write the master of every institution (to stdout, or --output).
    Export {
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[allow(clippy::print_stdout)] // a command's report is its output
pub async fn run(command: InstitutionsCommand) -> anyhow::Result<()> {
    match command {
        InstitutionsCommand::Import {
            file,
            dry_run,
            config,
        } => {
            let context = Context::load(config)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let all = master::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: nothing imported:\n{e}", file.display()))?;
            let store = context.store().await?;
            if dry_run {
                for new in &all {
                    let exists = store.institution_by_code(&new.code).await?.is_some();
                    let verb = if exists {
                        "would update"
                    } else {
                        "would create"
                    };
                    println!("{verb} {} ({} login)", new.code, new.login.name());
                }
                println!(
                    "{} institutions checked; nothing written (--dry-run)",
                    all.len()
                );
                return Ok(());
            }
            let mut created = 0;
            for new in &all {
                if store.institution_by_code(&new.code).await?.is_none() {
                    created += 1;
                }
            }
            let entry = sesshu::audit::command_entry(
                sesshu_domain::AuditAction::InstitutionsImport,
                all.iter()
                    .map(|new| AuditObject::InstitutionCode(new.code.clone()))
                    .collect(),
                format!("{created} created, {} updated", all.len() - created),
            );
            let done = store.save_institutions(&all, &entry).await?;
            for d in &done {
                let verb = if d.created { "created" } else { "updated" };
                println!("{verb} {}", d.code);
            }
            println!("{} institutions imported", all.len());
            Ok(())
        }
        InstitutionsCommand::Export { output, config } => {
            let context = Context::load(config)?;
            let store = context.store().await?;
            let text = master::render(&store.institutions().await?)?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}
