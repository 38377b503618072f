//! Files to feed a CSV reader: a valid table, saved the ways offices save
//! one (line endings, a BOM, CP932), then broken the ways a person or an
//! attacker breaks one; and the check that every refusal points into the
//! file it refuses.
//!
//! Every crate whose reader takes a CSV includes this file in its fuzz
//! tests (`#[path]`): test-only code has no crate of its own to live in.
//! The including module names the domain crate `domain` (`use crate as
//! domain;` in sesshu-domain, `use sesshu_domain as domain;` elsewhere).

use super::domain::Language;
use super::domain::upload::{self, UploadError};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

/// How a saved file ends its lines: Excel on Windows, everything else, and
/// old Macintosh CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Lf,
    CrLf,
    Cr,
}

impl Ending {
    fn as_str(self) -> &'static str {
        match self {
            Ending::Lf => "\n",
            Ending::CrLf => "\r\n",
            Ending::Cr => "\r",
        }
    }
}

/// How a table is saved: line endings, a UTF-8 BOM, or CP932 (as Excel
/// saves "CSV" in Japan).
#[derive(Clone, Copy, Debug)]
pub struct Saving {
    pub ending: Ending,
    pub bom: bool,
    pub cp932: bool,
}

pub fn saving() -> impl Strategy<Value = Saving> {
    (
        prop_oneof![Just(Ending::Lf), Just(Ending::CrLf), Just(Ending::Cr)],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(ending, bom, cp932)| Saving { ending, bom, cp932 })
}

/// A change to the table before it is saved.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// Two header cells change places, their columns do not: each value
    /// lands under the other's name.
    SwapHeader(Index, Index),
    /// Two whole columns change places: the file means the same.
    SwapColumns(Index, Index),
    /// A cell becomes any text (quotes, separators and formulas included).
    Cell(Index, Index, String),
    /// A cell grows to this many characters.
    Huge(Index, Index, usize),
    /// A line is dropped (the header too), repeated, cut short of its last
    /// cell, or given one cell more.
    DropLine(Index),
    RepeatLine(Index),
    ShortLine(Index),
    LongLine(Index),
}

/// A change to the bytes once saved.
#[derive(Clone, Debug)]
pub enum Damage {
    /// The file ends at this byte (a transfer cut short).
    Truncate(Index),
    /// These bytes are inserted at a position.
    Insert(Index, Vec<u8>),
}

/// Text a person might type into a cell, or an attacker would.
pub fn cell_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,16}",
        "[0-9 /:-]{0,12}",
        Just("\"".to_owned()),
        Just("a\"b".to_owned()),
        Just("\"quoted, with a comma\"".to_owned()),
        Just("line\nbreak".to_owned()),
        Just("=HYPERLINK(\"http://x\")".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("𠮷野家".to_owned()),
        Just(" ".to_owned()),
    ]
}

/// Bytes that do not belong where they land: a quote, CP932 (valid and
/// truncated), what neither UTF-8 nor CP932 accepts, a BOM, NUL, line
/// breaks.
pub fn stray_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"\"".to_vec()),
        Just(b"\x8e\xe6\x8f\xc1".to_vec()),
        Just(b"\x87\x40".to_vec()),
        Just(b"\x81".to_vec()),
        Just(b"\xb1".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n\n".to_vec()),
        prop::collection::vec(any::<u8>(), 1..8),
    ]
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapHeader(a, b)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapColumns(a, b)),
        3 => (any::<Index>(), any::<Index>(), cell_text())
            .prop_map(|(r, c, v)| Mutation::Cell(r, c, v)),
        1 => (any::<Index>(), any::<Index>(), 1_000usize..100_000)
            .prop_map(|(r, c, n)| Mutation::Huge(r, c, n)),
        1 => any::<Index>().prop_map(Mutation::DropLine),
        1 => any::<Index>().prop_map(Mutation::RepeatLine),
        1 => any::<Index>().prop_map(Mutation::ShortLine),
        1 => any::<Index>().prop_map(Mutation::LongLine),
    ]
}

pub fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        1 => any::<Index>().prop_map(Damage::Truncate),
        3 => (any::<Index>(), stray_bytes()).prop_map(|(at, b)| Damage::Insert(at, b)),
    ]
}

