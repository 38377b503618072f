//! The `sesshu` binary's library: configuration, wiring and the demo seed.
//!
//! `main.rs` is only the command line; tests build the same application with
//! [`app::Application::build`].

pub mod admins;
pub mod app;
pub mod audit;
pub mod certs;
pub mod config;
pub mod demo;
pub mod keys;
pub mod logging;
pub use sesshu_operations::master;
pub mod members;
pub mod reservations;

pub use app::{Application, open_store};
pub use config::Config;
