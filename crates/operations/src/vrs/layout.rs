//! The file's layout (its encoding and columns), read from a TOML file or the standard one.

use crate::export::Encoding;
use serde::Deserialize;
use sesshu_vault::Field;
use std::fmt;
use toml::Spanned;

/// What a column holds for one dose given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// The day of the vaccination, `YYYYMMDD` (Asia/Tokyo).
    Date,
    /// 1 or 2.
    Dose,
    /// The voucher's municipality code, six digits.
    MunicipalityCode,
    /// The voucher's number, ten digits.
    VoucherNumber,
    /// The venue's Japanese name.
    Venue,
    /// The vaccine's maker (製造販売業者) as the vaccine master holds it.
    Maker,
    /// The vaccine's Japanese name.
    Product,
    LotNumber,
    /// The reservation number.
    Number,
    NameKanji,
    NameKana,
    NameRoman,
    /// The person's institution, its Japanese name.
    Institution,
    /// Empty, or the day (`YYYYMMDD`) the dose was first handed to VRS.
    Exported,
}

impl Value {
    pub const ALL: [Value; 14] = [
        Value::Date,
        Value::Dose,
        Value::MunicipalityCode,
        Value::VoucherNumber,
        Value::Venue,
        Value::Maker,
        Value::Product,
        Value::LotNumber,
        Value::Number,
        Value::NameKanji,
        Value::NameKana,
        Value::NameRoman,
        Value::Institution,
        Value::Exported,
    ];

    /// As the layout file names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Value::Date => "date",
            Value::Dose => "dose",
            Value::MunicipalityCode => "municipality_code",
            Value::VoucherNumber => "voucher_number",
            Value::Venue => "venue",
            Value::Maker => "maker",
            Value::Product => "product",
            Value::LotNumber => "lot_number",
            Value::Number => "number",
            Value::NameKanji => "name_kanji",
            Value::NameKana => "name_kana",
            Value::NameRoman => "name_roman",
            Value::Institution => "institution",
            Value::Exported => "exported",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == name)
    }

    /// The personal field it opens, for a name.
    fn name_field(self) -> Option<Field> {
        match self {
            Value::NameKanji => Some(Field::NameKanji),
            Value::NameKana => Some(Field::NameKana),
            Value::NameRoman => Some(Field::NameRoman),
            _ => None,
        }
    }

    fn needs_voucher(self) -> bool {
        matches!(self, Value::MunicipalityCode | Value::VoucherNumber)
    }
}

/// What a column holds: a value of the dose, or the same text on every row
/// (`""` for a column the receiving side has and Sesshu cannot fill).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Value(Value),
    Text(String),
}

/// One column: its header and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    pub cell: Cell,
}

/// The layout of the file: its encoding and its columns, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrsColumns {
    pub encoding: Encoding,
    pub columns: Vec<Column>,
}

/// Why a layout file was refused: where (1-based line and column, when the
/// problem has a place) and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LayoutError {
    pub at: Option<(usize, usize)>,
    pub problem: LayoutProblem,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, column)) => write!(f, "line {line}, column {column}: {}", self.problem),
            None => write!(f, "{}", self.problem),
        }
    }
}

/// What is wrong with a layout file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutProblem {
    /// The TOML parser's report (syntax, a key it does not know).
    #[error("{0}")]
    Toml(String),
    #[error("encoding {0:?}: write \"utf8\" (UTF-8 with BOM) or \"cp932\" (Shift_JIS)")]
    Encoding(String),
    #[error("no [[column]]: the file needs at least one")]
    NoColumns,
    #[error("column {index} ({header:?}): give either value or text, not both")]
    Both { index: usize, header: String },
    #[error("column {index} ({header:?}): give value or text")]
    Neither { index: usize, header: String },
    #[error("column {index} ({header:?}): unknown value {value:?}; one of: {}", Value::ALL.map(Value::as_str).join(", "))]
    UnknownValue {
        index: usize,
        header: String,
        value: String,
    },
    /// Sesshu never receives a birth date (logins and rosters do not carry
    /// one), so it cannot fill the column.
    #[error(
        "column {index} ({header:?}): Sesshu holds no birth date; for a column the receiving side expects empty, write text = \"\" instead of value = \"birth_date\""
    )]
    BirthDate { index: usize, header: String },
}

/// The file as TOML reads it, with the places of its values.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    #[serde(default)]
    encoding: Option<Spanned<String>>,
    #[serde(default, rename = "column")]
    columns: Vec<RawColumn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    header: Spanned<String>,
    #[serde(default)]
    value: Option<Spanned<String>>,
    #[serde(default)]
    text: Option<String>,
}

