//! The day's sheet written: an XLSX of the day's reservations, filled in with what is recorded.

use super::columns::{COLUMNS, YES, decision_text, site_text};
use super::record_of;
use crate::lists::{self, ListUse, Listing, RecipientList};
use crate::{Actor, OperationError, Operations};
use sesshu_domain::TOKYO;
use sesshu_store::StoreError;
use sesshu_vault_open::Keyring;
use std::collections::BTreeMap;

/// The day's sheet of `list`'s venue as an XLSX workbook, filled in with
/// what is recorded already; names opened with one `personal.view` entry
/// and the file audited as an export.
pub async fn download(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    list: &RecipientList,
) -> Result<Vec<u8>, OperationError> {
    let recipients = lists::recipients(ops, keys, actor, list, ListUse::Export).await?;
    let mut rows = Vec::with_capacity(recipients.len());
    let mut lot_numbers = BTreeMap::new();
    for lot in ops.store().lots(list.venue).await? {
        lot_numbers.insert(lot.id, lot.number.to_string());
    }
    for r in &recipients {
        let series = ops
            .store()
            .series_by_number(&r.number)
            .await?
            .ok_or(OperationError::NotFound)?;
        let record = record_of(ops, series.id, r.dose).await?;
        let voucher = ops
            .store()
            .vouchers(series.id)
            .await?
            .into_iter()
            .any(|v| v.dose == r.dose && v.collected_at.is_some());
        let given = record.vaccinated.as_ref();
        let mark = |b: bool| if b { YES.to_owned() } else { String::new() };
        rows.push(vec![
            r.number.to_string(),
            r.dose.get().to_string(),
            r.starts_at
                .with_timezone(&TOKYO)
                .format("%H:%M")
                .to_string(),
            r.names.kanji.clone(),
            r.names.kana.clone(),
            mark(r.checked_in),
            mark(record.questionnaire_at.is_some()),
            record
                .decision
                .map(|(d, _)| decision_text(d).to_owned())
                .unwrap_or_default(),
            String::new(),
            given
                .map(|v| v.at.with_timezone(&TOKYO).format("%H:%M").to_string())
                .unwrap_or_default(),
            given
                .and_then(|v| lot_numbers.get(&v.lot).cloned())
                .unwrap_or_default(),
            given.map(|v| v.given_by.clone()).unwrap_or_default(),
            given
                .map(|v| site_text(v.site).to_owned())
                .unwrap_or_default(),
            mark(voucher),
        ]);
    }
    let header: Vec<String> = COLUMNS
        .iter()
        .map(|(ja, en)| format!("{ja} {en}"))
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let title = list.day.format("%Y-%m-%d").to_string();
    let file = crate::export::xlsx(&title, &header, &rows).map_err(|e| {
        tracing::error!(error = %e, "the day's sheet could not be written");
        OperationError::Store(StoreError::corrupt("xlsx"))
    })?;
    lists::record_export(
        ops,
        actor,
        &Listing::Recipients(*list),
        rows.len(),
        lists::FileFormat::Xlsx,
    )
    .await?;
    Ok(file)
}
