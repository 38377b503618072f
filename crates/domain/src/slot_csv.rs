//! Slots from a CSV (予約枠のCSV登録), for what the generator's regular
//! pattern does not fit: one row per slot, checked whole — every problem
//! with its line and column, rows that overlap each other or a slot that
//! exists included — before anything is created.
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `date` | yes | `2026-12-10` (or `2026/12/10`), Tokyo |
//! | `start`, `end` | yes | `09:00`, `09:30` |
//! | `venue` | yes | the venue's name (Japanese or English) |
//! | `lane` | yes | the lane's name at that venue |
//! | `capacity` | yes | 1 to 1000 |
//! | `vaccine` | yes | the vaccine's name |
//! | `dose` | yes | `1` or `2` |
//! | `institutions` | no | institution codes, separated by spaces or `;` (empty: all) |
//! | `user_types` | no | `staff`/`student` (教職員/学生), separated likewise (empty: all) |
//! | `opens_at` | no | when booking opens, `2026-12-01 10:00` (empty: at once) |

use crate::upload::{self, Row, UploadError};
use crate::{
    Catalog, DoseNumber, Institution, LaneId, Language, Slot, SlotEligibility, TOKYO, UserType,
    VaccineId, VenueId,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

pub const COLUMNS: [&str; 11] = [
    "date",
    "start",
    "end",
    "venue",
    "lane",
    "capacity",
    "vaccine",
    "dose",
    "institutions",
    "user_types",
    "opens_at",
];

const REQUIRED: [&str; 8] = [
    "date", "start", "end", "venue", "lane", "capacity", "vaccine", "dose",
];

/// One slot of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRow {
    pub line: usize,
    pub venue: VenueId,
    pub lane: LaneId,
    pub vaccine: VaccineId,
    pub dose: DoseNumber,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: u32,
    /// `None`: open at once.
    pub opens_at: Option<DateTime<Utc>>,
    pub eligibility: SlotEligibility,
}

fn say(lang: Language, ja: &str, en: &str) -> String {
    lang.pick(ja, en).to_owned()
}

