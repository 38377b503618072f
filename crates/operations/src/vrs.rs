//! The records for the national Vaccination Record System (VRS, ワクチン接種
//! 記録システム): one CSV row per dose given in a period, for registering the
//! same day (docs/vrs.md).
//!
//! The receiving side's layout changes, so the columns come from a file
//! ([`VrsColumns`], shipped as `docs/vrs-columns.toml` and as
//! [`VrsColumns::standard`]), which also chooses the encoding:
//!
//! ```toml
//! encoding = "cp932"
//!
//! [[column]]
//! header = "接種日"
//! value = "date"
//!
//! [[column]]
//! header = "生年月日"
//! text = ""
//! ```
//!
//! A dose whose voucher (接種券) was not collected has no number VRS can
//! take: it is left out of the file and listed apart, to be chased. Each
//! dose written is marked with the export in the same transaction as the
//! `export.vrs` entry, so that a later file can leave it out (`only_new`)
//! or show when it was first handed over (the `exported` value): nothing
//! is registered twice without the operator seeing it.

use crate::export::{self, Encoding, Unmappable};
use crate::lists::{Names, Period};
use crate::{Actor, OperationError, Operations, personal};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sesshu_domain::{
    AuditAction, AuditObject, Catalog, DoseNumber, Duty, Institution, InstitutionId, Language,
    Person, ReservationNumber, Scope, SeriesId, TOKYO, Voucher, day_start,
};
use sesshu_store::RegisteredDose;
use sesshu_vault::{Field, Owner};
use sesshu_vault_open::Keyring;
use std::collections::BTreeMap;
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
    fn name_fields(&self) -> Vec<Field> {
        let asked: Vec<Field> = self.values().filter_map(Value::name_field).collect();
        [Field::NameKanji, Field::NameKana, Field::NameRoman]
            .into_iter()
            .filter(|f| asked.contains(f))
            .collect()
    }

    fn needs_voucher(&self) -> bool {
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

/// A dose given whose voucher was not collected: not in the file, to be
/// chased (the follow-up list, `/vouchers/missing`, has the names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithoutVoucher {
    pub number: ReservationNumber,
    pub dose: DoseNumber,
    /// When it was given.
    pub at: DateTime<Utc>,
    pub institution: InstitutionId,
}

/// What a period holds for VRS, before anything is opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrsSummary {
    /// Doses given with their voucher collected, never handed to VRS.
    pub new: usize,
    /// Doses given with their voucher collected, handed to VRS before.
    pub exported_before: usize,
    pub without_voucher: Vec<WithoutVoucher>,
}

impl VrsSummary {
    /// The rows a file would have.
    pub fn rows(&self, only_new: bool) -> usize {
        if only_new {
            self.new
        } else {
            self.new + self.exported_before
        }
    }
}

/// Which file: the period's doses, all of them or only those never
/// handed to VRS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VrsRequest {
    pub period: Period,
    pub only_new: bool,
}

/// The file handed out. Its bytes hold personal data: never logged.
#[derive(Clone)]
pub struct VrsFile {
    pub bytes: Vec<u8>,
    pub encoding: Encoding,
    /// The rows written (each now marked as exported).
    pub rows: usize,
    /// Of the doses that could be exported, how many had been before: in
    /// the file again, or left out with `only_new`.
    pub exported_before: usize,
    pub without_voucher: Vec<WithoutVoucher>,
}

impl fmt::Debug for VrsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VrsFile")
            .field("encoding", &self.encoding)
            .field("rows", &self.rows)
            .field("exported_before", &self.exported_before)
            .field("without_voucher", &self.without_voucher.len())
            .finish_non_exhaustive()
    }
}

/// How an export ended.
#[derive(Debug)]
pub enum VrsExported {
    /// The file, its rows marked and the export audited.
    File(VrsFile),
    /// The layout asks for Shift_JIS and these cells cannot be written in
    /// it: nothing was marked, nothing handed out.
    Unmappable(Vec<Unmappable>),
}

