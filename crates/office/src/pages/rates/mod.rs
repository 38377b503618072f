//! The vaccination rates' dashboards (接種率): one page with every table
//! and its chart (`GET /rates`), the same tables as an HTML fragment for
//! the page's script to swap in every few seconds (`GET /rates/live`), each
//! table as CSV (`GET /rates/<table>.csv`, `encoding=cp932` for
//! Shift_JIS), and the script (`static/rates.js`). Without JavaScript the
//! page is the same, read when loaded.
//!
//! `institution=<id>` limits every table to one institution (institution
//! staff: always their own; another's is not found); `day=YYYY-MM-DD`
//! chooses the day whose slots are listed one by one (else today, or the
//! next day with slots). The numbers are `sesshu_operations::rates`';
//! nothing personal is shown, so nothing is opened or audited.

use crate::error::OfficeError;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::InstitutionId;
use sesshu_operations::rates::{self, Dashboards};

mod downloads;
mod page;
mod sections;

pub use downloads::{
    campaign_csv, days_csv, departments_csv, institutions_csv, slots_csv, vouchers_csv,
};
pub use page::{live, page, script};
pub use sections::Section;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RatesQuery {
    /// An institution's id; empty: all (operators), or the staff's own.
    institution: Option<String>,
    day: Option<String>,
    encoding: Option<String>,
}

/// What the query asks for.
#[derive(Clone, Copy, Debug)]
struct Asked {
    institution: Option<InstitutionId>,
    day: Option<NaiveDate>,
}

impl Asked {
    fn parse(query: &RatesQuery) -> Result<Self, OfficeError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(Asked {
            institution: given(&query.institution)
                .map(|id| id.parse::<InstitutionId>())
                .transpose()
                .map_err(|_| OfficeError::BadRequest)?,
            day: given(&query.day)
                .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
                .transpose()
                .map_err(|_| OfficeError::BadRequest)?,
        })
    }

    /// `institution=…&day=…`, as asked (a day not asked stays the default).
    fn query(&self, day: Option<NaiveDate>) -> String {
        serde_urlencoded::to_string([
            (
                "institution",
                self.institution.map(|i| i.to_string()).unwrap_or_default(),
            ),
            (
                "day",
                day.map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ),
        ])
        .unwrap_or_default()
    }
}

/// The dashboards the query asks for, as the staff may see them, and the
/// day whose slots are listed.
async fn read(
    state: &OfficeState,
    staff: &Staff,
    asked: Asked,
) -> Result<(Dashboards, Option<NaiveDate>), OfficeError> {
    let ops = state.operations();
    let scope = rates::scope(ops, &staff.actor(), asked.institution).await?;
    let dashboards = rates::dashboards(ops, scope).await?;
    let day = asked.day.or_else(|| dashboards.default_day());
    Ok((dashboards, day))
}
