//! `sesshu keys`: the back office's key pair for personal data.

use super::context::Context;
use anyhow::Context as _;
use clap::Subcommand;
use sesshu_domain::AuditObject;
use sesshu_domain::{Clock, SystemClock};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new key pair: DIR/vault.key (private, mode 0600) and DIR/vault.pub.
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
    /// Re-seal every value sealed with the private key --from under the key
    /// pair of the configuration's [vault] (point [vault] at the new pair,
    /// and restart the public process with its public key, first).
    Rotate {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub async fn run(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Generate { out } => generate(&out),
        KeysCommand::Rotate { from, config } => rotate(&from, config).await,
    }
}

#[allow(clippy::print_stdout)] // a command's report is its output
fn generate(out: &Path) -> anyhow::Result<()> {
    let key = sesshu::keys::generate(out)?;
    println!("key {} written:", key.id());
    println!(
        "  {} (private: the back office only, mode 0600)",
        out.join(sesshu::keys::PRIVATE).display()
    );
    println!(
        "  {} (public: the public process)",
        out.join(sesshu::keys::PUBLIC).display()
    );
    println!();
    println!("[vault]");
    println!("public_key_file = {:?}", out.join(sesshu::keys::PUBLIC));
    println!(
        "private_key_file = {:?}   # the back office's configuration only",
        out.join(sesshu::keys::PRIVATE)
    );
    Ok(())
}

#[allow(clippy::print_stdout)] // a command's report is its output
async fn rotate(from: &Path, config: Option<PathBuf>) -> anyhow::Result<()> {
    let context = Context::load(config)?;
    let vault = context
        .config
        .vault
        .as_ref()
        .context("[vault] is needed: the new key pair")?;
    let new = vault.sealing_key()?;
    let old = sesshu_vault_open::OpeningKey::read(from)
        .with_context(|| format!("old private key {}", from.display()))?;
    anyhow::ensure!(old.id() != new.id(), "--from is the configured key already");
    let store = context.store().await?;
    let bar = indicatif::ProgressBar::new_spinner();
    let done = sesshu::keys::rotate(&store, &old, &new, SystemClock.now(), |n| {
        bar.set_position(n)
    })
    .await?;
    bar.finish_and_clear();
    sesshu::audit::record_command(
        &store,
        sesshu_domain::AuditAction::KeysRotate,
        vec![
            AuditObject::Key(old.id().to_string()),
            AuditObject::Key(new.id().to_string()),
        ],
        format!("{} re-sealed", done.resealed),
    )
    .await?;
    println!(
        "re-sealed {} values from key {} to key {}; {} were under the new key already",
        done.resealed,
        old.id(),
        new.id(),
        done.already_new
    );
    if done.foreign > 0 {
        println!(
            "{} values are sealed with a third key and were left as they are",
            done.foreign
        );
    }
    Ok(())
}
