//! The sheet's columns, and how decisions, arms and marks are written in its cells and read back.

use sesshu_domain::{Decision, Site};

/// The sheet's columns, in order: (Japanese, English) titles.
pub const COLUMNS: [(&str, &str); 14] = [
    ("予約番号", "Reservation"),
    ("回", "Dose"),
    ("予約時刻", "Time booked"),
    ("氏名", "Name"),
    ("ふりがな", "Kana"),
    ("来場", "Attended"),
    ("予診票", "Questionnaire"),
    ("判断", "Decision"),
    ("延期の理由", "Reason (postponed)"),
    ("接種時刻", "Time given"),
    ("ロット番号", "Lot"),
    ("接種者", "Given by"),
    ("部位", "Arm"),
    ("接種券回収", "Voucher collected"),
];

pub(super) const NUMBER: usize = 0;
pub(super) const DOSE: usize = 1;
pub(super) const ATTENDED: usize = 5;
pub(super) const QUESTIONNAIRE: usize = 6;
pub(super) const DECISION: usize = 7;
pub(super) const REASON: usize = 8;
pub(super) const TIME: usize = 9;
pub(super) const LOT: usize = 10;
pub(super) const GIVEN_BY: usize = 11;
pub(super) const ARM: usize = 12;
pub(super) const VOUCHER: usize = 13;

/// How a decision is written in the sheet (each form is read back).
pub(super) fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::Vaccinate => "接種/vaccinate",
        Decision::Postpone => "延期/postpone",
        Decision::Contraindicated => "禁忌/contraindicated",
        Decision::Refused => "辞退/refused",
        Decision::Unwell => "体調不良/unwell",
    }
}

pub(super) fn site_text(s: Site) -> &'static str {
    match s {
        Site::LeftArm => "左/left",
        Site::RightArm => "右/right",
    }
}

pub(super) const YES: &str = "○";

/// A mark: empty is no; ○, ✓, x, 1, yes, はい, 済 are yes.
pub(super) fn yes(text: &str) -> Option<bool> {
    match text {
        "" => Some(false),
        "○" | "〇" | "✓" | "✔" | "x" | "X" | "1" | "yes" | "Yes" | "YES" | "はい" | "済" => {
            Some(true)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_read_as_people_write_them() {
        for y in ["○", "✓", "x", "1", "はい", "済"] {
            assert_eq!(yes(y), Some(true), "{y}");
        }
        assert_eq!(yes(""), Some(false));
        assert_eq!(yes("maybe"), None);
    }
}
