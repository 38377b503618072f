//! The connection pool as `/readyz` and the metrics see it, the same on
//! both backends.

use crate::db;
use crate::dialect::Backend;
use sesshu_store::{PoolUse, StoreResult};

impl Backend {
    /// Whether the database answers a trivial query.
    pub(crate) async fn answers(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(db)
    }

    /// The pool's connections now.
    pub(crate) fn connections(&self) -> PoolUse {
        PoolUse {
            open: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }
}
