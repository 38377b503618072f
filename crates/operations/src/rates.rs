//! The vaccination rates (接種率) as the office watches them: per
//! institution and user type, per department, per day and per slot, the
//! campaign day by day, and the vouchers; each a typed table, and each
//! table as CSV for Excel ([`csv`](fn@csv)).
//!
//! Every number is an aggregate the store counts over the same records the
//! lists export (dose records, doses elsewhere, check-ins, vouchers,
//! reservations); the rules are in `sesshu_store::RateStore`'s statements
//! and `docs/rates.md`. No person is named, so nothing personal is opened
//! and nothing is audited as a view.
//!
//! Who: [`Duty::Rates`](sesshu_domain::Duty::Rates). System administrators
//! and operators see every institution or one they choose; an
//! institution's staff see theirs only (another's is answered as absent).

mod dashboards;
mod rate;
mod tables;
mod totals;

pub use dashboards::{Dashboards, RateScope, dashboards, scope};
pub use rate::{Rate, Rated};
pub use tables::{Table, cells, csv};
pub use totals::{DayRates, DepartmentTotals, MemberTotals, SlotTotals, VoucherTotals, slot_day};

pub use sesshu_store::{
    CampaignDay, DepartmentName, DepartmentRates, MemberRates, Population, SlotRates, VoucherRates,
};