/// The period's doses given, split: those with their voucher collected
/// (in time order) and those without.
async fn doses(
    ops: &Operations,
    period: Period,
) -> Result<(Vec<RegisteredDose>, Vec<WithoutVoucher>), OperationError> {
    let (from, to) = (period.from(), period.to());
    let registered = ops
        .store()
        .registered_doses(
            day_start(from),
            day_start(to.succ_opt().unwrap_or(to)),
            None,
        )
        .await?;
    let mut collected = Vec::new();
    let mut without = Vec::new();
    for dose in registered {
        let Some((given, _, _)) = &dose.given else {
            continue;
        };
        if dose.voucher_collected {
            collected.push(dose);
        } else {
            without.push(WithoutVoucher {
                number: dose.number.clone(),
                dose: dose.dose,
                at: given.at,
                institution: dose.institution,
            });
        }
    }
    Ok((collected, without))
}

/// The counts of the period and its doses without a collected voucher
/// (no names, nothing opened).
pub async fn summary(
    ops: &Operations,
    actor: &Actor,
    period: Period,
) -> Result<VrsSummary, OperationError> {
    actor.may(Duty::VrsExport, Scope::Any)?;
    let (collected, without_voucher) = doses(ops, period).await?;
    let exported_before = collected
        .iter()
        .filter(|d| d.vrs_exported.is_some())
        .count();
    Ok(VrsSummary {
        new: collected.len() - exported_before,
        exported_before,
        without_voucher,
    })
}

/// One row's dose, with what was opened for it.
struct Row {
    dose: RegisteredDose,
    names: Names,
    voucher: Option<Voucher>,
}

/// The VRS file of `request`'s period in `layout`: one row per dose given
/// with its voucher collected (with `only_new`, only those never handed to
/// VRS), in time order. The names the layout asks for are opened with one
/// `personal.view` entry, the vouchers with another, each written before
/// anything is opened; then the rows are marked as exported and the
/// `export.vrs` entry written, in one transaction.
pub async fn export(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    layout: &VrsColumns,
    request: VrsRequest,
) -> Result<VrsExported, OperationError> {
    actor.may(Duty::VrsExport, Scope::Any)?;
    let VrsRequest { period, only_new } = request;
    let objects = vec![AuditObject::Period(period.from(), period.to())];
    let (collected, without_voucher) = doses(ops, period).await?;
    let exported_before = collected
        .iter()
        .filter(|d| d.vrs_exported.is_some())
        .count();
    let chosen: Vec<RegisteredDose> = collected
        .into_iter()
        .filter(|d| !only_new || d.vrs_exported.is_none())
        .collect();

    let mut people = Vec::with_capacity(chosen.len());
    for dose in &chosen {
        people.push(
            ops.store()
                .person(dose.person)
                .await?
                .ok_or(OperationError::NotFound)?,
        );
    }
    let wanted = layout.name_fields();
    let opened = if wanted.is_empty() {
        vec![BTreeMap::new(); people.len()]
    } else {
        personal::open_list(
            ops,
            keys,
            actor,
            &people.iter().collect::<Vec<_>>(),
            &wanted,
            "vrs export",
            objects.clone(),
        )
        .await?
    };
    let vouchers = if layout.needs_voucher() {
        open_vouchers(ops, keys, actor, &chosen, &people, objects.clone()).await?
    } else {
        vec![None; chosen.len()]
    };
    let rows: Vec<Row> = chosen
        .into_iter()
        .zip(opened)
        .zip(vouchers)
        .map(|((dose, mut fields), voucher)| Row {
            dose,
            names: Names {
                kanji: fields.remove(&Field::NameKanji).unwrap_or_default(),
                kana: fields.remove(&Field::NameKana).unwrap_or_default(),
                roman: fields.remove(&Field::NameRoman).unwrap_or_default(),
            },
            voucher,
        })
        .collect();

    let shown = Shown {
        catalog: &crate::reference::catalog(ops).await?,
        institutions: &crate::reference::institutions(ops).await?,
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            layout
                .columns
                .iter()
                .map(|c| shown.cell(&c.cell, row))
                .collect()
        })
        .collect();
    let bytes = match export::csv(&layout.headers(), &cells, layout.encoding) {
        Ok(bytes) => bytes,
        Err(unmappable) => return Ok(VrsExported::Unmappable(unmappable)),
    };
    let marked: Vec<(SeriesId, DoseNumber)> =
        rows.iter().map(|r| (r.dose.series, r.dose.dose)).collect();
    let entry = actor.entry(
        ops.now(),
        AuditAction::ExportVrs,
        objects,
        format!(
            "{} rows, {} without voucher, {}, {}",
            rows.len(),
            without_voucher.len(),
            layout.encoding.code(),
            if only_new { "only new" } else { "all" }
        ),
    );
    ops.store()
        .mark_vrs_exported(&marked, ops.now(), &entry)
        .await?;
    Ok(VrsExported::File(VrsFile {
        bytes,
        encoding: layout.encoding,
        rows: rows.len(),
        exported_before,
        without_voucher,
    }))
}

