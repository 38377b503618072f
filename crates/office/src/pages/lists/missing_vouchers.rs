//! The vaccinations whose voucher (接種券) is still missing, for the
//! follow-up: at least so many days after the vaccination, of one
//! institution (institution staff: their own) or of all (operators and
//! system administrators). Each line: the reservation (linked), the
//! person's names (opened for the list with one audit entry), the dose,
//! the day it was given, whether the number was given online and how many
//! reminder mails went out. On screen and as CSV (UTF-8 or Shift_JIS),
//! the download audited as an export.

use super::{CsvExport, csv_download};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::{Frame, StaffPage, html, institutions_for};
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sesshu_domain::{Duty, Institution, InstitutionId, Scope, TOKYO, tokyo_day};
use sesshu_operations::export::Encoding;
use sesshu_operations::lists::{ListUse, Listing};
use sesshu_operations::vouchers::{self, MissingLine};

/// Vaccinated at least this many days ago, unless the form says otherwise.
const DEFAULT_DAYS: u32 = 1;
/// The oldest a form may ask for (ten years).
const MAX_DAYS: u32 = 3650;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct MissingQuery {
    /// An institution's id; empty: all (operators), or the staff's own.
    institution: Option<String>,
    days: Option<String>,
    encoding: Option<String>,
}

/// The list asked for: which institution (`None`: all), how old.
#[derive(Clone, Copy, Debug)]
struct Asked {
    institution: Option<InstitutionId>,
    days: u32,
}

impl Asked {
    /// `institution=…&days=…`, for the download links.
    fn query(&self) -> String {
        serde_urlencoded::to_string([
            (
                "institution",
                self.institution.map(|i| i.to_string()).unwrap_or_default(),
            ),
            ("days", self.days.to_string()),
        ])
        .unwrap_or_default()
    }
}

/// The list the query names, checked against the institutions the role
/// sees (another institution's: not found).
fn asked(
    staff: &Staff,
    institutions: &[Institution],
    query: &MissingQuery,
) -> Result<Asked, OfficeError> {
    let chosen = match query.institution.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(
            id.parse::<InstitutionId>()
                .map_err(|_| OfficeError::BadRequest)?,
        ),
    };
    let institution = chosen.or(staff.account.role.institution());
    if let Some(id) = institution {
        staff.may(Duty::ViewReservations, Scope::Institution(id))?;
        if !institutions.iter().any(|i| i.id == id) {
            return Err(OfficeError::NotFound);
        }
    }
    let days = match query.days.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_DAYS,
        Some(days) => days
            .parse::<u32>()
            .ok()
            .filter(|d| *d <= MAX_DAYS)
            .ok_or(OfficeError::BadRequest)?,
    };
    Ok(Asked { institution, days })
}

/// One line as shown.
#[derive(Debug)]
pub struct MissingRow {
    pub number: String,
    pub name_kanji: String,
    pub name_kana: String,
    pub institution: String,
    pub dose: u8,
    pub vaccinated_on: String,
    pub given: bool,
    pub reminders: u32,
}

fn row(t: &Texts, institutions: &[Institution], line: MissingLine) -> MissingRow {
    MissingRow {
        number: line.number.to_string(),
        name_kanji: line.names.kanji,
        name_kana: line.names.kana,
        institution: institutions
            .iter()
            .find(|i| i.id == line.missing.institution)
            .map(|i| i.name(t.lang).to_owned())
            .unwrap_or_default(),
        dose: line.missing.dose.get(),
        vaccinated_on: line
            .missing
            .vaccinated_at
            .with_timezone(&TOKYO)
            .format("%Y-%m-%d")
            .to_string(),
        given: line.missing.given,
        reminders: line.missing.reminders,
    }
}

/// The role's institutions, the list asked for and its rows, names opened.
async fn rows(
    state: &OfficeState,
    staff: &Staff,
    t: &'static Texts,
    query: &MissingQuery,
    purpose: ListUse,
) -> Result<(Vec<Institution>, Asked, Vec<MissingRow>), OfficeError> {
    staff.may(Duty::ViewReservations, Scope::Any)?;
    let institutions = institutions_for(state, staff, Duty::ViewReservations).await?;
    let asked = asked(staff, &institutions, query)?;
    let lines = vouchers::missing_list(
        state.operations(),
        state.keys(),
        &staff.actor(),
        asked.institution,
        asked.days,
        purpose,
    )
    .await?;
    let rows = lines
        .into_iter()
        .map(|line| row(t, &institutions, line))
        .collect();
    Ok((institutions, asked, rows))
}

#[derive(Template)]
#[template(path = "missing_vouchers.html")]
struct MissingPage {
    frame: Frame,
    t: &'static Texts,
    /// The institutions to choose from: id, name, chosen.
    institutions: Vec<(i64, String, bool)>,
    /// "All institutions" may be chosen (not institution staff).
    all: bool,
    days: u32,
    /// The query string of this list, for the download links.
    query: String,
    rows: Vec<MissingRow>,
}

/// The list, with its form.
pub async fn missing_vouchers(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<MissingQuery>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let (institutions, asked, rows) = rows(&state, &staff, t, &query, ListUse::Screen).await?;
    html(MissingPage {
        institutions: institutions
            .iter()
            .map(|i| {
                (
                    i.id.get(),
                    i.name(t.lang).to_owned(),
                    Some(i.id) == asked.institution,
                )
            })
            .collect(),
        all: staff.account.role.institution().is_none(),
        days: asked.days,
        query: asked.query(),
        rows,
        frame,
        t,
    })
}

/// The list as CSV (`encoding=cp932` for Shift_JIS), audited as an export.
pub async fn missing_vouchers_csv(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<MissingQuery>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let (institutions, asked, rows) = rows(&state, &staff, t, &query, ListUse::Export).await?;
    let encoding = Encoding::parse(query.encoding.as_deref());
    let header = [
        t.reservation_number,
        t.name_kanji,
        t.name_kana,
        t.institution_label,
        t.dose,
        t.missing_vaccinated,
        t.missing_given,
        t.missing_reminders,
    ];
    let cells: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            vec![
                r.number,
                r.name_kanji,
                r.name_kana,
                r.institution,
                r.dose.to_string(),
                r.vaccinated_on,
                if r.given {
                    t.missing_given_yes
                } else {
                    t.missing_given_no
                }
                .to_owned(),
                r.reminders.to_string(),
            ]
        })
        .collect();
    let which = asked
        .institution
        .and_then(|id| institutions.iter().find(|i| i.id == id))
        .map_or_else(|| "all".to_owned(), |i| i.code.as_str().to_owned());
    let export = CsvExport {
        listing: Listing::MissingVouchers(asked.institution),
        stem: format!(
            "missing_vouchers_{which}_{}",
            tokyo_day(state.clock().now()).format("%Y-%m-%d")
        ),
        utf8: format!("/vouchers/missing.csv?{}", asked.query()),
    };
    csv_download(&state, &staff, frame, &header, &cells, encoding, export).await
}
