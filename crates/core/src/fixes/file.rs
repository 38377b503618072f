//! Reading a fix file: every problem with its line and column, nothing
//! half-read.

use super::{COLUMNS, FixFile, FixKind, FixLine, REASON_MAX, Target, say};
use sesshu_domain::upload::{self, Row, UploadError};
use sesshu_domain::{InstitutionCode, Language, ReservationNumber, SlotId, Subject};

/// Reads a fix file (UTF-8, with or without BOM, or CP932). Every problem is
/// reported, each with its line and column.
pub fn parse(bytes: &[u8], lang: Language) -> Result<FixFile, Vec<UploadError>> {
    let read = upload::read_lines(
        bytes,
        &COLUMNS,
        &["action", "reason"],
        ("変更する行がありません", "the file has no changes"),
        lang,
        |row| parse_row(row, lang),
    )?;
    Ok(FixFile {
        lines: read.lines,
        columns: read.columns,
    })
}

fn parse_row(row: &Row, lang: Language) -> Result<FixLine, Vec<UploadError>> {
    let mut problems = Vec::new();
    let required = say(lang, "必須です", "is required");
    let kind = match row.get("action") {
        None => {
            problems.push(row.problem("action", required.clone()));
            None
        }
        Some(value) => {
            let kind = FixKind::parse(value);
            if kind.is_none() {
                problems.push(row.problem(
                    "action",
                    match lang {
                        Language::Ja => format!("{value:?} は move (変更)、cancel (取消)、book (予約) のどれでもありません"),
                        Language::En => format!("{value:?} is none of move, cancel, book"),
                    },
                ));
            }
            kind
        }
    };
    let number = row
        .get("reservation")
        .and_then(|v| match ReservationNumber::parse(v) {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push(row.problem(
                    "reservation",
                    match lang {
                        Language::Ja => format!("{v:?} は予約番号ではありません"),
                        Language::En => format!("{v:?} is not a reservation number"),
                    },
                ));
                None
            }
        });
    let institution = row
        .get("institution")
        .and_then(|v| match InstitutionCode::parse(v) {
            Ok(code) => Some(code),
            Err(e) => {
                problems.push(row.problem("institution", e.reason));
                None
            }
        });
    let member = row.get("member").and_then(|v| match Subject::parse(v) {
        Ok(login) => Some(login),
        Err(e) => {
            problems.push(row.problem("member", e.reason));
            None
        }
    });
    let slot = row.get("slot").and_then(|v| match v.parse::<i64>() {
        Ok(id) if id > 0 => Some(SlotId::new(id)),
        _ => {
            problems.push(row.problem(
                "slot",
                match lang {
                    Language::Ja => format!("{v:?} は枠の番号ではありません"),
                    Language::En => format!("{v:?} is not a slot id"),
                },
            ));
            None
        }
    });
    let reason = match row.get("reason") {
        None => {
            problems.push(row.problem("reason", required.clone()));
            String::new()
        }
        Some(r) if r.chars().count() > REASON_MAX => {
            problems.push(row.problem(
                "reason",
                match lang {
                    Language::Ja => format!("{REASON_MAX} 文字までです"),
                    Language::En => format!("at most {REASON_MAX} characters"),
                },
            ));
            String::new()
        }
        Some(r) => r.to_owned(),
    };
    let Some(kind) = kind else {
        return Err(problems);
    };
    let by_member = row.get("institution").is_some() || row.get("member").is_some();
    if kind == FixKind::Book && row.get("reservation").is_some() {
        problems.push(row.problem(
            "reservation",
            say(
                lang,
                "予約には使えません (機関と利用者IDで指定します)",
                "not for book (give the institution and member)",
            ),
        ));
    }
    if kind != FixKind::Book && row.get("reservation").is_some() && by_member {
        problems.push(row.problem(
            "member",
            say(
                lang,
                "予約番号か、機関と利用者IDかのどちらか一方で指定してください",
                "give either the reservation number or the institution and member, not both",
            ),
        ));
    }
    if (kind == FixKind::Book || row.get("reservation").is_none()) && problems.is_empty() {
        for column in ["institution", "member"] {
            if row.get(column).is_none() {
                problems.push(row.problem(
                    column,
                    match (kind, lang) {
                        (FixKind::Book, _) => required.clone(),
                        (_, Language::Ja) => "予約番号がないときは機関と利用者IDが必須です".into(),
                        (_, Language::En) => {
                            "is required when there is no reservation number".into()
                        }
                    },
                ));
            }
        }
    }
    match (kind, row.get("slot")) {
        (FixKind::Cancel, Some(_)) => problems.push(row.problem(
            "slot",
            say(
                lang,
                "取消には枠を指定しません",
                "a cancellation takes no slot",
            ),
        )),
        (FixKind::Move | FixKind::Book, None) => {
            problems.push(row.problem("slot", required.clone()));
        }
        _ => {}
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let target = match (number, institution, member) {
        (Some(number), _, _) => Target::Reservation(number),
        (None, Some(institution), Some(member)) => Target::Member(institution, member),
        _ => return Err(problems),
    };
    Ok(FixLine {
        line: row.line,
        kind,
        target,
        slot,
        reason,
    })
}