fn tokyo(day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    TOKYO
        .from_local_datetime(&day.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Reads a slot file against the catalog, the institutions and the slots
/// that exist around its dates. Every problem is reported.
pub fn parse(
    bytes: &[u8],
    catalog: &Catalog,
    institutions: &[Institution],
    existing: &[Slot],
    lang: Language,
) -> Result<Vec<SlotRow>, Vec<UploadError>> {
    let text = upload::decode(bytes, lang).map_err(|e| vec![e])?;
    let (rows, mut errors) = upload::table(&text, &COLUMNS, &REQUIRED, lang);
    let mut slots: Vec<SlotRow> = Vec::new();
    for row in &rows {
        match parse_row(row, catalog, institutions, lang) {
            Ok(slot) => {
                if let Some(other) = slots.iter().find(|s| overlaps(s, &slot)) {
                    errors.push(row.problem(
                        "start",
                        match lang {
                            Language::Ja => {
                                format!("{} 行目の枠と同じレーンで時間が重なります", other.line)
                            }
                            Language::En => {
                                format!("overlaps line {} in the same lane", other.line)
                            }
                        },
                    ));
                } else if let Some(s) = existing.iter().find(|s| {
                    s.lane == slot.lane && s.starts_at < slot.ends_at && slot.starts_at < s.ends_at
                }) {
                    errors.push(row.problem(
                        "start",
                        match lang {
                            Language::Ja => {
                                format!("同じレーンの既存の枠 (#{}) と時間が重なります", s.id)
                            }
                            Language::En => format!("overlaps slot #{} in the same lane", s.id),
                        },
                    ));
                } else {
                    slots.push(slot);
                }
            }
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if slots.is_empty() && errors.is_empty() {
        errors.push(UploadError {
            line: 1,
            column: None,
            message: say(lang, "枠の行がありません", "the file has no slots"),
        });
    }
    if errors.is_empty() {
        Ok(slots)
    } else {
        errors.sort_by_key(|e| (e.line, e.column.as_ref().map(|c| c.0)));
        Err(errors)
    }
}

fn overlaps(a: &SlotRow, b: &SlotRow) -> bool {
    a.lane == b.lane && a.starts_at < b.ends_at && b.starts_at < a.ends_at
}

fn parse_row(
    row: &Row,
    catalog: &Catalog,
    institutions: &[Institution],
    lang: Language,
) -> Result<SlotRow, Vec<UploadError>> {
    let mut problems = Vec::new();
    let required = say(lang, "必須です", "is required");
    let mut cell = |column: &str| -> Option<String> {
        let value = row.get(column).map(str::to_owned);
        if value.is_none() && REQUIRED.contains(&column) {
            problems.push(row.problem(column, required.clone()));
        }
        value
    };
    let (date, start, end, venue, lane, capacity, vaccine, dose) = (
        cell("date"),
        cell("start"),
        cell("end"),
        cell("venue"),
        cell("lane"),
        cell("capacity"),
        cell("vaccine"),
        cell("dose"),
    );
    let (institution_codes, user_types, opens_at) =
        (cell("institutions"), cell("user_types"), cell("opens_at"));
    let mut wrong = |column: &str, ja: String, en: String| {
        problems.push(row.problem(column, lang.pick(&ja, &en).to_owned()));
    };

    let date = date.and_then(|d| {
        let parsed = NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&d, "%Y/%m/%d"))
            .ok();
        if parsed.is_none() {
            wrong(
                "date",
                format!("{d:?} は日付ではありません (2026-12-10)"),
                format!("{d:?} is not a date (2026-12-10)"),
            );
        }
        parsed
    });
    let mut time = |column: &str, value: Option<String>| {
        value.and_then(|t| {
            let parsed = NaiveTime::parse_from_str(&t, "%H:%M").ok();
            if parsed.is_none() {
                wrong(
                    column,
                    format!("{t:?} は時刻ではありません (09:30)"),
                    format!("{t:?} is not a time (09:30)"),
                );
            }
            parsed
        })
    };
    let (start, end) = (time("start", start), time("end", end));
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        wrong(
            "end",
            "終了が開始より前です".into(),
            "ends before it starts".into(),
        );
    }
    let venue = venue.and_then(|v| {
        let found = catalog
            .venues
            .iter()
            .find(|x| x.name_ja == v || x.name_en == v);
        if found.is_none() {
            wrong(
                "venue",
                format!("{v:?} という会場はありません"),
                format!("no venue is called {v:?}"),
            );
        }
        found
    });
    let lane = match (venue, lane) {
        (Some(venue), Some(l)) => {
            let found = catalog
                .lanes
                .iter()
                .find(|x| x.venue == venue.id && (x.name_ja == l || x.name_en == l));
            if found.is_none() {
                wrong(
                    "lane",
                    format!("この会場に {l:?} というレーンはありません"),
                    format!("the venue has no lane called {l:?}"),
                );
            }
            found
        }
        _ => None,
    };
    let capacity = capacity.and_then(|c| match c.parse::<u32>() {
        Ok(n) if (1..=1000).contains(&n) => Some(n),
        _ => {
            wrong(
                "capacity",
                "定員は1〜1000です".into(),
                "the capacity must be 1 to 1000".into(),
            );
            None
        }
    });
    let vaccine = vaccine.and_then(|v| {
        let found = catalog
            .vaccines
            .iter()
            .find(|x| x.name_ja == v || x.name_en == v);
        if found.is_none() {
            wrong(
                "vaccine",
                format!("{v:?} というワクチンはありません"),
                format!("no vaccine is called {v:?}"),
            );
        }
        found
    });
    let dose = dose.and_then(|d| {
        let parsed = d.parse::<DoseNumber>().ok();
        if parsed.is_none() {
            wrong("dose", "1 か 2 です".into(), "must be 1 or 2".into());
        }
        parsed
    });
    let split = |s: &str| -> Vec<String> {
        s.split([' ', ';', '、', ','])
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut eligibility = SlotEligibility::default();
    for code in institution_codes.as_deref().map(split).unwrap_or_default() {
        match institutions.iter().find(|i| i.code.as_str() == code) {
            Some(i) => {
                eligibility.institutions.insert(i.id);
            }
            None => wrong(
                "institutions",
                format!("{code:?} という機関コードはありません"),
                format!("no institution has the code {code:?}"),
            ),
        }
    }
    for kind in user_types.as_deref().map(split).unwrap_or_default() {
        match kind.as_str() {
            "staff" | "教職員" | "職員" | "教員" => {
                eligibility.user_types.insert(UserType::Staff);
            }
            "student" | "学生" => {
                eligibility.user_types.insert(UserType::Student);
            }
            other => wrong(
                "user_types",
                format!("{other:?} は staff (教職員) でも student (学生) でもありません"),
                format!("{other:?} is neither staff nor student"),
            ),
        }
    }
    let opens_at = opens_at.and_then(|o| {
        let parsed = NaiveDateTime::parse_from_str(&o, "%Y-%m-%d %H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(&o, "%Y/%m/%d %H:%M"))
            .ok()
            .and_then(|t| tokyo(t.date(), t.time()));
        if parsed.is_none() {
            wrong(
                "opens_at",
                format!("{o:?} は日時ではありません (2026-12-01 10:00)"),
                format!("{o:?} is not a date and time (2026-12-01 10:00)"),
            );
        }
        parsed
    });
    let starts_at = date.zip(start).and_then(|(d, t)| tokyo(d, t));
    let ends_at = date.zip(end).and_then(|(d, t)| tokyo(d, t));
    match (
        problems.is_empty(),
        venue,
        lane,
        vaccine,
        dose,
        starts_at,
        ends_at,
        capacity,
    ) {
        (true, Some(venue), Some(lane), Some(vaccine), Some(dose), Some(s), Some(e), Some(c)) => {
            Ok(SlotRow {
                line: row.line,
                venue: venue.id,
                lane: lane.id,
                vaccine: vaccine.id,
                dose,
                starts_at: s,
                ends_at: e,
                capacity: c,
                opens_at,
                eligibility,
            })
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Lane, Vaccine, Venue};

    fn catalog() -> Catalog {
        Catalog {
            venues: vec![Venue {
                id: VenueId::new(1),
                name_ja: "本部会場".into(),
                name_en: "Main hall".into(),
            }],
            lanes: vec![
                Lane {
                    id: LaneId::new(1),
                    venue: VenueId::new(1),
                    name_ja: "A".into(),
                    name_en: "A".into(),
                },
                Lane {
                    id: LaneId::new(2),
                    venue: VenueId::new(1),
                    name_ja: "B".into(),
                    name_en: "B".into(),
                },
            ],
            vaccines: vec![Vaccine {
                id: VaccineId::new(1),
                name_ja: "モデルナ".into(),
                name_en: "Moderna".into(),
                second_dose_after: None,
                codes: Default::default(),
            }],
        }
    }

    const HEADER: &str = "date,start,end,venue,lane,capacity,vaccine,dose,user_types,opens_at\n";

    #[test]
    fn rows_become_slots_in_tokyo_time() {
        let file = format!(
            "{HEADER}2026/12/10,09:00,09:30,本部会場,A,20,Moderna,1,学生 staff,2026-12-01 10:00\n\
             2026-12-10,09:00,09:30,Main hall,B,20,モデルナ,2,,\n"
        );
        let slots = parse(file.as_bytes(), &catalog(), &[], &[], Language::En).unwrap();
        assert_eq!(slots.len(), 2);
        assert_eq!(slots[0].starts_at.to_rfc3339(), "2026-12-10T00:00:00+00:00");
        assert_eq!(slots[0].eligibility.user_types.len(), 2);
        assert_eq!(
            slots[0].opens_at.unwrap().to_rfc3339(),
            "2026-12-01T01:00:00+00:00"
        );
        assert_eq!(slots[1].lane, LaneId::new(2));
        assert_eq!(slots[1].opens_at, None);
    }

    #[test]
    fn every_problem_is_said_with_its_line_and_column() {
        let file = format!(
            "{HEADER}2026-13-01,09:00,08:00,本部会場,C,0,Pfizer,3,teachers,soon\n\
             2026-12-10,09:00,09:30,本部会場,A,20,Moderna,1,,\n\
             2026-12-10,09:15,09:45,本部会場,A,20,Moderna,1,,\n"
        );
        let errors = parse(file.as_bytes(), &catalog(), &[], &[], Language::En).unwrap_err();
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "line 2, column 1 (date): \"2026-13-01\" is not a date (2026-12-10)",
                "line 2, column 3 (end): ends before it starts",
                "line 2, column 5 (lane): the venue has no lane called \"C\"",
                "line 2, column 6 (capacity): the capacity must be 1 to 1000",
                "line 2, column 7 (vaccine): no vaccine is called \"Pfizer\"",
                "line 2, column 8 (dose): must be 1 or 2",
                "line 2, column 9 (user_types): \"teachers\" is neither staff nor student",
                "line 2, column 10 (opens_at): \"soon\" is not a date and time (2026-12-01 10:00)",
                "line 4, column 2 (start): overlaps line 3 in the same lane",
            ]
        );
    }

    #[test]
    fn unknown_institutions_are_refused() {
        let file = "date,start,end,venue,lane,capacity,vaccine,dose,institutions\n\
                    2026-12-10,09:00,09:30,本部会場,A,20,Moderna,1,nowhere\n";
        let errors = parse(file.as_bytes(), &catalog(), &[], &[], Language::Ja).unwrap_err();
        assert_eq!(errors[0].column, Some((9, "institutions".into())));
        assert!(errors[0].message.contains("nowhere"));
    }
}