impl VrsColumns {
    /// Reads a layout file: a problem names its line and column. Without
    /// `encoding` the file is UTF-8 with a BOM.
    pub fn parse(text: &str) -> Result<Self, LayoutError> {
        let at = |offset: usize| Some(line_and_column(text, offset));
        let raw: RawLayout = toml::from_str(text).map_err(|e| LayoutError {
            at: e.span().and_then(|s| at(s.start)),
            problem: LayoutProblem::Toml(e.message().to_owned()),
        })?;
        let encoding = match &raw.encoding {
            None => Encoding::Utf8Bom,
            Some(e) => match e.get_ref().as_str() {
                "utf8" => Encoding::Utf8Bom,
                "cp932" => Encoding::Cp932,
                other => {
                    return Err(LayoutError {
                        at: at(e.span().start),
                        problem: LayoutProblem::Encoding(other.to_owned()),
                    });
                }
            },
        };
        if raw.columns.is_empty() {
            return Err(LayoutError {
                at: None,
                problem: LayoutProblem::NoColumns,
            });
        }
        let mut columns = Vec::with_capacity(raw.columns.len());
        for (i, column) in raw.columns.into_iter().enumerate() {
            let index = i + 1;
            let header_at = at(column.header.span().start);
            let header = column.header.into_inner();
            let cell = match (column.value, column.text) {
                (Some(_), Some(_)) => {
                    return Err(LayoutError {
                        at: header_at,
                        problem: LayoutProblem::Both { index, header },
                    });
                }
                (None, None) => {
                    return Err(LayoutError {
                        at: header_at,
                        problem: LayoutProblem::Neither { index, header },
                    });
                }
                (None, Some(text)) => Cell::Text(text),
                (Some(value), None) => {
                    let value_at = at(value.span().start);
                    let name = value.into_inner();
                    match Value::parse(&name) {
                        Some(value) => Cell::Value(value),
                        None if name == "birth_date" => {
                            return Err(LayoutError {
                                at: value_at,
                                problem: LayoutProblem::BirthDate { index, header },
                            });
                        }
                        None => {
                            return Err(LayoutError {
                                at: value_at,
                                problem: LayoutProblem::UnknownValue {
                                    index,
                                    header,
                                    value: name,
                                },
                            });
                        }
                    }
                }
            };
            columns.push(Column { header, cell });
        }
        Ok(Self { encoding, columns })
    }

    /// The layout when no file is configured (the same as
    /// `docs/vrs-columns.toml`): the voucher first, as VRS identifies a
    /// record by it, and no names.
    pub fn standard() -> Self {
        let column = |header: &str, value| Column {
            header: header.into(),
            cell: Cell::Value(value),
        };
        Self {
            encoding: Encoding::Utf8Bom,
            columns: vec![
                column("市区町村コード", Value::MunicipalityCode),
                column("接種券番号", Value::VoucherNumber),
                column("接種日", Value::Date),
                column("接種回数", Value::Dose),
                column("ワクチンメーカー", Value::Maker),
                column("ワクチン名", Value::Product),
                column("ロット番号", Value::LotNumber),
                column("接種会場", Value::Venue),
                column("所属機関", Value::Institution),
                column("予約番号", Value::Number),
                column("出力済み", Value::Exported),
            ],
        }
    }

    pub fn headers(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.header.as_str()).collect()
    }

    fn values(&self) -> impl Iterator<Item = Value> + '_ {
        self.columns.iter().filter_map(|c| match c.cell {
            Cell::Value(v) => Some(v),
            Cell::Text(_) => None,
        })
    }

    /// The names the layout asks for: kanji, kana, roman, as the other
    /// lists open them.
    pub(super) fn name_fields(&self) -> Vec<Field> {
        let asked: Vec<Field> = self.values().filter_map(Value::name_field).collect();
        [Field::NameKanji, Field::NameKana, Field::NameRoman]
            .into_iter()
            .filter(|f| asked.contains(f))
            .collect()
    }

    pub(super) fn needs_voucher(&self) -> bool {
        self.values().any(Value::needs_voucher)
    }
}

