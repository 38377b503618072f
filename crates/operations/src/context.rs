//! What every operation works with: the store, and the clock that dates
//! each change and its audit entry.

use chrono::{DateTime, Utc};
use sesshu_domain::Clock;
use sesshu_store::DynStore;
use std::sync::Arc;

/// The store and the clock. The office keeps one for all its handlers and
/// reaches the store only through the operations.
#[derive(Clone, Debug)]
pub struct Operations {
    store: DynStore,
    clock: Arc<dyn Clock>,
}

impl Operations {
    pub fn new(store: DynStore, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    pub(crate) fn store(&self) -> &DynStore {
        &self.store
    }

    /// The time of a change being made now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Whether the database answers (the office's `/readyz`).
    pub async fn ready(&self) -> Result<(), sesshu_store::StoreError> {
        self.store.ping().await
    }

    /// The connection pool's use now (the office's metrics).
    pub fn pool_use(&self) -> sesshu_store::PoolUse {
        self.store.pool_use()
    }

    /// The booking use cases, for changes the office makes for a person.
    pub fn bookings(&self) -> sesshu_core::Bookings {
        sesshu_core::Bookings::new(self.store.clone(), self.clock.clone())
    }
}
