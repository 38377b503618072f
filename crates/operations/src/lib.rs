//! The back office's use cases, with no HTTP in them.
//!
//! Each operation takes typed input and returns a typed outcome; the caller
//! (an office page handler or a `sesshu` command) only turns a request or a
//! command line into that input and the outcome into a page or a report.
//! An operation that changes something checks the acting role and its scope,
//! and writes the change and its audit entry in one transaction.
//!
//! - [`master`]: the institution master file (read, checked whole, written);
//! - [`roster`]: member uploads into an institution's directory (opens the
//!   built-in directory's sealed personal data, hence `sesshu-vault-open`);
//! - [`export`]: XLSX, and CSV that opens right in Excel;
//! - [`prefecture`]: the columns of the prefecture's list of people vaccinated;
//! - [`slots`]: changes to slots (so far: [`slots::change_slot`]).
//!
//! Every operation is done by an [`Actor`] (role, and who and where for the
//! audit trail) and fails with an [`OperationError`].
//!
//! More operations move here from the office's page handlers in later work.
//! This crate must not depend on axum, tower or any HTTP crate, and the
//! public process (`sesshu-web`) must not depend on it (a test walks
//! `cargo metadata`).

pub mod accounts;
mod actor;
pub mod audit;
pub mod checkin;
mod context;
mod error;
pub mod export;
pub mod fixes;
pub mod institutions;
pub mod lists;
pub mod mail;
pub mod master;
pub mod members;
pub mod personal;
pub mod prefecture;
pub mod reference;
pub mod reservations;
pub mod roster;
pub mod sign_in;
pub mod slots;

pub use actor::Actor;
pub use context::Operations;
pub use error::OperationError;
