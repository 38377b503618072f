//! The back office's use cases, with no HTTP in them.
//!
//! Each operation takes typed input and returns a typed outcome; the caller
//! (an office page handler or a `sesshu` command) only turns a request or a
//! command line into that input and the outcome into a page or a report.
//! An operation checks the acting role and its scope, and writes a change
//! and its audit entry in one transaction. Reads for a page are operations
//! too: the office holds no store of its own.
//!
//! By area:
//! - [`slots`]: the day's slots, a slot's detail, generating, importing,
//!   changing, deleting, day quotas, moving a slot's people;
//! - [`reservations`], [`checkin`], [`fixes`], [`noshows`]: reservations by
//!   staff (search, detail, cancel, move, book by phone), the desk's
//!   check-in, bulk fixes from a file, and cancelling a day's no-shows;
//! - [`vaccination`]: the venue's lot register, and each dose's
//!   questionnaire, the doctor's decision, the vaccination and corrections;
//! - [`sheet`]: the day's sheet (XLSX) for working offline, and its upload;
//! - [`vouchers`]: vouchers entered and collected at the desk, and the
//!   vaccinations whose voucher is still missing;
//! - [`lists`], [`export`], [`prefecture`]: the recipients of a venue's day,
//!   an institution's reservations, the prefecture's list, and the files;
//! - [`fhir`]: FHIR R4 Immunization bundles of a period's doses;
//! - [`vrs`]: the records for the national Vaccination Record System (VRS);
//! - [`mail`], [`audit`]: the mail queue, resending, previews, the outbox;
//!   the audit trail and its verification;
//! - [`accounts`], [`sign_in`], [`institutions`], [`members`], [`master`],
//!   [`roster`]: staff accounts, staff sign-in, the institution master and
//!   member rosters (master and roster are shared with the CLI);
//! - [`reference`](mod@reference): the catalog, institutions and the overview's counts;
//! - [`rates`]: the vaccination rates' dashboards and their files;
//! - [`elsewhere`], [`history`]: doses received elsewhere (declarations
//!   waiting, confirming, correcting, removing, the history import) and a
//!   person's vaccination history;
//! - [`personal`]: the one place personal data is opened (audited first);
//! - [`retention`]: the campaign's end per institution, and the purge of
//!   its personal data after the months its consent text promises.
//!
//! Every operation works on an [`Operations`] (the store and the clock), is
//! done by an [`Actor`] (role, and who and where for the audit trail) and
//! fails with an [`OperationError`].
//!
//! This crate must not depend on axum, tower or any HTTP crate, and the
//! public process (`sesshu-web`) must not depend on it (a test walks
//! `cargo metadata`).

pub mod accounts;
mod actor;
pub mod audit;
pub mod checkin;
mod context;
pub mod elsewhere;
mod error;
pub mod export;
pub mod fhir;
pub mod fixes;
#[cfg(test)]
mod fuzz;
pub mod history;
pub mod institutions;
pub mod lists;
pub mod mail;
pub mod master;
pub mod members;
pub mod noshows;
pub mod personal;
pub mod prefecture;
pub mod rates;
pub mod reference;
pub mod reservations;
pub mod retention;
pub mod roster;
pub mod sheet;
pub mod sign_in;
pub mod slots;
#[cfg(test)]
mod testing;
pub mod vaccination;
pub mod vouchers;
pub mod vrs;

pub use actor::Actor;
pub use context::Operations;
pub use error::OperationError;
