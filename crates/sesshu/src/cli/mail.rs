//! `sesshu mail`: mail to people (docs/mail.md).

use super::context::Context;
use anyhow::Context as _;
use clap::Subcommand;
use sesshu::app::shutdown_signal;
use sesshu_domain::SystemClock;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Run only the outbox worker (`sesshu office` runs one too): for a
    /// separate process or host. Needs [mail] and the vault's private key.
    Run {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub async fn run(command: MailCommand) -> anyhow::Result<()> {
    match command {
        MailCommand::Run { config } => worker(config).await,
    }
}

async fn worker(config: Option<PathBuf>) -> anyhow::Result<()> {
    let context = Context::load(config)?;
    let keys = context
        .config
        .vault
        .as_ref()
        .context("[vault] private_key_file is required: the worker opens mail addresses")?
        .opening_key()?;
    let mail = context
        .mail_parts()?
        .context("[mail] is required: see docs/mail.md")?;
    let store = context.serving_store().await?;
    let worker = sesshu_mail::Worker::new(
        store,
        sesshu_vault_open::Keyring::new([keys]),
        mail.transport,
        Arc::new(SystemClock),
        mail.settings,
    );
    worker.run(shutdown_signal()).await;
    Ok(())
}
