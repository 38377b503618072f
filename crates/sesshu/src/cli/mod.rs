//! One module per command of `sesshu`. Each turns its arguments into calls
//! of the library (`sesshu::*`, `sesshu_operations`) and prints the report;
//! [`context::Context`] is the set-up every command that reads a
//! configuration shares (configuration, logging, the store).

pub mod admins;
pub mod audit;
pub mod certs;
pub mod context;
pub mod demo;
pub mod fhir;
pub mod institutions;
pub mod keys;
pub mod mail;
pub mod members;
pub mod migrate;
pub mod noshows;
pub mod office;
pub mod reservations;
pub mod retention;
pub mod serve;
pub mod vrs;
