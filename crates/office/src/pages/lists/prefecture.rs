//! The prefecture's list of people vaccinated (県に提出する接種者一覧):
//! the form (a period, the configured columns) and the CSV, one row per
//! dose given.

use super::{CsvExport, csv_download};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::{Frame, StaffPage, html};
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use sesshu_domain::{Catalog, Duty, Institution, Scope, tokyo_day};
use sesshu_operations::export::Encoding;
use sesshu_operations::lists::{self, GivenDose, Listing, Period};
use sesshu_operations::prefecture::{Column, Value};
use sesshu_operations::reference;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    encoding: Option<String>,
}

#[derive(Template)]
#[template(path = "prefecture.html")]
struct PrefecturePage {
    frame: Frame,
    t: &'static Texts,
    from: String,
    to: String,
    headers: Vec<String>,
}

/// The form of the prefecture's list: a period, the columns it will have.
pub async fn prefecture(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
) -> Result<Response, OfficeError> {
    staff.may(Duty::PrefectureList, Scope::Any)?;
    let t = frame.t;
    let today = tokyo_day(state.clock().now());
    let first = today.with_day(1).unwrap_or(today);
    html(PrefecturePage {
        from: first.format("%Y-%m-%d").to_string(),
        to: today.format("%Y-%m-%d").to_string(),
        headers: state
            .config()
            .prefecture
            .columns
            .iter()
            .map(|c| c.header.clone())
            .collect(),
        frame,
        t,
    })
}

/// Everyone checked in during the period (both days included), one row per
/// dose given, in the configured columns; audited as an export.
pub async fn prefecture_csv(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::PrefectureList, Scope::Any)?;
    let t = frame.t;
    let day = |s: Option<&str>| {
        s.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .ok_or(OfficeError::BadRequest)
    };
    let (from, to) = (day(query.from.as_deref())?, day(query.to.as_deref())?);
    let period = Period::new(from, to).ok_or(OfficeError::BadRequest)?;
    let encoding = Encoding::parse(query.encoding.as_deref());
    let ops = state.operations();
    let given = lists::doses_given(ops, state.keys(), &staff.actor(), period).await?;
    let catalog = reference::catalog(ops).await?;
    let institutions = reference::institutions(ops).await?;
    let columns = &state.config().prefecture.columns;
    let shown = Shown {
        t,
        catalog: &catalog,
        institutions: &institutions,
    };
    let rows: Vec<Vec<String>> = given
        .iter()
        .map(|given| columns.iter().map(|c| shown.cell(c, given)).collect())
        .collect();
    let header: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
    let export = CsvExport {
        listing: Listing::Prefecture(period),
        stem: format!("prefecture_{from}_{to}"),
        utf8: format!("/lists/prefecture.csv?from={from}&to={to}"),
    };
    csv_download(&state, &staff, frame, &header, &rows, encoding, export).await
}

/// What the cells are shown with: the language, venue and institution names.
struct Shown<'a> {
    t: &'static Texts,
    catalog: &'a Catalog,
    institutions: &'a [Institution],
}

impl Shown<'_> {
    /// The cell of `column` for a dose given.
    fn cell(&self, column: &Column, given: &GivenDose) -> String {
        let Self {
            t,
            catalog,
            institutions,
        } = self;
        let value = match (&column.text, column.value) {
            (Some(text), _) => return text.clone(),
            (None, Some(value)) => value,
            (None, None) => return String::new(),
        };
        let GivenDose {
            series,
            dose,
            at,
            person,
            names,
        } = given;
        let held = series.dose(*dose);
        match value {
            Value::Date => at
                .with_timezone(&sesshu_domain::TOKYO)
                .format("%Y-%m-%d")
                .to_string(),
            Value::Time => at
                .with_timezone(&sesshu_domain::TOKYO)
                .format("%H:%M")
                .to_string(),
            Value::Dose => dose.get().to_string(),
            Value::Number => series.number.to_string(),
            Value::NameKanji => names.kanji.clone(),
            Value::NameKana => names.kana.clone(),
            Value::NameRoman => names.roman.clone(),
            Value::Institution => institutions
                .iter()
                .find(|i| i.id == person.institution)
                .map(|i| i.name(t.lang).to_owned())
                .unwrap_or_default(),
            Value::UserType => t.user_type(person.user_type).to_owned(),
            Value::Department => person
                .department
                .as_ref()
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default(),
            Value::Venue => held
                .and_then(|d| catalog.venue(d.venue))
                .map(|v| v.name(t.lang).to_owned())
                .unwrap_or_default(),
            Value::Lane => held
                .and_then(|d| catalog.lane(d.lane))
                .map(|l| l.name(t.lang).to_owned())
                .unwrap_or_default(),
            Value::Vaccine => catalog
                .vaccine(series.vaccine)
                .map(|v| v.name(t.lang).to_owned())
                .unwrap_or_default(),
        }
    }
}
