//! The records for the national Vaccination Record System (VRS, ワクチン接種
//! 記録システム): one CSV row per dose given in a period, for registering the
//! same day (docs/vrs.md).
//!
//! The receiving side's layout changes, so the columns come from a file
//! ([`VrsColumns`], shipped as `docs/vrs-columns.toml` and as
//! [`VrsColumns::standard`]), which also chooses the encoding:
//!
//! ```toml
//! encoding = "cp932"
//!
//! [[column]]
//! header = "接種日"
//! value = "date"
//!
//! [[column]]
//! header = "生年月日"
//! text = ""
//! ```
//!
//! A dose whose voucher (接種券) was not collected has no number VRS can
//! take: it is left out of the file and listed apart, to be chased. Each
//! dose written is marked with the export in the same transaction as the
//! `export.vrs` entry, so that a later file can leave it out (`only_new`)
//! or show when it was first handed over (the `exported` value): nothing
//! is registered twice without the operator seeing it.

mod cells;
mod export;
mod layout;

pub use export::{VrsExported, VrsFile, VrsRequest, VrsSummary, WithoutVoucher, export, summary};
pub use layout::{Cell, Column, LayoutError, LayoutProblem, Value, VrsColumns};
