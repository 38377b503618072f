//! One row's dose with what was opened for it, and how each of its cells is written.

use super::layout::{Cell, Value};
use crate::lists::Names;
use chrono::{DateTime, Utc};
use sesshu_domain::{Catalog, Institution, Language, TOKYO, Voucher};
use sesshu_store::RegisteredDose;

/// One row's dose, with what was opened for it.
pub(super) struct Row {
    pub(super) dose: RegisteredDose,
    pub(super) names: Names,
    pub(super) voucher: Option<Voucher>,
}

/// What the cells are named with. VRS is Japanese: names are the Japanese
/// ones, whatever the operator's language.
pub(super) struct Shown<'a> {
    pub(super) catalog: &'a Catalog,
    pub(super) institutions: &'a [Institution],
}

impl Shown<'_> {
    pub(super) fn cell(&self, cell: &Cell, row: &Row) -> String {
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
