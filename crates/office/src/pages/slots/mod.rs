//! The slot pages (予約枠): registering slots with the generator (the form,
//! a preview that says what would be made or everything that is wrong,
//! overlaps with slots that exist included, and the creation of all of
//! them), a day's slots and quotas at a venue, and one slot (changing it,
//! moving its people, deleting it). What they read and change is done by
//! `sesshu_operations::slots`; the CSV upload is `slot_import`.

mod calendar;
mod detail;
mod generator;
mod people;
mod plan_form;

pub use calendar::{day, day_quotas};
pub use detail::{delete, edit, update};
pub use generator::{create, new, preview};
pub use people::move_people;
