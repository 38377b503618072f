//! An institution's reservation list (予約者一覧) as CSV: every active
//! reservation of its people with names, user type, department and both
//! appointments.

use super::{CsvExport, csv_download};
use crate::error::OfficeError;
use crate::pages::StaffPage;
use crate::state::OfficeState;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sesshu_domain::{Duty, InstitutionId, Scope, Series, tokyo_day};
use sesshu_operations::export::Encoding;
use sesshu_operations::lists::{self, Listing};
use sesshu_operations::reference;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct InstitutionQuery {
    institution: Option<i64>,
    encoding: Option<String>,
}

/// The list as CSV; institution staff get their own institution's only.
pub async fn reservations_csv(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<InstitutionQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ViewReservations, Scope::Any)?;
    let institution = query
        .institution
        .map(InstitutionId::new)
        .or(staff.account.role.institution())
        .ok_or(OfficeError::BadRequest)?;
    let t = frame.t;
    let encoding = Encoding::parse(query.encoding.as_deref());
    let ops = state.operations();
    let list =
        lists::institution_reservations(ops, state.keys(), &staff.actor(), institution).await?;
    let catalog = reference::catalog(ops).await?;
    let when = |s: &Series, n: u8| {
        s.doses
            .iter()
            .find(|d| d.number.get() == n)
            .map(|d| {
                (
                    d.starts_at
                        .with_timezone(&sesshu_domain::TOKYO)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    catalog
                        .venue(d.venue)
                        .map(|v| v.name(t.lang).to_owned())
                        .unwrap_or_default(),
                )
            })
            .unwrap_or_default()
    };
    let mut rows: Vec<Vec<String>> = list
        .lines
        .into_iter()
        .map(|line| {
            let (first, first_venue) = when(&line.series, 1);
            let (second, second_venue) = when(&line.series, 2);
            vec![
                line.series.number.to_string(),
                line.names.kanji,
                line.names.kana,
                t.user_type(line.person.user_type).to_owned(),
                line.person
                    .department
                    .as_ref()
                    .map(|d| d.as_str().to_owned())
                    .unwrap_or_default(),
                first,
                first_venue,
                second,
                second_venue,
            ]
        })
        .collect();
    rows.sort_by(|a, b| (&a[5], &a[0]).cmp(&(&b[5], &b[0])));
    let header = [
        t.reservation_number,
        t.name_kanji,
        t.name_kana,
        t.user_type,
        t.department,
        t.list_first_dose,
        t.venue,
        t.list_second_dose,
        t.venue,
    ];
    let export = CsvExport {
        listing: Listing::Reservations(institution),
        stem: format!(
            "reservations_{}_{}",
            list.institution.code.as_str(),
            tokyo_day(state.clock().now()).format("%Y-%m-%d")
        ),
        utf8: format!("/lists/reservations.csv?institution={institution}"),
    };
    csv_download(&state, &staff, frame, &header, &rows, encoding, export).await
}
