//! What is wrong with an uploaded sheet, in both languages, and where (its line and column).

use sesshu_domain::Language;

/// What is wrong with a cell (or the file), said in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Not an XLSX workbook, or no sheet in it.
    NotAWorkbook,
    /// Larger, once unpacked, than any day's sheet (a file packed to
    /// expand without end is refused before it is read).
    TooLarge,
    /// The first row is not the sheet's header.
    Header,
    /// Not a reservation of this day at this venue.
    UnknownReservation,
    /// The reservation has no such dose that day.
    UnknownDose,
    /// The same reservation and dose twice.
    Repeated,
    /// Not one of the values the column takes.
    Value,
    /// A time of day `HH:MM`.
    Time,
    /// A lot number not registered at the venue.
    UnknownLot,
    /// A lot expired, of another vaccine, or used up.
    LotRefused,
    /// A later column is filled and this one is empty.
    Missing,
    /// Who gave the vaccine, the lot, the time and the arm go together.
    Incomplete,
}

impl Problem {
    pub fn message(&self, lang: Language) -> &'static str {
        match (self, lang) {
            (Problem::NotAWorkbook, Language::Ja) => "Excel（.xlsx）のファイルではありません",
            (Problem::NotAWorkbook, Language::En) => "not an Excel (.xlsx) workbook",
            (Problem::TooLarge, Language::Ja) => {
                "ファイルが大きすぎます（展開すると当日シートの上限を超えます）"
            }
            (Problem::TooLarge, Language::En) => {
                "the file is too large once unpacked for a day's sheet"
            }
            (Problem::Header, Language::Ja) => "1行目が当日シートの見出しではありません",
            (Problem::Header, Language::En) => "the first row is not the day sheet's header",
            (Problem::UnknownReservation, Language::Ja) => "この日・この会場の予約ではありません",
            (Problem::UnknownReservation, Language::En) => {
                "not a reservation of this day at this venue"
            }
            (Problem::UnknownDose, Language::Ja) => "この日のこの回の接種はありません",
            (Problem::UnknownDose, Language::En) => "the reservation has no such dose that day",
            (Problem::Repeated, Language::Ja) => "同じ予約・回が2回あります",
            (Problem::Repeated, Language::En) => "the same reservation and dose twice",
            (Problem::Value, Language::Ja) => "この列の値ではありません",
            (Problem::Value, Language::En) => "not one of this column's values",
            (Problem::Time, Language::Ja) => "時刻は HH:MM で書いてください",
            (Problem::Time, Language::En) => "write the time as HH:MM",
            (Problem::UnknownLot, Language::Ja) => "この会場に登録されていないロットです",
            (Problem::UnknownLot, Language::En) => "a lot not registered at this venue",
            (Problem::LotRefused, Language::Ja) => {
                "このロットは使えません（期限切れ・別のワクチン・残りなし）"
            }
            (Problem::LotRefused, Language::En) => {
                "this lot gives no dose (expired, another vaccine, or used up)"
            }
            (Problem::Missing, Language::Ja) => "後の列が書かれているのに、この列が空です",
            (Problem::Missing, Language::En) => "a later column is filled and this one is empty",
            (Problem::Incomplete, Language::Ja) => {
                "接種時刻・ロット・接種者・部位はそろえて書いてください"
            }
            (Problem::Incomplete, Language::En) => {
                "the time given, lot, given by and arm go together"
            }
        }
    }
}

/// A problem at a line (1 = the header) and column (`A`…), if it is in a
/// cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub line: usize,
    pub column: Option<char>,
    pub problem: Problem,
}

impl Located {
    pub(super) fn at(line: usize, column: usize, problem: Problem) -> Self {
        Self {
            line,
            column: Some(column_letter(column)),
            problem,
        }
    }
}

pub(super) fn column_letter(index: usize) -> char {
    char::from(b'A' + u8::try_from(index).unwrap_or(25).min(25))
}