/// 1-based line and column (in characters) of a byte offset of `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> LayoutError {
        VrsColumns::parse(text).unwrap_err()
    }

    #[test]
    fn a_layout_names_its_encoding_and_columns() {
        let layout = VrsColumns::parse(
            "encoding = \"cp932\"\n\n\
             [[column]]\nheader = \"接種券番号\"\nvalue = \"voucher_number\"\n\n\
             [[column]]\nheader = \"生年月日\"\ntext = \"\"\n",
        )
        .unwrap();
        assert_eq!(layout.encoding, Encoding::Cp932);
        assert_eq!(
            layout.columns,
            [
                Column {
                    header: "接種券番号".into(),
                    cell: Cell::Value(Value::VoucherNumber)
                },
                Column {
                    header: "生年月日".into(),
                    cell: Cell::Text(String::new())
                },
            ]
        );
        let plain = VrsColumns::parse("[[column]]\nheader = \"回\"\nvalue = \"dose\"\n").unwrap();
        assert_eq!(plain.encoding, Encoding::Utf8Bom, "UTF-8 unless told");
    }

    #[test]
    fn a_wrong_layout_says_at_which_line_and_column() {
        let unknown = refused("[[column]]\nheader = \"x\"\nvalue = \"birthday\"\n");
        assert_eq!(unknown.at, Some((3, 9)), "{unknown}");
        assert!(
            unknown.to_string().starts_with("line 3, column 9: column 1 (\"x\"): unknown value \"birthday\"; one of: date, dose, municipality_code"),
            "{unknown}"
        );

        let encoding = refused("encoding = \"sjis\"\n[[column]]\nheader = \"x\"\ntext = \"\"\n");
        assert_eq!(encoding.at, Some((1, 12)), "{encoding}");
        assert_eq!(
            encoding.problem,
            LayoutProblem::Encoding("sjis".into()),
            "{encoding}"
        );

        let both = refused(
            "[[column]]\nheader = \"a\"\ntext = \"\"\n\n[[column]]\nheader = \"b\"\nvalue = \"dose\"\ntext = \"2\"\n",
        );
        assert_eq!(both.at, Some((6, 10)), "{both}");
        assert!(
            both.to_string()
                .contains("column 2 (\"b\"): give either value or text"),
            "{both}"
        );
        let neither = refused("[[column]]\nheader = \"a\"\n");
        assert_eq!(
            neither.problem,
            LayoutProblem::Neither {
                index: 1,
                header: "a".into()
            }
        );

        let syntax = refused("[[column]]\nheader = \"a\"\nvalue = dose\n");
        assert_eq!(syntax.at.map(|(line, _)| line), Some(3), "{syntax}");
        let key = refused("[[column]]\nheader = \"a\"\nvalue = \"dose\"\nwidth = 3\n");
        assert_eq!(key.at.map(|(line, _)| line), Some(4), "{key}");
        assert!(key.to_string().contains("width"), "{key}");

        assert_eq!(refused("").problem, LayoutProblem::NoColumns);
        assert_eq!(
            refused("encoding = \"utf8\"\n").problem,
            LayoutProblem::NoColumns
        );
    }

    #[test]
    fn a_birth_date_is_refused_with_what_to_write_instead() {
        let refused = refused(
            "[[column]]\nheader = \"接種日\"\nvalue = \"date\"\n\n\
             [[column]]\nheader = \"生年月日\"\nvalue = \"birth_date\"\n",
        );
        assert_eq!(refused.at, Some((7, 9)));
        assert_eq!(
            refused.problem,
            LayoutProblem::BirthDate {
                index: 2,
                header: "生年月日".into()
            }
        );
        let said = refused.to_string();
        assert!(said.contains("Sesshu holds no birth date"), "{said}");
        assert!(said.contains("text = \"\""), "{said}");
    }

    #[test]
    fn the_documented_layout_is_the_default() {
        let documented =
            VrsColumns::parse(include_str!("../../../../docs/vrs-columns.toml")).unwrap();
        assert_eq!(documented, VrsColumns::standard());
    }

    #[test]
    fn the_default_opens_vouchers_and_no_names() {
        let standard = VrsColumns::standard();
        assert!(standard.needs_voucher());
        assert!(standard.name_fields().is_empty());
        let named = VrsColumns::parse(
            "[[column]]\nheader = \"カナ\"\nvalue = \"name_kana\"\n\
             [[column]]\nheader = \"氏名\"\nvalue = \"name_kanji\"\n\
             [[column]]\nheader = \"氏名2\"\nvalue = \"name_kanji\"\n",
        )
        .unwrap();
        assert!(!named.needs_voucher());
        assert_eq!(named.name_fields(), [Field::NameKanji, Field::NameKana]);
    }

    #[test]
    fn every_value_reads_back_from_its_name() {
        for value in Value::ALL {
            assert_eq!(Value::parse(value.as_str()), Some(value));
        }
    }
}
