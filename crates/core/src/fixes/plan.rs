//! Planning a fix file: every line against the reservations as they are,
//! by the rules of the office's own changes; every line that cannot be
//! done is reported with its column.

use super::{
    Appointment, FixError, FixFile, FixKind, FixLine, FixPlan, Planned, PlannedFix, Target,
    never_signed_in, say,
};
use crate::bookings::{BookingError, Bookings, LaneChoice};
use sesshu_domain::booking::Booker;
use sesshu_domain::{
    Institution, InstitutionCode, InstitutionId, Language, Person, PersonId, Rejection, Series,
    SeriesId, Subject,
};
use sesshu_store::{PersonLogin, StoreError};
use std::collections::HashMap;

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

                // By the member's login: they may not have signed in yet.
                let to_book = match &line.target {
                    Target::Member(_, member) => self
                        .to_book_of(institution.id, member)
                        .await
                        .map_err(LineProblem::Failed)?,
                    Target::Reservation(_) => {
                        self.to_book(&person).await.map_err(LineProblem::Failed)?
                    }
                };
                let request = self
                    .prepare_book(
                        who,
                        slot,
                        LaneChoice::AnyLane,
                        (active.as_ref(), to_book),
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
