//! `sesshu reservations`: bulk reservation fixes (docs/reservations.md).

use super::context::Context;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ReservationsCommand {
    /// Check a CSV of moves, cancellations and bookings whole, show every
    /// change, then make them all in one transaction (or none).
    Apply {
        file: PathBuf,
        /// Check and show the changes; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub async fn run(command: ReservationsCommand) -> anyhow::Result<()> {
    match command {
        ReservationsCommand::Apply {
            file,
            dry_run,
            config,
        } => {
            let context = Context::load(config)?;
            let store = context.store().await?;
            sesshu::reservations::apply(
                &store,
                &file,
                dry_run,
                sesshu::reservations::language_of_locale(),
            )
            .await
        }
    }
}
