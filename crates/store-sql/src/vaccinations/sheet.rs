//! The day's sheet written back: each line's check-in, dose steps and voucher.

use super::steps::record;
use crate::dialect::{self, at, int};
use crate::{audit, db};
use sesshu_store::{DoseChange, SheetLine, StoreError, StoreResult};

/// The lines of a sheet, in the caller's transaction.
pub(super) async fn apply_lines(
    tx: &mut dialect::Tx,
    by: sesshu_domain::AdminId,
    lines: &[SheetLine],
) -> StoreResult<()> {
    for (index, line) in lines.iter().enumerate() {
        apply_line(tx, by, line).await.map_err(|e| match e {
            StoreError::Contention => StoreError::Contention,
            e => StoreError::InBatch {
                index,
                source: Box::new(e),
            },
        })?;
    }
    Ok(())
}

async fn apply_line(
    tx: &mut dialect::Tx,
    by: sesshu_domain::AdminId,
    line: &SheetLine,
) -> StoreResult<()> {
    let at_ = line.audit.at;
    let dose = int(u32::from(line.dose.get()));
    if line.check_in {
        sqlx::query(
            "INSERT INTO check_ins (series_id, dose, checked_in_at, admin_id) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (series_id, dose) DO NOTHING",
        )
        .bind(line.series.get())
        .bind(dose)
        .bind(at(at_))
        .bind(by.get())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    for step in &line.steps {
        let change = DoseChange {
            series: line.series,
            dose: line.dose,
            by,
            step: step.clone(),
            audit: line.audit.clone(),
        };
        record(tx, &change).await?;
    }
    if line.collect_voucher {
        sqlx::query(
            "INSERT INTO vouchers (series_id, dose, given_at, collected_at, collected_by) \
             VALUES ($1, $2, $3, $3, $4) ON CONFLICT (series_id, dose) DO UPDATE \
             SET collected_at = COALESCE(vouchers.collected_at, excluded.collected_at), \
             collected_by = COALESCE(vouchers.collected_by, excluded.collected_by)",
        )
        .bind(line.series.get())
        .bind(dose)
        .bind(at(at_))
        .bind(by.get())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    audit::append(tx, &line.audit).await?;
    Ok(())
}
