//! The store's topics, one trait each; [`crate::Store`] is their sum.

pub mod audit;
pub mod bookings;
pub mod check_ins;
pub mod elsewhere;
pub mod logins;
pub mod mail;
pub mod members;
pub mod no_shows;
pub mod persons;
pub mod rates;
pub mod reference;
pub mod registers;
pub mod retention;
pub mod slots;
pub mod staff;
pub mod vaccinations;
pub mod vouchers;