/// The vouchers of `doses` (each of `people`'s), opened after one
/// `personal.view` entry for all of them. A collected voucher always has
/// its number; one that does not open with the configured keys stops the
/// export (a row without its voucher would be refused by VRS, and the key
/// is the operator's to fix, not the person's).
async fn open_vouchers(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    doses: &[RegisteredDose],
    people: &[Person],
    objects: Vec<AuditObject>,
) -> Result<Vec<Option<Voucher>>, OperationError> {
    let entry = actor.entry(
        ops.now(),
        AuditAction::PersonalView,
        objects,
        format!("vrs export: {} doses: voucher", doses.len()),
    );
    ops.store().audit(&entry).await?;
    let mut vouchers = Vec::with_capacity(doses.len());
    for (dose, person) in doses.iter().zip(people) {
        let Some(sealed) = ops
            .store()
            .dose_data(dose.series, dose.dose, Field::Voucher)
            .await?
        else {
            tracing::error!(series = %dose.series, dose = dose.dose.get(), "a collected voucher has no number");
            return Err(OperationError::Unopenable);
        };
        let login = ops
            .store()
            .person_subject(person.id)
            .await?
            .ok_or(OperationError::NotFound)?;
        let owner = Owner::login(person.institution.get(), login.as_str())
            .dose(dose.number.compact(), dose.dose.get());
        let text = keys.open(&owner, Field::Voucher, &sealed).map_err(|e| {
            // Which dose and key, never the owner or the value.
            tracing::error!(series = %dose.series, dose = dose.dose.get(), key = %sealed.key_id, error = %e, "a voucher does not open");
            OperationError::Unopenable
        })?;
        let voucher = Voucher::from_text(&text).map_err(|e| {
            tracing::error!(series = %dose.series, dose = dose.dose.get(), error = %e, "a sealed voucher does not read back");
            OperationError::Unopenable
        })?;
        vouchers.push(Some(voucher));
    }
    Ok(vouchers)
}

/// What the cells are named with. VRS is Japanese: names are the Japanese
/// ones, whatever the operator's language.
struct Shown<'a> {
    catalog: &'a Catalog,
    institutions: &'a [Institution],
}

