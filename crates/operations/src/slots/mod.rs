//! Slots as the office makes, reads and changes them (予約枠):
//!
//! - `view`: a day's slots at a venue with the day's quotas, and one slot
//!   with where its people may move;
//! - `generate`: the slots of a plan (the generator), checked against the
//!   slots that exist and created all or none;
//! - `import`: the slots of a CSV, checked whole and created all or none;
//! - `change`: a slot's capacity, closing, eligibility and quotas, a
//!   day's quotas, deleting a slot;
//! - `people`: moving everyone holding a slot to another one.
//!
//! Every operation needs [`Duty::ManageSlots`](sesshu_domain::Duty) (moving
//! people [`Duty::ChangeReservations`](sesshu_domain::Duty) too); each
//! change is written with its audit entry in one transaction.

mod change;
mod generate;
mod import;
mod people;
mod view;

pub use change::{DeletedSlot, change_slot, delete_slot, set_day_quotas};
pub use generate::{PlannedSlots, SlotGeneration, SlotsCreated, create_slots, plan_slots};
pub use import::{SlotFile, SlotsImported, check_slot_file, import_slots};
pub use people::{NotMoved, PeopleMoved, move_people};
pub use view::{DayQuota, SlotDay, SlotDetail, slot_day, slot_detail};

use chrono::{DateTime, Utc};
use sesshu_domain::TOKYO;

/// A time as the audit details write it: Tokyo, to the minute.
fn minute(at: DateTime<Utc>) -> String {
    at.with_timezone(&TOKYO)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