/// Applies a change to the table (rows of cells, the header first).
pub fn mutate(rows: &mut Vec<Vec<String>>, mutation: &Mutation) {
    if rows.is_empty() {
        return;
    }
    let width = rows[0].len().max(1);
    match mutation {
        Mutation::SwapHeader(a, b) => rows[0].swap(a.index(width), b.index(width)),
        Mutation::SwapColumns(a, b) => {
            for row in rows.iter_mut().filter(|r| r.len() == width) {
                row.swap(a.index(width), b.index(width));
            }
        }
        Mutation::Cell(r, c, value) => {
            let row = r.index(rows.len());
            if let Some(cell) = rows[row].get_mut(c.index(width)) {
                cell.clone_from(value);
            }
        }
        Mutation::Huge(r, c, n) => {
            let row = r.index(rows.len());
            if let Some(cell) = rows[row].get_mut(c.index(width)) {
                *cell = "接".repeat(*n);
            }
        }
        Mutation::DropLine(r) => {
            rows.remove(r.index(rows.len()));
        }
        Mutation::RepeatLine(r) => {
            let row = rows[r.index(rows.len())].clone();
            rows.push(row);
        }
        Mutation::ShortLine(r) => {
            let row = r.index(rows.len());
            rows[row].pop();
        }
        Mutation::LongLine(r) => {
            let row = r.index(rows.len());
            rows[row].push("extra".into());
        }
    }
}

/// A cell as a CSV writer writes it: quoted when it must be.
fn quoted(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// The table as text, each line ended with `ending`.
pub fn render(rows: &[Vec<String>], ending: Ending) -> String {
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row.iter().map(|c| quoted(c)).collect();
            cells.join(",") + ending.as_str()
        })
        .collect()
}

/// The table saved: in CP932 when asked and every character has a CP932
/// form (else in UTF-8, as a person would have to), with a BOM when asked
/// (a BOM is UTF-8's alone).
pub fn save(rows: &[Vec<String>], saving: Saving) -> Vec<u8> {
    let text = render(rows, saving.ending);
    if saving.cp932 {
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        if !unmappable {
            return bytes.into_owned();
        }
    }
    let mut bytes = if saving.bom {
        b"\xEF\xBB\xBF".to_vec()
    } else {
        Vec::new()
    };
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

/// Damages saved bytes.
pub fn damaged(mut bytes: Vec<u8>, damage: &Damage) -> Vec<u8> {
    match damage {
        Damage::Truncate(at) => bytes.truncate(at.index(bytes.len() + 1)),
        Damage::Insert(at, stray) => {
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, stray.iter().copied());
        }
    }
    bytes
}

/// A valid table, changed, saved and damaged: what the fuzz tests upload.
pub fn broken(
    valid: Vec<Vec<String>>,
    mutations: &[Mutation],
    saving: Saving,
    damage: &[Damage],
) -> Vec<u8> {
    let mut rows = valid;
    for m in mutations {
        mutate(&mut rows, m);
    }
    damage.iter().fold(save(&rows, saving), damaged)
}

/// The lines of a file as an editor shows them: `\r\n`, `\n` and a lone
/// `\r` each end one (as the csv reader counts records).
pub fn lines(bytes: &[u8]) -> usize {
    let breaks = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    breaks + 1
}

/// Every problem of a refusal points into the file: a line it has (1 =
/// the header), a column it could have (never more than its separators
/// allow), named as the reader names its columns (or, in the header, as
/// the file does); and says something.
pub fn points_into(
    bytes: &[u8],
    problems: &[UploadError],
    known: &[&str],
) -> Result<(), TestCaseError> {
    prop_assert!(!problems.is_empty(), "a refusal without a problem");
    let text = upload::decode(bytes, Language::En).ok();
    let text = text.as_deref().map_or(bytes, str::as_bytes);
    let lines = lines(text);
    let columns = text.iter().filter(|&&b| b == b',').count() + 1;
    for p in problems {
        prop_assert!(
            (1..=lines).contains(&p.line),
            "line {} of a file of {lines}: {p}",
            p.line
        );
        if let Some((n, name)) = &p.column {
            prop_assert!((1..=columns).contains(n), "column {n} of {columns}: {p}");
            // A header cell the reader does not know is named as the file names it.
            prop_assert!(
                known.contains(&name.as_str()) || p.line == 1,
                "a column the reader does not know: {p}"
            );
        }
        prop_assert!(!p.message.trim().is_empty(), "a problem without a message");
    }
    Ok(())
}