impl Shown<'_> {
    fn cell(&self, cell: &Cell, row: &Row) -> String {
        let value = match cell {
            Cell::Text(text) => return text.clone(),
            Cell::Value(value) => *value,
        };
        let Row {
            dose,
            names,
            voucher,
        } = row;
        let day = |at: DateTime<Utc>| at.with_timezone(&TOKYO).format("%Y%m%d").to_string();
        let vaccine = self.catalog.vaccine(dose.vaccine);
        match value {
            Value::Date => dose
                .given
                .as_ref()
                .map(|(given, _, _)| day(given.at))
                .unwrap_or_default(),
            Value::Dose => dose.dose.get().to_string(),
            Value::MunicipalityCode => voucher
                .as_ref()
                .map(|v| v.municipality().to_string())
                .unwrap_or_default(),
            Value::VoucherNumber => voucher.as_ref().map(Voucher::number).unwrap_or_default(),
            Value::Venue => self
                .catalog
                .venue(dose.venue)
                .map(|v| v.name(Language::Ja).to_owned())
                .unwrap_or_default(),
            Value::Maker => vaccine.map(|v| v.codes.maker.clone()).unwrap_or_default(),
            Value::Product => vaccine
                .map(|v| v.name(Language::Ja).to_owned())
                .unwrap_or_default(),
            Value::LotNumber => dose
                .given
                .as_ref()
                .map(|(_, lot, _)| lot.to_string())
                .unwrap_or_default(),
            Value::Number => dose.number.to_string(),
            Value::NameKanji => names.kanji.clone(),
            Value::NameKana => names.kana.clone(),
            Value::NameRoman => names.roman.clone(),
            Value::Institution => self
                .institutions
                .iter()
                .find(|i| i.id == dose.institution)
                .map(|i| i.name(Language::Ja).to_owned())
                .unwrap_or_default(),
            Value::Exported => dose
                .vrs_exported
                .map(|(first, _)| day(first))
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{actor, empty_office};
    use chrono::NaiveDate;
    use sesshu_domain::{Denied, Role, VenueId};

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
        let documented = VrsColumns::parse(include_str!("../../../docs/vrs-columns.toml")).unwrap();
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

    #[tokio::test]
    async fn only_operators_and_system_administrators_export_and_nothing_is_audited_otherwise() {
        let ops = empty_office("vrs-denied").await;
        let period = Period::new(
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        )
        .unwrap();
        let request = VrsRequest {
            period,
            only_new: false,
        };
        for role in [
            Role::VenueStaff {
                venue: VenueId::new(1),
            },
            Role::InstitutionStaff {
                institution: InstitutionId::new(1),
            },
        ] {
            let staff = actor(role);
            let denied = export(
                &ops,
                &Keyring::default(),
                &staff,
                &VrsColumns::standard(),
                request,
            )
            .await;
            assert!(
                matches!(denied, Err(OperationError::Denied(Denied::Forbidden))),
                "{denied:?}"
            );
            assert!(summary(&ops, &staff, period).await.is_err());
        }
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_cell_shift_jis_cannot_hold_stops_the_export_before_anything_is_marked() {
        let ops = empty_office("vrs-unmappable").await;
        let layout = VrsColumns::parse(
            "encoding = \"cp932\"\n[[column]]\nheader = \"𠮷\"\nvalue = \"number\"\n",
        )
        .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let request = VrsRequest {
            period: Period::new(day, day).unwrap(),
            only_new: false,
        };
        let refused = export(
            &ops,
            &Keyring::default(),
            &actor(Role::Operator),
            &layout,
            request,
        )
        .await
        .unwrap();
        let VrsExported::Unmappable(cells) = refused else {
            panic!("{refused:?}");
        };
        assert_eq!(
            cells,
            [Unmappable {
                row: 1,
                column: 1,
                characters: "𠮷".into()
            }]
        );
        assert_eq!(
            ops.store().audit_head().await.unwrap(),
            None,
            "no export written"
        );
    }

    #[tokio::test]
    async fn an_empty_period_is_still_an_audited_export_with_its_header() {
        let ops = empty_office("vrs-empty").await;
        let operator = actor(Role::Operator);
        let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let request = VrsRequest {
            period: Period::new(day, day).unwrap(),
            only_new: true,
        };
        let VrsExported::File(file) = export(
            &ops,
            &Keyring::default(),
            &operator,
            &VrsColumns::standard(),
            request,
        )
        .await
        .unwrap() else {
            panic!("no cell to refuse");
        };
        assert_eq!(file.rows, 0);
        let header = VrsColumns::standard().headers().join(",");
        assert_eq!(file.bytes, format!("\u{feff}{header}\r\n").into_bytes());
        let trail = ops.store().audit_latest(None, 10).await.unwrap();
        let entries: Vec<_> = trail
            .iter()
            .map(|r| (r.entry.action, r.entry.detail.as_str()))
            .collect();
        assert_eq!(
            entries,
            [
                (
                    AuditAction::ExportVrs,
                    "0 rows, 0 without voucher, utf8, only new"
                ),
                (AuditAction::PersonalView, "vrs export: 0 doses: voucher"),
            ]
        );
        assert_eq!(
            trail[0].entry.objects,
            [AuditObject::Period(day, day)],
            "the period is named"
        );
    }
}
