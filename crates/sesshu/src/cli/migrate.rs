//! `sesshu migrate`: apply the database migrations and exit.

use super::context::Context;
use std::path::PathBuf;

pub async fn run(config: Option<PathBuf>) -> anyhow::Result<()> {
    let context = Context::load(config)?;
    context.migrate().await?;
    tracing::info!("migrations applied");
    Ok(())
}
