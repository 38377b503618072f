//! Sesshu's integration tests: one binary, so the workspace links once.
//!
//! Each test gets its own application on a free port, its own database (a
//! temporary SQLite file, or a fresh PostgreSQL database cloned from a
//! migrated template) and a clock that stands still at a known minute.
//! Tests that touch storage run on both databases: see `on_both_databases!`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // panics are how tests fail

mod helpers;

mod api_availability;
mod api_login;
mod api_reservations;
mod audit;
mod availability_view;
mod browser;
mod consent;
mod elsewhere;
mod fhir;
mod fuzz_imports;

mod hostile;
mod institutions;
mod ldap;
mod lists;
mod mail;
mod mail_store;
mod metrics;
mod noshows;
mod office;
mod office_browser;
mod office_kit;
mod office_proxy;
mod office_reservations;
mod office_vaccination;
mod pages;
mod persons;
mod privacy;
mod races;
mod rates;
mod retention;
mod roster;
mod rush;
#[cfg(feature = "saml")]
mod saml;
mod sheet;
mod slots;
mod smtp_kit;
mod vaccination;
mod vault;
mod venue_browser;
mod venue_kit;
mod vouchers;
mod vouchers_online;
mod vrs;
