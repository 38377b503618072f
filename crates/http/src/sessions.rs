//! Server-side sessions for tower-sessions, kept in Sesshu's own store.
//!
//! The cookie carries a random 128-bit id; the database keeps only its
//! SHA-256, so a copy of the sessions table hands nobody a live session.
//!
//! Session lifetimes are wall-clock time: tower-sessions stamps expiry from
//! the system clock, so this store compares against the system clock too
//! (not the application's injected clock, which tests move by days).

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, Utc};
use sesshu_domain::{Clock, SystemClock};
use sesshu_store::{DynStore, SessionRecord};
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    store: DynStore,
}

impl DbSessionStore {
    pub fn new(store: DynStore) -> Self {
        Self { store }
    }
}

fn id_hash(id: &Id) -> String {
    let digest = Sha256::digest(id.0.to_le_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_stored(record: &Record) -> session_store::Result<SessionRecord> {
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let expires_at = DateTime::<Utc>::from_timestamp(record.expiry_date.unix_timestamp(), 0)
        .ok_or_else(|| session_store::Error::Encode("expiry out of range".into()))?;
    Ok(SessionRecord {
        id_hash: id_hash(&record.id),
        data,
        expires_at,
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A collision of 128 random bits is not expected; draw again if so.
        loop {
            if self
                .store
                .session_create(&to_stored(record)?)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.store
            .session_save(&to_stored(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(stored) = self
            .store
            .session_load(&id_hash(id), SystemClock.now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&stored.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(stored.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store
            .session_delete(&id_hash(id))
            .await
            .map_err(backend)
    }
}
