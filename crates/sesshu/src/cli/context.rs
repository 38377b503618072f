//! What the commands share: the configuration, the logs it asks for, and
//! the store it names.

use sesshu::Config;
use sesshu::app::{MailParts, database_url, open_store_with};
use sesshu::logging;
use sesshu_store::DynStore;
use std::path::{Path, PathBuf};

/// The connections of a one-off command (an import, a listing).
const COMMAND_CONNECTIONS: u32 = 2;

/// A command's set-up: its configuration loaded and logging installed as
/// the configuration says.
#[derive(Debug)]
pub struct Context {
    pub config: Config,
}

impl Context {
    /// Loads the configuration (`--config`, then the environment) and sets
    /// up logging.
    pub fn load(file: Option<PathBuf>) -> anyhow::Result<Self> {
        let config = load_config(file.as_deref())?;
        logging::init(&config.log_format);
        Ok(Self { config })
    }

    /// The store of a one-off command: a small pool, migrations applied.
    pub async fn store(&self) -> anyhow::Result<DynStore> {
        self.open(COMMAND_CONNECTIONS, true).await
    }

    /// The store of a long-running process (`serve`, `office`, `mail
    /// run`): the configured pool, migrations if `migrate_on_start`.
    pub async fn serving_store(&self) -> anyhow::Result<DynStore> {
        self.open(
            self.config.database_max_connections,
            self.config.migrate_on_start,
        )
        .await
    }

    /// Opens the store with one connection, applying the migrations.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.open(1, true).await.map(drop)
    }

    async fn open(&self, max_connections: u32, migrate: bool) -> anyhow::Result<DynStore> {
        open_store_with(database_url(&self.config), max_connections, migrate).await
    }

    /// The public site's origin, as mails link to it.
    pub fn site_url(&self) -> String {
        self.config
            .public_origin
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.config.listen))
    }

    /// The mail worker's parts from `[mail]`, if configured.
    pub fn mail_parts(&self) -> anyhow::Result<Option<MailParts>> {
        let Some(mail) = &self.config.mail else {
            return Ok(None);
        };
        Ok(Some(MailParts {
            transport: mail.transport()?,
            settings: mail.worker(&self.site_url())?,
        }))
    }
}

/// The configuration alone (the demo installs its own logging first).
pub fn load_config(file: Option<&Path>) -> anyhow::Result<Config> {
    Config::load(file).map_err(|e| anyhow::anyhow!("configuration: {e}"))
}

/// Writes an export's file readable by its owner only (created so, or
/// narrowed if it was there): it holds personal data.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)
    }
    #[cfg(not(unix))]
    {
        options.open(path)?.write_all(bytes)
    }
}
