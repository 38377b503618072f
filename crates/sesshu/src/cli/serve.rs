//! `sesshu serve`: the public process.

use super::context::Context;
use anyhow::Context as _;
use sesshu::app::{Parts, shutdown_signal};
use sesshu::{Application, Config};
use sesshu_domain::{Clock, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub async fn run(config: Option<PathBuf>) -> anyhow::Result<()> {
    let context = Context::load(config)?;
    let config = &context.config;
    let store = context.serving_store().await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let sealing = config
        .vault
        .as_ref()
        .context("[vault] public_key_file is required: see `sesshu keys generate`")?
        .sealing_key()?;
    let parts = Parts::from_config(config, store.clone(), clock, sealing);
    let app = build(config, parts, config.listen, &store, None)
        .await?
        .with_metrics(config.metrics_listen)
        .await?;
    tracing::info!(address = %app.local_addr()?, "serving");
    app.run(shutdown_signal()).await
}

/// The application, with GakuNin login when built with it and configured
/// (the demo makes its own SP key in `demo_data`).
#[allow(unused_variables)]
pub async fn build(
    config: &Config,
    parts: Parts,
    listen: SocketAddr,
    store: &sesshu_store::DynStore,
    demo_data: Option<&std::path::Path>,
) -> anyhow::Result<Application> {
    #[cfg(feature = "saml")]
    {
        let credentials = match (&config.saml, demo_data) {
            (Some(saml), _) => Some(sesshu_saml::SpCredentials::load(
                &saml.key_file,
                &saml.cert_file,
            )?),
            (None, Some(dir)) => Some({
                std::fs::create_dir_all(dir)?;
                sesshu_saml::SpCredentials::load_or_generate(
                    &dir.join("sp.key"),
                    &dir.join("sp.pem"),
                    "sesshu-demo",
                )?
            }),
            (None, None) => None,
        };
        if let Some(credentials) = credentials {
            let origin = config.public_origin.as_deref().context(
                "[saml] needs public_origin (the SP's entity ID and ACS derive from it)",
            )?;
            let listener = sesshu::app::bind(listen).await?;
            let sp = sesshu::app::saml_sp(origin, credentials, store).await?;
            tracing::info!(entity_id = sp.entity_id(), "SAML service provider");
            return Ok(Application::build_with_saml(parts, listener, sp));
        }
    }
    #[cfg(not(feature = "saml"))]
    if config.saml.is_some() {
        tracing::warn!(
            "[saml] is configured but this build has no SAML: rebuild with --features saml"
        );
    }
    Application::build(parts, listen).await
}
