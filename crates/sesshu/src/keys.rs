//! `sesshu keys`: the back office's key pair for personal data.

use anyhow::Context;
use sesshu_store::{DynStore, Owner};
use sesshu_vault::{Field, SealingKey};
use sesshu_vault_open::OpeningKey;
use std::path::Path;

/// File names inside a key folder.
pub const PRIVATE: &str = "vault.key";
pub const PUBLIC: &str = "vault.pub";

/// Writes a new key pair into `dir` (the private key mode 0600; existing
/// files are never overwritten).
pub fn generate(dir: &Path) -> anyhow::Result<OpeningKey> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key = OpeningKey::generate();
    key.write(&dir.join(PRIVATE), &dir.join(PUBLIC))
        .with_context(|| format!("cannot write the key pair into {}", dir.display()))?;
    Ok(key)
}

/// The demo's key pair, made on first start in its data folder.
pub fn demo(dir: &Path) -> anyhow::Result<OpeningKey> {
    let private = dir.join(PRIVATE);
    if private.exists() {
        return Ok(OpeningKey::read(&private)?);
    }
    generate(dir)
}

/// How a rotation went.
#[derive(Debug, Default)]
pub struct Rotated {
    pub resealed: u64,
    pub already_new: u64,
    /// Sealed with a third key: neither the old nor the new one.
    pub foreign: u64,
}

/// Re-seals every value sealed with `old` under `new`, in batches; values
/// the public process seals meanwhile with `new` are left alone.
pub async fn rotate(
    store: &DynStore,
    old: &OpeningKey,
    new: &SealingKey,
    now: chrono::DateTime<chrono::Utc>,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<Rotated> {
    let mut done = Rotated::default();
    let mut after: Option<(Owner, Field)> = None;
    loop {
        let batch = store.personal_data_batch(after.clone(), 500).await?;
        let Some((owner, field, _)) = batch.last() else {
            break;
        };
        after = Some((owner.clone(), *field));
        for (owner, field, sealed) in &batch {
            if &sealed.key_id == new.id() {
                done.already_new += 1;
                continue;
            }
            if &sealed.key_id != old.id() {
                done.foreign += 1;
                continue;
            }
            let plain = old
                .open(owner, *field, sealed)
                .context("a value sealed with the old key does not open")?;
            let resealed = new.seal(owner, *field, &plain)?;
            if store
                .reseal(owner, *field, old.id(), &resealed, now)
                .await?
            {
                done.resealed += 1;
                progress(done.resealed);
            }
        }
    }
    // The doses' values: questionnaires, reasons, vouchers.
    let mut after = None;
    loop {
        let batch = store.dose_data_batch(after, 500).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = Some((last.series, last.dose, last.field));
        for value in &batch {
            if &value.sealed.key_id == new.id() {
                done.already_new += 1;
                continue;
            }
            if &value.sealed.key_id != old.id() {
                done.foreign += 1;
                continue;
            }
            let plain = old
                .open(&value.owner, value.field, &value.sealed)
                .context("a dose's value sealed with the old key does not open")?;
            let resealed = new.seal(&value.owner, value.field, &plain)?;
            if store.reseal_dose(value, old.id(), &resealed, now).await? {
                done.resealed += 1;
                progress(done.resealed);
            }
        }
    }
    Ok(done)
}
