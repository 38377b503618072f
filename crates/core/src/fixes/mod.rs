//! Bulk fixes to reservations (システム管理者による予約修正): a CSV of moves,
//! cancellations and bookings that the office makes for people, all of
//! them or none.
//!
//! A file is read whole ([`parse`]: every problem with its line and
//! column), then planned against the reservations as they are
//! ([`Bookings::plan_fixes`]: the same rules as one change on the office's
//! pages), shown, and applied in one transaction ([`Bookings::apply_fixes`]):
//! a line that the transaction refuses — a slot filled up meanwhile — undoes
//! every other line, and the refusal names the line.
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

use crate::bookings::{BookingError, Bookings, LaneChoice};
use chrono::{DateTime, Utc};
use sesshu_domain::AuditObject;
use sesshu_domain::booking::Booker;
use sesshu_domain::upload::UploadError;
use sesshu_domain::{
    AuditEntry, DoseNumber, Institution, InstitutionCode, InstitutionId, Language, Person,
    PersonId, Rejection, ReservationNumber, Series, SeriesId, SlotId, Subject, VenueId,
};
use sesshu_store::{BatchOp, NewSeries, PersonLogin, Reschedule, StoreError};
use std::collections::HashMap;

mod file;
pub use file::parse;

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

impl Bookings {
    /// Plans every line against the reservations as they are now, by the
    /// rules of the office's own changes (after the deadline too; eligible
    /// people, open slots of the same vaccine). Every line that cannot be
    /// done is reported. `progress` is told of each line planned.
    pub async fn plan_fixes(
        &self,
        file: &FixFile,
        lang: Language,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<FixPlan, FixError> {
        let lines = &file.lines;
        let institutions = self.store().institutions().await?;
        let by_code: HashMap<&InstitutionCode, &Institution> =
            institutions.iter().map(|i| (&i.code, i)).collect();
        let by_id: HashMap<InstitutionId, &Institution> =
            institutions.iter().map(|i| (i.id, i)).collect();
        let mut errors = Vec::new();
        let mut fixes = Vec::new();
        // Which line already touches a series or a person.
        let mut series_seen: HashMap<SeriesId, usize> = HashMap::new();
        let mut person_seen: HashMap<(String, String), usize> = HashMap::new();
        // Series cancelled by earlier lines: their person may book again.
        let mut cancelled: Vec<PersonId> = Vec::new();

        for (done, line) in lines.iter().enumerate() {
            progress(done);
            let planned = self
                .plan_line(line, lang, &by_code, &by_id, &cancelled)
                .await;
            let (fix, person) = match planned {
                Ok(planned) => planned,
                Err(LineProblem::At(column, message)) => {
                    errors.push(file.problem(line.line, column, message));
                    continue;
                }
                Err(LineProblem::Failed(e)) => return Err(e.into()),
            };
            let series = match &fix.op {
                Planned::Move { request, .. } => Some(request.series),
                Planned::Cancel { series, .. } => Some(*series),
                Planned::Book { .. } | Planned::Nothing => None,
            };
            if let Some(series) = series
                && let Some(first) = series_seen.insert(series, line.line)
            {
                errors.push(file.problem(line.line, "reservation", also_on(lang, first)));
                continue;
            }
            if let Target::Member(code, member) = &line.target
                && fix.kind == FixKind::Book
                && let Some(first) = person_seen.insert(
                    (code.to_string(), member.as_str().to_lowercase()),
                    line.line,
                )
            {
                errors.push(file.problem(line.line, "member", also_on(lang, first)));
                continue;
            }
            if fix.kind == FixKind::Cancel {
                cancelled.push(person);
            }
            fixes.push(fix);
        }
        progress(lines.len());
        // Column numbers were unknown above; the caller's file has them.
        if errors.is_empty() {
            Ok(FixPlan { fixes })
        } else {
            Err(FixError::Invalid(errors))
        }
    }

    async fn plan_line(
        &self,
        line: &FixLine,
        lang: Language,
        by_code: &HashMap<&InstitutionCode, &Institution>,
        by_id: &HashMap<InstitutionId, &Institution>,
        cancelled: &[PersonId],
    ) -> Result<(PlannedFix, PersonId), LineProblem> {
        let store = self.store();
        // Whose: an existing series (move, cancel) or a person (book).
        let (series, person, new_person, institution) = match &line.target {
            Target::Reservation(number) => {
                let series = store
                    .series_by_number(number)
                    .await
                    .map_err(LineProblem::store)?
                    .ok_or_else(|| {
                        LineProblem::At(
                            "reservation",
                            say(
                                lang,
                                "この予約番号の予約はありません",
                                "no such reservation",
                            ),
                        )
                    })?;
                let person = store
                    .person(series.person)
                    .await
                    .map_err(LineProblem::store)?
                    .ok_or_else(|| LineProblem::store(StoreError::NotFound))?;
                let institution = *by_id
                    .get(&person.institution)
                    .ok_or_else(|| LineProblem::store(StoreError::NotFound))?;
                (Some(series), person, None, institution)
            }
            Target::Member(code, member) => {
                let institution = *by_code.get(code).ok_or_else(|| {
                    LineProblem::At(
                        "institution",
                        say(
                            lang,
                            "この機関コードはありません",
                            "no institution has this code",
                        ),
                    )
                })?;
                let (person, new_person) = self.person_of(institution, member, lang).await?;
                let series = match line.kind {
                    FixKind::Book => None,
                    _ => Some(
                        store
                            .series_of(person.id)
                            .await
                            .map_err(LineProblem::store)?
                            .into_iter()
                            .find(Series::is_active)
                            .ok_or_else(|| {
                                LineProblem::At(
                                    "member",
                                    say(
                                        lang,
                                        "この利用者に有効な予約はありません",
                                        "this member has no active reservation",
                                    ),
                                )
                            })?,
                    ),
                };
                (series, person, new_person, institution)
            }
        };
        let who = Booker::office(&person, institution);
        let refused = |column: &'static str, e: BookingError| match e {
            BookingError::Rejected(r) => LineProblem::At(column, r.message(lang).to_owned()),
            BookingError::NotFound => LineProblem::At(
                "slot",
                say(lang, "この番号の枠はありません", "no slot has this id"),
            ),
            other => LineProblem::Failed(other),
        };
        let to = match line.slot {
            Some(id) => {
                let slot = store
                    .slot(id)
                    .await
                    .map_err(LineProblem::store)?
                    .ok_or_else(|| {
                        LineProblem::At(
                            "slot",
                            say(lang, "この番号の枠はありません", "no slot has this id"),
                        )
                    })?;
                Some(Appointment {
                    dose: slot.dose,
                    starts_at: slot.starts_at,
                    venue: slot.venue,
                })
            }
            None => None,
        };
        let before = series
            .as_ref()
            .map(|s| {
                s.doses
                    .iter()
                    .map(|d| Appointment {
                        dose: d.number,
                        starts_at: d.starts_at,
                        venue: d.venue,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let language = match &series {
            Some(s) => self
                .last_language(s.id)
                .await
                .map_err(LineProblem::Failed)?,
            None => Language::Ja,
        };
        let op = match (line.kind, &series, line.slot) {
            (FixKind::Cancel, Some(series), _) => {
                if !series.is_active() {
                    return Err(LineProblem::At(
                        "reservation",
                        say(lang, "すでに取り消されています", "already cancelled"),
                    ));
                }
                Planned::Cancel {
                    series: series.id,
                    language,
                    institution: institution.id,
                }
            }
            (FixKind::Move, Some(series), Some(slot)) => {
                match self
                    .prepare_change(who, series, slot, LaneChoice::AnyLane, language, None)
                    .await
                    .map_err(|e| refused("slot", e))?
                {
                    Some(request) => Planned::Move {
                        request,
                        institution: institution.id,
                    },
                    None => Planned::Nothing,
                }
            }
            (FixKind::Book, None, Some(slot)) => {
                let active = store
                    .series_of(person.id)
                    .await
                    .map_err(LineProblem::store)?
                    .into_iter()
                    .find(|s| s.is_active() && !cancelled.contains(&s.person));

                let request = self
                    .prepare_book(
                        who,
                        slot,
                        LaneChoice::AnyLane,
                        active.as_ref(),
                        None,
                        language,
                        None,
                    )
                    .await
                    .map_err(|e| match e {
                        BookingError::Rejected(Rejection::AlreadyBooked) => LineProblem::At(
                            "member",
                            Rejection::AlreadyBooked.message(lang).to_owned(),
                        ),
                        other => refused("slot", other),
                    })?;
                Planned::Book {
                    request,
                    new_person,
                    institution: institution.id,
                }
            }
            _ => return Err(LineProblem::store(StoreError::NotFound)),
        };
        let fix = PlannedFix {
            line: line.line,
            kind: line.kind,
            slot: line.slot,
            institution: institution.code.clone(),
            number: series.as_ref().map(|s| s.number.clone()),
            member: match &line.target {
                Target::Member(_, member) => Some(member.clone()),
                Target::Reservation(_) => None,
            },
            before,
            to,
            reason: line.reason.clone(),
            unchanged: matches!(op, Planned::Nothing),
            op,
        };
        Ok((fix, person.id))
    }

    /// The person of an institution's member: the one who signed in, or
    /// — for the built-in directory, whose roster Sesshu holds — one to be
    /// made from the roster (with the login that makes it; its id is 0
    /// until then). `None`: a member Sesshu has never seen.
    pub async fn member_person(
        &self,
        institution: &Institution,
        member: &Subject,
    ) -> Result<Option<(Person, Option<PersonLogin>)>, BookingError> {
        let store = self.store();
        if let Some(person) = store.person_by_subject(institution.id, member).await? {
            return Ok(Some((person, None)));
        }
        let rostered = match institution.login {
            sesshu_domain::LoginMethod::Builtin => store
                .member(institution.id, member)
                .await?
                .filter(|m| !m.disabled),
            _ => None,
        };
        Ok(rostered.map(|m| {
            let person = Person {
                id: PersonId(0),
                institution: institution.id,
                user_type: Some(m.user_type),
                department: m.department.clone(),
            };
            let login = PersonLogin {
                institution: institution.id,
                subject: m.login,
                user_type: Some(m.user_type),
                department: m.department,
                at: self.now(),
                personal: None,
                consented: None,
                reassignable: false,
            };
            (person, Some(login))
        }))
    }

    async fn person_of(
        &self,
        institution: &Institution,
        member: &Subject,
        lang: Language,
    ) -> Result<(Person, Option<PersonLogin>), LineProblem> {
        self.member_person(institution, member)
            .await
            .map_err(LineProblem::Failed)?
            .ok_or_else(|| LineProblem::At("member", never_signed_in(lang).to_owned()))
    }

    /// Applies a planned file in one transaction: every change with its own
    /// audit entry, then one entry for the file. People of the built-in
    /// directory who never signed in are made from the roster first (as
    /// their first sign-in would).
    pub async fn apply_fixes(
        &self,
        plan: &FixPlan,
        lang: Language,
        auditor: &dyn FixAuditor,
    ) -> Result<Vec<Series>, FixError> {
        let mut ops = Vec::new();
        let mut lines = Vec::new();
        for fix in &plan.fixes {
            let why = format!("reason: {}; bulk fix line {}", fix.reason, fix.line);
            let op = match &fix.op {
                Planned::Nothing => continue,
                Planned::Move {
                    request,
                    institution,
                } => {
                    let objects = vec![
                        AuditObject::Series(request.series),
                        AuditObject::Slot(fix.slot.unwrap_or(SlotId(0))),
                        AuditObject::Institution(*institution),
                    ];
                    BatchOp::Move(Reschedule {
                        audit: Some(auditor.entry(fix.kind.action(), objects, why)),
                        now: self.now(),
                        ..request.clone()
                    })
                }
                Planned::Cancel {
                    series,
                    language,
                    institution,
                } => BatchOp::Cancel {
                    series: *series,
                    language: *language,
                    audit: auditor.entry(
                        fix.kind.action(),
                        vec![
                            AuditObject::Series(*series),
                            AuditObject::Institution(*institution),
                        ],
                        why,
                    ),
                },
                Planned::Book {
                    request,
                    new_person,
                    institution,
                } => {
                    let person = match new_person {
                        Some(login) => self.store().person_for_login(login).await?.id,
                        None => request.person,
                    };
                    let objects = vec![
                        AuditObject::Person(person),
                        AuditObject::Slot(fix.slot.unwrap_or(SlotId(0))),
                        AuditObject::Institution(*institution),
                    ];
                    BatchOp::Book(NewSeries {
                        person,
                        audit: Some(auditor.entry(fix.kind.action(), objects, why)),
                        now: self.now(),
                        ..request.clone()
                    })
                }
            };
            ops.push(op);
            lines.push(fix.line);
        }
        let (moved, cancelled, booked) = plan.counts();
        let summary = auditor.entry(
            sesshu_domain::AuditAction::ReservationsApply,
            Vec::new(),
            format!("moved {moved}, cancelled {cancelled}, booked {booked}"),
        );
        match self.store().apply_batch(&ops, &summary).await {
            Ok(done) => Ok(done),
            Err(StoreError::InBatch { index, source }) => {
                let line = lines.get(index).copied().unwrap_or_default();
                let message = match *source {
                    StoreError::Rejected(r) => r.message(lang).to_owned(),
                    other => return Err(other.into()),
                };
                Err(FixError::Invalid(vec![UploadError {
                    line,
                    column: None,
                    message,
                }]))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Why the office cannot book for a member yet.
pub fn never_signed_in(lang: Language) -> &'static str {
    match lang {
        Language::Ja => {
            "この利用者はまだ一度もログインしていません (名簿を Sesshu に置いていない機関では、一度ログインしてもらう必要があります)"
        }
        Language::En => {
            "this member has never signed in (for an institution whose roster Sesshu does not hold, they must sign in once)"
        }
    }
}

fn also_on(lang: Language, first: usize) -> String {
    match lang {
        Language::Ja => format!("{first} 行目と同じ予約・利用者です"),
        Language::En => format!("the same reservation or member as line {first}"),
    }
}

/// Why a line cannot be planned: the column to blame and why, or a failure
/// of the store that stops the planning.
enum LineProblem {
    At(&'static str, String),
    Failed(BookingError),
}

impl LineProblem {
    fn store(e: StoreError) -> Self {
        LineProblem::Failed(e.into())
    }
}
