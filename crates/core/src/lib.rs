//! Sesshu's use cases: what a person (and later the office) can do, on top
//! of the domain rules and the store.
//!
//! A use case reads what the rules need, lets the domain decide, and hands
//! the decision to the store's transaction. It knows nothing of HTTP.

pub mod availability;
pub mod bookings;
pub mod elsewhere;
pub mod fixes;
#[cfg(test)]
mod fuzz;
pub mod vouchers;

pub use availability::{Availability, Snapshot};
pub use bookings::{BookingError, Bookings, DayOffer, LaneChoice, SlotOffer};
pub use vouchers::Vouchers;
