//! What the operations' unit tests share: an empty office on a fresh
//! SQLite file, its clock at 2026-12-01 09:00 Tokyo, and actors by role.

use crate::{Actor, Operations};
use chrono::{TimeZone, Utc};
use sesshu_domain::Role;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// An office with no data yet: migrated, and nothing else.
pub(crate) async fn empty_office(name: &str) -> Operations {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "sesshu-operations-{}-{}-{name}.sqlite",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&path);
    let store = sesshu_store_sqlite::SqliteStore::connect(path.to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    Operations::new(
        Arc::new(store),
        Arc::new(sesshu_domain::ManualClock::new(at)),
    )
}

/// An account of `role` signed in from a documentation address.
pub(crate) fn actor(role: Role) -> Actor {
    Actor {
        name: "admin:1".into(),
        role,
        origin: "192.0.2.1".into(),
    }
}
