//! Reading an uploaded CSV the way Japanese offices save it: UTF-8 with or
//! without a BOM, or CP932; a header row naming the columns (order free);
//! every problem reported with its line and column, never only the first.
//!
//! The member roster and the office's bulk reservation fixes both read their
//! files through [`table`]; what the cells mean is theirs to check.

use crate::Language;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A problem in a file, at a line (1 = the header) and maybe a column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadError {
    pub line: usize,
    /// 1-based column number and its name.
    pub column: Option<(usize, String)>,
    pub message: String,
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some((n, name)) => write!(
                f,
                "line {}, column {n} ({name}): {}",
                self.line, self.message
            ),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Decodes an upload: UTF-8 (a BOM is dropped), else CP932.
pub fn decode(bytes: &[u8], lang: Language) -> Result<String, UploadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        // The line of the first byte neither encoding accepts.
        let valid = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |s| s.len());
        let line = breaks(&bytes[..valid]) + 1;
        return Err(UploadError {
            line,
            column: None,
            message: match lang {
                Language::Ja => {
                    "UTF-8 でも CP932 (Shift_JIS) でもありません。「CSV UTF-8」で保存してください"
                        .into()
                }
                Language::En => {
                    "the file is neither UTF-8 nor CP932 (Shift_JIS); save it as CSV UTF-8".into()
                }
            },
        });
    }
    Ok(text.into_owned())
}

/// One data row of a [`table`], with where its cells came from.
#[derive(Debug)]
pub struct Row {
    pub line: usize,
    cells: csv::StringRecord,
    columns: Arc<HashMap<&'static str, usize>>,
}

impl Row {
    /// The cell of a named column, trimmed; `None` when the column is absent
    /// or the cell empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.columns
            .get(column)
            .and_then(|&i| self.cells.get(i))
            .filter(|v| !v.is_empty())
    }

    /// Where a named column is in the file (0-based), if it is there.
    pub fn position(&self, column: &str) -> Option<usize> {
        self.columns.get(column).copied()
    }

    /// A problem with the cell of `column` on this row.
    pub fn problem(&self, column: &str, message: impl Into<String>) -> UploadError {
        UploadError {
            line: self.line,
            column: self
                .columns
                .get(column)
                .map(|&i| (i + 1, column.to_owned())),
            message: message.into(),
        }
    }
}

/// A file of lines read whole (see [`read_lines`]): each line as `parse`
/// read it, and where each known column stands (0-based), to point at a
/// cell later.
#[derive(Debug)]
pub struct Lines<T, C> {
    pub lines: Vec<T>,
    pub columns: C,
}

