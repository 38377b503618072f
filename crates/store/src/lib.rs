//! The storage of Sesshu: one trait per topic, [`Store`] their sum.
//!
//! Each topic ([`ReferenceStore`], [`SlotStore`], [`BookingStore`], …) is
//! implemented by `sesshu-store-sqlite` and `sesshu-store-postgres`, whose
//! statements are written once in `crates/store-sql` where the databases
//! agree; the binary picks a backend at start-up and nothing else asks which
//! database it runs on. Each backend owns its migrations.
//!
//! The writes are the transactions the product's correctness rests on:
//! [`BookingStore::book`] and [`BookingStore::reschedule`] take places with a
//! conditional update (`booked < capacity`) and the database refuses a second
//! active series for a person, so no interleaving of requests can overbook a
//! slot or give a person two series. Their order is written once, in
//! [`flows`].

pub mod audit;
mod changes;
pub mod columns;
mod error;
pub mod flows;
mod records;
mod topics;

pub use changes::{ChangeHub, Changes};
pub use error::{StoreError, StoreResult};
pub use records::*;
pub use sesshu_vault::{Field, KeyId, Owner, Sealed};
pub use topics::no_shows::{
    NoShow, NoShowAudit, NoShowCancel, NoShowOutcome, NoShowQuery, NoShowSkip, NoShowStore,
};
pub use topics::{
    audit::AuditStore,
    bookings::BookingStore,
    check_ins::CheckInStore,
    elsewhere::{Declared, ElsewhereStore, GivenHere, Waiting},
    logins::LoginStore,
    mail::MailStore,
    members::MemberStore,
    persons::PersonStore,
    rates::{
        CampaignDay, DepartmentName, DepartmentRates, MemberRates, Population, RateStore,
        SlotRates, VoucherRates,
    },
    reference::ReferenceStore,
    registers::{RegisterStore, RegisteredDose},
    retention::{
        InstitutionRetention, PurgeAudit, RetentionStore, fresh_pseudonym, session_institution,
    },
    slots::SlotStore,
    staff::StaffStore,
    vaccinations::{DoseChange, DoseStep, DoseValue, NewLot, SheetLine, VaccinationStore},
    vouchers::{Collected, MissingVoucher, ReminderPlan, VoucherState, VoucherStore},
};

/// Brings every topic's methods into scope: `use sesshu_store::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AuditStore as _, BookingStore as _, CheckInStore as _, ElsewhereStore as _,
        LoginStore as _, MailStore as _, MemberStore as _, NoShowStore as _, PersonStore as _,
        RateStore as _, ReferenceStore as _, RegisterStore as _, RetentionStore as _,
        SlotStore as _, StaffStore as _, Store as _, VaccinationStore as _, VoucherStore as _,
    };
}

use async_trait::async_trait;
use std::sync::Arc;

/// How many connections the pool holds, how many of them are idle, and the
/// most it may open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// A shared handle to whichever store was chosen at start-up.
pub type DynStore = Arc<dyn Store>;

/// The whole store: every topic, implemented by each backend.
///
/// Code that uses the store imports [`prelude`] so that the topics' methods
/// are in scope.
#[async_trait]
pub trait Store:
    ReferenceStore
    + SlotStore
    + MemberStore
    + PersonStore
    + BookingStore
    + LoginStore
    + AuditStore
    + StaffStore
    + CheckInStore
    + VaccinationStore
    + VoucherStore
    + NoShowStore
    + RegisterStore
    + RetentionStore
    + ElsewhereStore
    + RateStore
    + MailStore
    + std::fmt::Debug
    + 'static
{
    /// Whether the database answers (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;

    /// The connection pool's use now (for the metrics).
    fn pool_use(&self) -> PoolUse;

    /// A feed that wakes when data may have changed: at once after this
    /// process's commits, soon after another process's (see [`Changes`]).
    fn changes(&self) -> Changes;
}
