//! Files the office hands out: XLSX, and CSV that opens right in Excel: UTF-8 with a
//! BOM by default, or CP932 (Shift_JIS as Windows has it) on request, where
//! a character CP932 cannot hold is reported with its row and column instead
//! of being replaced; every cell that a spreadsheet would read as a formula
//! is neutralised; fields quoted per RFC 4180, lines ending in CRLF.

use std::borrow::Cow;

/// How a CSV file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 with a byte order mark (Excel reads it as UTF-8).
    Utf8Bom,
    /// Windows-31J, for older Excel and other tools that want it.
    Cp932,
}

impl Encoding {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("cp932" | "sjis" | "shift_jis") => Encoding::Cp932,
            _ => Encoding::Utf8Bom,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Encoding::Utf8Bom => "utf8",
            Encoding::Cp932 => "cp932",
        }
    }
}

/// A cell CP932 cannot hold (1-based, the header being row 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmappable {
    pub row: usize,
    pub column: usize,
    /// The characters it cannot hold.
    pub characters: String,
}

/// A cell a spreadsheet would run (`=`, `+`, `-`, `@`, tab, carriage
/// return first) gets a leading apostrophe, which shows it as text.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The CSV of `header` and `rows`, encoded; or every cell CP932 cannot hold.
pub fn csv(
    header: &[&str],
    rows: &[Vec<String>],
    encoding: Encoding,
) -> Result<Vec<u8>, Vec<Unmappable>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    let mut write = |record: Vec<Cow<'_, str>>| {
        // Writing to memory cannot fail.
        let _ = writer.write_record(record.iter().map(|c| c.as_bytes()));
    };
    write(header.iter().map(|h| neutralise(h)).collect());
    for row in rows {
        write(row.iter().map(|c| neutralise(c)).collect());
    }
    let text = writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    match encoding {
        Encoding::Utf8Bom => {
            let mut out = Vec::with_capacity(text.len() + 3);
            out.extend_from_slice(b"\xEF\xBB\xBF");
            out.extend_from_slice(text.as_bytes());
            Ok(out)
        }
        Encoding::Cp932 => {
            let unmappable: Vec<Unmappable> =
                std::iter::once(header.iter().map(|h| h.to_string()).collect::<Vec<_>>())
                    .chain(rows.iter().cloned())
                    .enumerate()
                    .flat_map(|(r, row)| {
                        row.into_iter().enumerate().filter_map(move |(c, cell)| {
                            let bad: String = cell
                                .chars()
                                .filter(|ch| {
                                    let mut buf = [0u8; 4];
                                    encoding_rs::SHIFT_JIS.encode(ch.encode_utf8(&mut buf)).2
                                })
                                .collect();
                            (!bad.is_empty()).then_some(Unmappable {
                                row: r + 1,
                                column: c + 1,
                                characters: bad,
                            })
                        })
                    })
                    .collect();
            if unmappable.is_empty() {
                Ok(encoding_rs::SHIFT_JIS.encode(&text).0.into_owned())
            } else {
                Err(unmappable)
            }
        }
    }
}

/// The same table as an Excel workbook: one sheet, the header bold and
/// frozen, every cell a string (a spreadsheet shows `=…` in a string cell
/// as text, so nothing needs neutralising here).
pub fn xlsx(sheet: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let worksheet = workbook.add_worksheet();
    let fail = |e: rust_xlsxwriter::XlsxError| e.to_string();
    worksheet.set_name(sheet).map_err(fail)?;
    for (c, title) in header.iter().enumerate() {
        let c = u16::try_from(c).map_err(|e| e.to_string())?;
        worksheet
            .write_string_with_format(0, c, *title, &bold)
            .map_err(fail)?;
        worksheet.set_column_width(c, 16).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|e| e.to_string())?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|e| e.to_string())?;
            worksheet.write_string(r, c, cell).map_err(fail)?;
        }
    }
    worksheet.set_freeze_panes(1, 0).map_err(fail)?;
    workbook.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cells: &[&str]) -> Vec<Vec<String>> {
        vec![cells.iter().map(|c| c.to_string()).collect()]
    }

    #[test]
    fn formulas_are_shown_as_text() {
        let out = csv(
            &["a", "b", "c", "d", "e"],
            &rows(&["=1+1", "+81", "-2", "@SUM(A1)", "髙橋"]),
            Encoding::Utf8Bom,
        )
        .unwrap();
        let text = String::from_utf8(out[3..].to_vec()).unwrap();
        assert_eq!(text, "a,b,c,d,e\r\n'=1+1,'+81,'-2,'@SUM(A1),髙橋\r\n");
        assert!(out.starts_with(b"\xEF\xBB\xBF"));
    }

    #[test]
    fn quotes_and_line_breaks_are_quoted() {
        let out = csv(&["x"], &rows(&["a \"b\", c\nd"]), Encoding::Utf8Bom).unwrap();
        assert!(String::from_utf8_lossy(&out).contains("\"a \"\"b\"\", c\nd\""));
    }

    #[test]
    fn cp932_holds_what_excel_needs_and_names_what_it_cannot() {
        let out = csv(&["名前"], &rows(&["髙橋 ① 﨑"]), Encoding::Cp932).unwrap();
        let (back, _, bad) = encoding_rs::SHIFT_JIS.decode(&out);
        assert!(!bad);
        assert_eq!(back, "名前\r\n髙橋 ① 﨑\r\n");
        let refused = csv(
            &["名前", "かな"],
            &rows(&["吉田", "𠮷田 😀"]),
            Encoding::Cp932,
        )
        .unwrap_err();
        assert_eq!(
            refused,
            vec![Unmappable {
                row: 2,
                column: 2,
                characters: "𠮷😀".into()
            }]
        );
    }
}