/// Reads an upload (UTF-8 with or without BOM, or CP932) as a table of
/// `known` columns with `required` present, and each row with `parse`.
/// Nothing is half-read: every problem of the header and of every row is
/// returned, in line and column order; a file with no line is refused with
/// `empty` (Japanese, English).
pub fn read_lines<T, C: FromIterator<(&'static str, usize)>>(
    bytes: &[u8],
    known: &[&'static str],
    required: &[&'static str],
    empty: (&str, &str),
    lang: Language,
    mut parse: impl FnMut(&Row) -> Result<T, Vec<UploadError>>,
) -> Result<Lines<T, C>, Vec<UploadError>> {
    let text = decode(bytes, lang).map_err(|e| vec![e])?;
    let (rows, mut errors) = table(&text, known, required, lang);
    let columns = rows
        .first()
        .map(|row| {
            known
                .iter()
                .filter_map(|c| row.position(c).map(|i| (*c, i)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let mut lines = Vec::new();
    for row in &rows {
        match parse(row) {
            Ok(line) => lines.push(line),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if lines.is_empty() && errors.is_empty() {
        errors.push(UploadError {
            line: 1,
            column: None,
            message: lang.pick(empty.0, empty.1).to_owned(),
        });
    }
    if errors.is_empty() {
        Ok(Lines {
            lines,
            columns: columns.into_iter().collect(),
        })
    } else {
        errors.sort_by_key(|e| (e.line, e.column.as_ref().map(|c| c.0)));
        Err(errors)
    }
}

/// The rows of a CSV whose header names columns among `known`, with every
/// column of `required` present. Blank rows are skipped. Header problems
/// (unknown, repeated or missing columns) and unreadable rows are all
/// reported; the rows that could be read are returned with them.
pub fn table(
    text: &str,
    known: &[&'static str],
    required: &[&'static str],
    lang: Language,
) -> (Vec<Row>, Vec<UploadError>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::Fields)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            let message = match lang {
                Language::Ja => format!("見出し行を読めません: {e}"),
                Language::En => format!("cannot read the header row: {e}"),
            };
            return (
                Vec::new(),
                vec![UploadError {
                    line: 1,
                    column: None,
                    message,
                }],
            );
        }
    };
    let mut columns = HashMap::new();
    for (i, name) in headers.iter().enumerate() {
        let header_problem = |message: String| UploadError {
            line: 1,
            column: Some((i + 1, name.to_owned())),
            message,
        };
        match known.iter().find(|k| **k == name) {
            None => errors.push(header_problem(match lang {
                Language::Ja => format!("不明な列です。列は {} です", known.join(", ")),
                Language::En => format!("unknown column; the columns are {}", known.join(", ")),
            })),
            Some(known) => {
                if columns.insert(*known, i).is_some() {
                    errors.push(header_problem(match lang {
                        Language::Ja => "この列が二度あります".into(),
                        Language::En => "this column appears twice".into(),
                    }));
                }
            }
        }
    }
    for required in required {
        if !columns.contains_key(required) {
            errors.push(UploadError {
                line: 1,
                column: None,
                message: match lang {
                    Language::Ja => format!("列 {required} がありません"),
                    Language::En => format!("the column {required} is missing"),
                },
            });
        }
    }
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let columns = Arc::new(columns);
    let mut rows = Vec::new();
    for record in reader.records() {
        let cells = match record {
            Ok(cells) => cells,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p));
                let message = match (e.kind(), lang) {
                    (
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        },
                        Language::Ja,
                    ) => format!("項目が {len} 個あります (見出しは {expected_len} 個)"),
                    (
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        },
                        Language::En,
                    ) => format!("{len} fields where the header has {expected_len}"),
                    _ => e.to_string(),
                };
                errors.push(UploadError {
                    line,
                    column: None,
                    message,
                });
                continue;
            }
        };
        if cells.iter().all(str::is_empty) {
            continue;
        }
        rows.push(Row {
            line: cells.position().map_or(0, |p| line_at(text, p)),
            cells,
            columns: Arc::clone(&columns),
        });
    }
    (rows, errors)
}

/// The line a record starts on. The csv crate counts blank lines into
/// the next record, so a person would look for it on the wrong line.
fn line_at(text: &str, position: &csv::Position) -> usize {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(position.byte())
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    breaks(&bytes[..start]) + 1
}

/// The line breaks in `bytes` as the csv reader counts them: `\r\n`, `\n`
/// and a lone `\r` (a Macintosh CSV) each end a line.
fn breaks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [&str; 3] = ["action", "number", "reason"];

    #[test]
    fn cells_are_found_by_column_name_whatever_the_order() {
        let (rows, errors) = table(
            "reason,action\n 電話 , cancel \n\n,move\n",
            &KNOWN,
            &["action"],
            Language::En,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows.len(), 2, "the blank line is skipped");
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].get("action"), Some("cancel"));
        assert_eq!(rows[0].get("reason"), Some("電話"));
        assert_eq!(rows[0].get("number"), None);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].get("reason"), None, "an empty cell is absent");
        let problem = rows[1].problem("action", "no");
        assert_eq!(problem.to_string(), "line 4, column 2 (action): no");
    }

    #[test]
    fn every_header_problem_is_reported() {
        let (_, errors) = table(
            "number,colour,number\n1,2,3\n",
            &KNOWN,
            &["action"],
            Language::En,
        );
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "line 1, column 2 (colour): unknown column; the columns are action, number, reason",
                "line 1, column 3 (number): this column appears twice",
                "line 1: the column action is missing",
            ]
        );
    }

    #[test]
    fn a_short_row_is_reported_and_the_others_still_read() {
        let (rows, errors) = table(
            "action,number\ncancel,1\nmove\ncancel,2\n",
            &KNOWN,
            &[],
            Language::Ja,
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 3);
        assert!(errors[0].message.contains("見出しは 2 個"), "{errors:?}");
    }

    #[test]
    fn cp932_is_read_and_garbage_is_refused_with_its_line() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("action\n取消\n");
        assert_eq!(decode(&sjis, Language::En).unwrap(), "action\n取消\n");
        assert_eq!(
            decode("\u{feff}a\n".as_bytes(), Language::En).unwrap(),
            "a\n"
        );
        let error = decode(b"action\ncancel\n\xff\xff\n", Language::En).unwrap_err();
        assert_eq!(error.line, 3);
    }
}
