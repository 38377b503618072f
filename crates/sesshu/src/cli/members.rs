//! `sesshu members`: member uploads (docs/members.md); the work is
//! `sesshu::members` over `sesshu_operations::roster`.

use super::context::Context;
use clap::Subcommand;
use sesshu_auth::roster::MissingMembers;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Check a member CSV whole, show the changes, then write them into the
    /// institution's directory (built-in, or the LDAP directory hosted for it).
    Import {
        #[arg(long)]
        institution: String,
        file: PathBuf,
        /// What happens to members the file no longer lists.
        #[arg(long, value_enum, default_value_t = Missing::Disable)]
        missing: Missing,
        /// Check and show the changes; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Missing {
    /// They can no longer log in.
    Disable,
    /// Their entries are deleted.
    Remove,
    /// Left alone (a partial upload).
    Keep,
}

pub async fn run(command: MembersCommand) -> anyhow::Result<()> {
    match command {
        MembersCommand::Import {
            institution,
            file,
            missing,
            dry_run,
            config,
        } => {
            let context = Context::load(config)?;
            let store = context.store().await?;
            let missing = match missing {
                Missing::Disable => MissingMembers::Disable,
                Missing::Remove => MissingMembers::Remove,
                Missing::Keep => MissingMembers::Keep,
            };
            let vault = context
                .config
                .vault
                .as_ref()
                .and_then(|v| v.private_key_file.as_ref().map(|_| v.opening_key()))
                .transpose()?;
            sesshu::members::import(
                &store,
                vault.as_ref(),
                &institution,
                &file,
                missing,
                dry_run,
            )
            .await
        }
    }
}
