//! `sesshu audit`: the audit trail.

use super::context::Context;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Follow the hash chain of the audit trail; report the first broken link.
    Verify {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub async fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { config } => verify(config).await,
    }
}

#[allow(clippy::print_stdout)] // a command's report is its output
async fn verify(config: Option<PathBuf>) -> anyhow::Result<()> {
    let context = Context::load(config)?;
    let store = context.store().await?;
    match sesshu::audit::verify(&store).await {
        Ok(n) => {
            println!("{n} audit entries; the chain is intact");
            Ok(())
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}
