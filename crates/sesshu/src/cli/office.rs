//! `sesshu office`: the back office, HTTPS with client certificates.

use super::context::Context;
use anyhow::Context as _;
use sesshu::app::{OfficeApplication, OfficeParts, shutdown_signal};
use sesshu_domain::SystemClock;
use std::path::PathBuf;
use std::sync::Arc;

pub async fn run(config: Option<PathBuf>) -> anyhow::Result<()> {
    let context = Context::load(config)?;
    let config = &context.config;
    let office = config
        .office
        .as_ref()
        .context("[office] is required: see docs/deploy.md")?;
    let keys = config
        .vault
        .as_ref()
        .context("[vault] private_key_file is required: the office opens personal data")?
        .opening_key()?;
    let store = context.serving_store().await?;
    let mail = context.mail_parts()?;
    let parts = OfficeParts {
        store: store.clone(),
        clock: Arc::new(SystemClock),
        keys: sesshu_vault_open::Keyring::new([keys]),
        passwords: sesshu_auth::PasswordPolicy::default(),
        throttle: config.login_throttle.limits(),
        config: sesshu_office::OfficeConfig {
            mail: office_mail(&context),
            ..office.office_config()?
        },
        mail,
    };
    if parts.mail.is_none() {
        tracing::warn!("no [mail] in the configuration: no mail is sent");
    }
    let app = OfficeApplication::build(parts, office.listen, office.transport()?)
        .await?
        .with_metrics(office.metrics_listen)
        .await?;
    #[cfg(feature = "saml")]
    let app = match (&config.saml, &office.public_origin) {
        (Some(saml), Some(origin)) => {
            let credentials = sesshu_saml::SpCredentials::load(&saml.key_file, &saml.cert_file)?;
            let sp = sesshu::app::saml_sp(origin, credentials, &store).await?;
            tracing::info!(entity_id = sp.entity_id(), "office SAML service provider");
            app.with_saml(sp)
        }
        _ => app,
    };
    tracing::info!(address = %app.local_addr()?, "back office serving (client certificates required)");
    // The daily retention purge (docs/retention.md), when switched on,
    // stops with the listener.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let purge = daily_purge(&context, store, stopping)?;
    let served = app
        .run(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        })
        .await;
    if let Some(purge) = purge {
        let _ = purge.await;
    }
    served
}

/// `[retention] daily = true`: the purge of what is past its time, every
/// day at `[retention] at`, as `office:retention`.
fn daily_purge(
    context: &Context,
    store: sesshu_store::DynStore,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let settings = &context.config.retention;
    let (default, at) = (settings.default_months()?, settings.time_of_day()?);
    if !settings.daily {
        return Ok(None);
    }
    tracing::info!(%at, default_months = %default, "daily retention purge on");
    let ops = sesshu_operations::Operations::new(store, Arc::new(SystemClock));
    Ok(Some(tokio::spawn(sesshu_operations::retention::run_daily(
        ops,
        default,
        at,
        async move {
            let _ = stopping.changed().await;
        },
    ))))
}

/// What the office's mail pages need from `[mail]`.
fn office_mail(context: &Context) -> Option<sesshu_office::OfficeMail> {
    context
        .config
        .mail
        .as_ref()
        .map(|mail| sesshu_office::OfficeMail {
            site_url: context.site_url(),
            outbox: mail.outbox.clone(),
        })
}
