//! Bulk fixes to reservations (システム管理者による予約修正): a CSV of moves,
//! cancellations and bookings that the office makes for people, all of
//! them or none.
//!
//! A file is read whole ([`parse`]: every problem with its line and
//! column), then planned against the reservations as they are
//! ([`crate::Bookings::plan_fixes`]: the same rules as one change on the
//! office's pages), shown, and applied in one transaction
//! ([`crate::Bookings::apply_fixes`]): a line that the transaction refuses
//! — a slot filled up meanwhile — undoes every other line, and the refusal
//! names the line.
//!
//! Columns (a header row names them; order free):
//!
//! | column | for | meaning |
//! |---|---|---|
//! | `action` | all | `move` (変更), `cancel` (取消), `book` (予約) |
//! | `reservation` | move, cancel | the reservation number |
//! | `institution`, `member` | book (or move, cancel) | the institution's code and the member's login id |
//! | `slot` | move, book | the id of the first-dose (or, to move only the second dose, second-dose) slot |
//! | `reason` | all | why, for the audit trail (at most 300 characters) |
//!
//! Where each part is: `file.rs` reads a file, `plan.rs` plans it,
//! `apply.rs` applies a plan, `member.rs` finds the person of an
//! institution's member ([`crate::Bookings::member_person`]).

use crate::bookings::BookingError;
use chrono::{DateTime, Utc};
use sesshu_domain::AuditObject;
use sesshu_domain::upload::UploadError;
use sesshu_domain::{
    AuditEntry, DoseNumber, InstitutionCode, InstitutionId, Language, ReservationNumber, SeriesId,
    SlotId, Subject, VenueId,
};
use sesshu_store::{NewSeries, PersonLogin, Reschedule, StoreError};
use std::collections::HashMap;

mod apply;
mod file;
mod member;
mod plan;
pub use file::parse;
pub use member::never_signed_in;

/// The columns a fix file may have.
pub const COLUMNS: [&str; 6] = [
    "action",
    "reservation",
    "institution",
    "member",
    "slot",
    "reason",
];

/// The longest reason kept.
pub const REASON_MAX: usize = 300;

/// What a line asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixKind {
    Move,
    Cancel,
    Book,
}

impl FixKind {
    fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "move" | "変更" => Some(FixKind::Move),
            "cancel" | "取消" | "取り消し" | "キャンセル" => Some(FixKind::Cancel),
            "book" | "予約" => Some(FixKind::Book),
            _ => None,
        }
    }

    /// The audit action of a line of this kind.
    pub fn action(self) -> sesshu_domain::AuditAction {
        match self {
            FixKind::Move => sesshu_domain::AuditAction::ReservationMove,
            FixKind::Cancel => sesshu_domain::AuditAction::ReservationCancel,
            FixKind::Book => sesshu_domain::AuditAction::ReservationBook,
        }
    }

    pub fn label(self, lang: Language) -> &'static str {
        match (self, lang) {
            (FixKind::Move, Language::Ja) => "変更",
            (FixKind::Move, Language::En) => "move",
            (FixKind::Cancel, Language::Ja) => "取消",
            (FixKind::Cancel, Language::En) => "cancel",
            (FixKind::Book, Language::Ja) => "予約",
            (FixKind::Book, Language::En) => "book",
        }
    }
}

/// Whose reservation a line is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Reservation(ReservationNumber),
    Member(InstitutionCode, Subject),
}

/// One line of a fix file, read and checked on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixLine {
    pub line: usize,
    pub kind: FixKind,
    pub target: Target,
    pub slot: Option<SlotId>,
    pub reason: String,
}

/// A fix file, read.
#[derive(Clone, Debug)]
pub struct FixFile {
    pub lines: Vec<FixLine>,
    /// Where each column is (0-based), to point at it.
    columns: HashMap<&'static str, usize>,
}

impl FixFile {
    fn problem(&self, line: usize, column: &str, message: String) -> UploadError {
        UploadError {
            line,
            column: self
                .columns
                .get(column)
                .map(|&i| (i + 1, column.to_owned())),
            message,
        }
    }
}

fn say(lang: Language, ja: &str, en: &str) -> String {
    lang.pick(ja, en).to_owned()
}

/// A dose as it is, or as it will be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment {
    pub dose: DoseNumber,
    pub starts_at: DateTime<Utc>,
    pub venue: VenueId,
}

/// One line, planned: what it will change, for the preview.
#[derive(Clone, Debug)]
pub struct PlannedFix {
    pub line: usize,
    pub kind: FixKind,
    pub institution: InstitutionCode,
    /// The reservation it changes (`None` for a booking).
    pub number: Option<ReservationNumber>,
    /// The member it books for (a booking's line, as the file gave it).
    pub member: Option<Subject>,
    /// The doses held now.
    pub before: Vec<Appointment>,
    /// The slot asked for, with its time and venue.
    pub slot: Option<SlotId>,
    pub to: Option<Appointment>,
    pub reason: String,
    /// Nothing to do: the reservation is there already.
    pub unchanged: bool,
    op: Planned,
}

#[derive(Clone, Debug)]
enum Planned {
    Nothing,
    Book {
        request: NewSeries,
        /// A member of the built-in directory who never signed in: the
        /// person is made from the roster when the file is applied.
        new_person: Option<PersonLogin>,
        institution: InstitutionId,
    },
    Move {
        request: Reschedule,
        institution: InstitutionId,
    },
    Cancel {
        series: SeriesId,
        language: Language,
        institution: InstitutionId,
    },
}

/// A whole file, planned.
#[derive(Clone, Debug, Default)]
pub struct FixPlan {
    pub fixes: Vec<PlannedFix>,
}

impl FixPlan {
    /// How many lines of each kind change something.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |kind| {
            self.fixes
                .iter()
                .filter(|f| f.kind == kind && !f.unchanged)
                .count()
        };
        (
            count(FixKind::Move),
            count(FixKind::Cancel),
            count(FixKind::Book),
        )
    }
}

/// Why a file was not applied.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    /// Lines that cannot be done; nothing was changed.
    #[error("{} problem(s) in the file", .0.len())]
    Invalid(Vec<UploadError>),
    #[error(transparent)]
    Failed(#[from] BookingError),
}

impl From<StoreError> for FixError {
    fn from(e: StoreError) -> Self {
        FixError::Failed(e.into())
    }
}

/// Who the office is, for the audit entries of the changes it makes.
pub trait FixAuditor: Sync {
    /// An entry for `action` on `objects`, with `detail`.
    fn entry(
        &self,
        action: sesshu_domain::AuditAction,
        objects: Vec<AuditObject>,
        detail: String,
    ) -> AuditEntry;
}
