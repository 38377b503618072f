//! The office's lists of people: the recipient list of a day at a venue
//! ([`recipients`]), an institution's reservation list ([`reservations`])
//! the prefecture's list of people vaccinated ([`prefecture`]) and the
//! vaccinations whose voucher is missing ([`missing_vouchers`]). The
//! operations open the names (audited once per list); this module hands
//! the files out, each download audited as an export.

mod missing_vouchers;
mod prefecture;
mod recipients;
mod reservations;
mod sheet;
mod vrs;

pub use missing_vouchers::{missing_vouchers, missing_vouchers_csv};
pub use prefecture::{prefecture, prefecture_csv};
pub use recipients::{csv, page, xlsx};
pub use reservations::reservations_csv;
pub use sheet::{sheet_apply, sheet_page, sheet_preview, sheet_xlsx};
pub use vrs::{vrs, vrs_csv};

use super::{Frame, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sesshu_operations::export::{self, Encoding};
use sesshu_operations::lists::{self, FileFormat, Listing};

#[derive(Template)]
#[template(path = "unmappable.html")]
struct UnmappablePage {
    frame: Frame,
    t: &'static Texts,
    cells: Vec<export::Unmappable>,
    utf8: String,
}

/// A CSV file to hand out: which list it is and how it is named.
struct CsvExport {
    /// The list, for its `export.*` audit entry.
    listing: Listing,
    /// The file name without `_sjis.csv` / `.csv`.
    stem: String,
    /// The same download in UTF-8, offered when CP932 cannot hold a cell.
    utf8: String,
}

/// Encodes `rows` as CSV and hands the file out, audited; or, when CP932
/// cannot hold a cell, the page that says which (422).
async fn csv_download(
    state: &OfficeState,
    staff: &Staff,
    frame: Frame,
    header: &[&str],
    rows: &[Vec<String>],
    encoding: Encoding,
    export: CsvExport,
) -> Result<Response, OfficeError> {
    let bytes = match export::csv(header, rows, encoding) {
        Ok(bytes) => bytes,
        Err(cells) => {
            let t = frame.t;
            let mut response = html(UnmappablePage {
                frame,
                t,
                cells,
                utf8: export.utf8,
            })?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    lists::record_export(
        state.operations(),
        &staff.actor(),
        &export.listing,
        rows.len(),
        FileFormat::Csv(encoding),
    )
    .await?;
    let (suffix, charset) = match encoding {
        Encoding::Utf8Bom => ("", "utf-8"),
        Encoding::Cp932 => ("_sjis", "shift_jis"),
    };
    Ok(attachment(
        &format!("{}{suffix}.csv", export.stem),
        &format!("text/csv; charset={charset}"),
        bytes,
    ))
}

/// A file download that no cache keeps.
fn attachment(file: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
