//! The day's sheet, for a venue working offline (paper fallback): before the
//! day the venue downloads an XLSX with one row per reservation of the day
//! and the columns to fill (attended, questionnaire, decision, time, lot,
//! given by, arm, voucher); when the network is back it uploads the sheet.
//!
//! The upload is read whole first: every problem is reported with its line
//! and column (a reservation not of this day and venue, a lot not
//! registered or expired, a value that is not one of the column's), and
//! what the sheet says against what was recorded online meanwhile is shown
//! as a conflict and left as it is online. Then the plan is previewed, and
//! applied in one transaction with an entry per line and one for the sheet;
//! a line the transaction refuses (recorded online since the preview)
//! undoes the whole sheet and names its line.

mod columns;
mod download;
mod plan;
mod problem;
mod read;
mod typed;

pub use columns::COLUMNS;
pub use download::download;
pub use plan::{Applied, Conflict, Plan, Planned, apply, plan};
pub use problem::{Located, Problem};

use crate::{OperationError, Operations};
use sesshu_domain::{DoseNumber, DoseRecord};

async fn record_of(
    ops: &Operations,
    series: sesshu_domain::SeriesId,
    dose: DoseNumber,
) -> Result<DoseRecord, OperationError> {
    Ok(ops
        .store()
        .dose_records(series)
        .await?
        .into_iter()
        .find(|r| r.dose == dose)
        .unwrap_or_else(|| DoseRecord::empty(series, dose)))
}
