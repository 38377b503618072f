//! The recipient list (接種者リスト) of a day at a venue, optionally one
//! lane: in time order with reservation number, names (kanji and kana),
//! institution, user type and dose. On screen (printable on A4, the paper
//! fallback when the network is down) and as CSV for Excel. Opening it is
//! audited once per list; each download is audited as an export.

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::AuditObject;
use sesshu_domain::{Duty, LaneId, Scope, VenueId, day_start, tokyo_day};
use sesshu_operations::export::{self, Encoding};
use sesshu_operations::personal;
use sesshu_vault::Field;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    day: Option<String>,
    venue: Option<i64>,
    lane: Option<String>,
    encoding: Option<String>,
}

/// One line of the list.
#[derive(Debug)]
pub struct RecipientRow {
    pub time: String,
    pub number: String,
    pub name_kanji: String,
    pub name_kana: String,
    pub institution: String,
    pub user_type: &'static str,
    pub dose: u8,
    pub lane: String,
    pub checked_in: bool,
}

/// What was asked for, checked.
struct Scoped {
    day: NaiveDate,
    venue: VenueId,
    lane: Option<LaneId>,
}

impl Scoped {
    /// What the audit trail names: the venue, the day, the lane.
    fn objects(&self) -> Vec<AuditObject> {
        let mut objects = vec![AuditObject::Venue(self.venue), AuditObject::Day(self.day)];
        if let Some(lane) = self.lane {
            objects.push(AuditObject::Lane(lane));
        }
        objects
    }

    /// `day=…&venue=…&lane=…`, for links to the same list.
    fn query(&self) -> String {
        serde_urlencoded::to_string([
            ("day", self.day.format("%Y-%m-%d").to_string()),
            ("venue", self.venue.to_string()),
            ("lane", self.lane.map(|l| l.to_string()).unwrap_or_default()),
        ])
        .unwrap_or_default()
    }

    /// `recipients_2026-12-10_venue1[_lane2]`.
    fn file_stem(&self) -> String {
        format!(
            "recipients_{}_venue{}{}",
            self.day.format("%Y-%m-%d"),
            self.venue,
            self.lane.map(|l| format!("_lane{l}")).unwrap_or_default(),
        )
    }
}

fn scoped(staff: &Staff, query: &ListQuery) -> Result<Option<Scoped>, OfficeError> {
    let (Some(day), Some(venue)) = (query.day.as_deref(), query.venue) else {
        return Ok(None);
    };
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| OfficeError::BadRequest)?;
    let venue = VenueId(venue);
    staff.may(Duty::CheckIn, Scope::Venue(venue))?;
    let lane = match query.lane.as_deref() {
        None | Some("") => None,
        Some(lane) => Some(LaneId(lane.parse().map_err(|_| OfficeError::BadRequest)?)),
    };
    Ok(Some(Scoped { day, venue, lane }))
}

/// The list's rows, names opened (audited once).
async fn recipients(
    state: &OfficeState,
    staff: &Staff,
    t: &'static Texts,
    scope: &Scoped,
    purpose: &str,
) -> Result<Vec<RecipientRow>, OfficeError> {
    let from = day_start(scope.day);
    let to = day_start(scope.day.succ_opt().unwrap_or(scope.day));
    let catalog = state.store().catalog().await?;
    let mut doses = Vec::new();
    for series in state.store().series_at(scope.venue, from, to).await? {
        for dose in &series.doses {
            let on_day = dose.venue == scope.venue && tokyo_day(dose.starts_at) == scope.day;
            if on_day && scope.lane.is_none_or(|lane| lane == dose.lane) {
                doses.push((series.clone(), dose.clone()));
            }
        }
    }
    doses.sort_by(|(a, x), (b, y)| {
        (x.starts_at, x.lane, a.number.to_string()).cmp(&(
            y.starts_at,
            y.lane,
            b.number.to_string(),
        ))
    });
    let mut people = Vec::with_capacity(doses.len());
    for (series, _) in &doses {
        people.push(
            state
                .store()
                .person(series.person)
                .await?
                .ok_or(OfficeError::NotFound)?,
        );
    }
    let opened = personal::open_list(
        state.operations(),
        state.keys(),
        &staff.actor(),
        &people.iter().collect::<Vec<_>>(),
        &[Field::NameKanji, Field::NameKana],
        purpose,
        scope.objects(),
    )
    .await?;
    let institutions = state.store().institutions().await?;
    let mut rows = Vec::with_capacity(doses.len());
    for (((series, dose), person), fields) in doses.iter().zip(&people).zip(opened) {
        let checked_in = state
            .store()
            .check_ins(series.id)
            .await?
            .iter()
            .any(|(n, _)| *n == dose.number);
        rows.push(RecipientRow {
            time: dose
                .starts_at
                .with_timezone(&sesshu_domain::TOKYO)
                .format("%H:%M")
                .to_string(),
            number: series.number.to_string(),
            name_kanji: fields.get(&Field::NameKanji).cloned().unwrap_or_default(),
            name_kana: fields.get(&Field::NameKana).cloned().unwrap_or_default(),
            institution: institutions
                .iter()
                .find(|i| i.id == person.institution)
                .map(|i| i.name(t.lang).to_owned())
                .unwrap_or_default(),
            user_type: t.user_type(person.user_type),
            dose: dose.number.get(),
            lane: catalog
                .lane(dose.lane)
                .map(|l| l.name(t.lang).to_owned())
                .unwrap_or_default(),
            checked_in,
        });
    }
    Ok(rows)
}

#[derive(Template)]
#[template(path = "recipients.html")]
struct ListPage {
    frame: Frame,
    t: &'static Texts,
    day: String,
    venues: Vec<(i64, String, bool)>,
    lanes: Vec<(i64, String, bool)>,
    venue_name: String,
    lane_name: String,
    /// The query string of this list, for the download links.
    query: String,
    rows: Option<Vec<RecipientRow>>,
}

/// The form, and the list once a day and a venue are chosen.
pub async fn page(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<ListQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let t = frame.t;
    let scope = scoped(&staff, &query)?;
    let catalog = state.store().catalog().await?;
    let own_venue = staff.account.role.venue();
    let venue = scope.as_ref().map(|s| s.venue).or(own_venue);
    let venues = catalog
        .venues
        .iter()
        .filter(|v| own_venue.is_none_or(|own| own == v.id))
        .map(|v| (v.id.0, v.name(t.lang).to_owned(), Some(v.id) == venue))
        .collect();
    let lane = scope.as_ref().and_then(|s| s.lane);
    let lanes = catalog
        .lanes
        .iter()
        .filter(|l| venue.is_none_or(|v| v == l.venue))
        .map(|l| (l.id.0, l.name(t.lang).to_owned(), Some(l.id) == lane))
        .collect();
    let day = scope
        .as_ref()
        .map_or_else(|| tokyo_day(state.clock().now()), |s| s.day);
    let rows = match &scope {
        Some(scope) => Some(recipients(&state, &staff, t, scope, "recipient list").await?),
        None => None,
    };
    let venue_name = venue
        .and_then(|v| catalog.venue(v))
        .map(|v| v.name(t.lang).to_owned())
        .unwrap_or_default();
    let lane_name = lane
        .and_then(|l| catalog.lane(l))
        .map(|l| l.name(t.lang).to_owned())
        .unwrap_or_default();
    let query = serde_urlencoded::to_string([
        ("day", day.format("%Y-%m-%d").to_string()),
        ("venue", venue.map(|v| v.to_string()).unwrap_or_default()),
        ("lane", lane.map(|l| l.to_string()).unwrap_or_default()),
    ])
    .unwrap_or_default();
    html(ListPage {
        frame,
        t,
        day: day.format("%Y-%m-%d").to_string(),
        venues,
        lanes,
        venue_name,
        lane_name,
        query,
        rows,
    })
}

/// The list's columns and cells, as both file formats write them.
fn recipient_table(
    t: &'static Texts,
    rows: &[RecipientRow],
) -> ([&'static str; 9], Vec<Vec<String>>) {
    let header = [
        t.list_time,
        t.reservation_number,
        t.name_kanji,
        t.name_kana,
        t.institution_label,
        t.user_type,
        t.dose,
        t.lane,
        t.checked_in,
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.time.clone(),
                r.number.clone(),
                r.name_kanji.clone(),
                r.name_kana.clone(),
                r.institution.clone(),
                r.user_type.to_owned(),
                r.dose.to_string(),
                r.lane.clone(),
                if r.checked_in { "✓" } else { "" }.to_owned(),
            ]
        })
        .collect();
    (header, cells)
}

/// The list as an Excel workbook, audited as an export.
pub async fn xlsx(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<ListQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let scope = scoped(&staff, &query)?.ok_or(OfficeError::BadRequest)?;
    let t = frame.t;
    let rows = recipients(&state, &staff, t, &scope, "recipient list export").await?;
    let (header, cells) = recipient_table(t, &rows);
    let sheet = scope.day.format("%Y-%m-%d").to_string();
    let bytes = export::xlsx(&sheet, &header, &cells).map_err(|e| {
        tracing::error!(error = %e, "the workbook could not be written");
        OfficeError::Internal
    })?;
    audit_export(
        &state,
        &staff,
        sesshu_domain::AuditAction::ExportRecipients,
        scope.objects(),
        format!("{} rows, xlsx", rows.len()),
    )
    .await?;
    Ok(attachment(
        &format!("{}.xlsx", scope.file_stem()),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "unmappable.html")]
struct UnmappablePage {
    frame: Frame,
    t: &'static Texts,
    cells: Vec<export::Unmappable>,
    utf8: String,
}

/// The list as CSV (`encoding=cp932` for Shift_JIS), audited as an export.
pub async fn csv(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<ListQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let scope = scoped(&staff, &query)?.ok_or(OfficeError::BadRequest)?;
    let t = frame.t;
    let encoding = Encoding::parse(query.encoding.as_deref());
    let rows = recipients(&state, &staff, t, &scope, "recipient list export").await?;
    let (header, cells) = recipient_table(t, &rows);
    let utf8 = format!("/lists/recipients.csv?{}", scope.query());
    let export = CsvExport {
        action: sesshu_domain::AuditAction::ExportRecipients,
        objects: scope.objects(),
        stem: scope.file_stem(),
        utf8,
    };
    csv_download(&state, &staff, frame, &header, &cells, encoding, export).await
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct InstitutionQuery {
    institution: Option<i64>,
    encoding: Option<String>,
}

/// An institution's reservation list (予約者一覧) as CSV: every active
/// reservation of its people with names, user type, department and both
/// appointments. Institution staff get their own institution's only.
pub async fn reservations_csv(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<InstitutionQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ViewReservations, Scope::Any)?;
    let institution = query
        .institution
        .map(sesshu_domain::InstitutionId)
        .or(staff.account.role.institution())
        .ok_or(OfficeError::BadRequest)?;
    staff.may(Duty::ViewReservations, Scope::Institution(institution))?;
    let t = frame.t;
    let encoding = Encoding::parse(query.encoding.as_deref());
    let code = state
        .store()
        .institution(institution)
        .await?
        .ok_or(OfficeError::NotFound)?
        .code;
    let catalog = state.store().catalog().await?;
    let series = state.store().series_of_institution(institution).await?;
    let mut people = Vec::with_capacity(series.len());
    for s in &series {
        people.push(
            state
                .store()
                .person(s.person)
                .await?
                .ok_or(OfficeError::NotFound)?,
        );
    }
    let opened = personal::open_list(
        state.operations(),
        state.keys(),
        &staff.actor(),
        &people.iter().collect::<Vec<_>>(),
        &[Field::NameKanji, Field::NameKana],
        "reservation list export",
        vec![AuditObject::Institution(institution)],
    )
    .await?;
    let when = |s: &sesshu_domain::Series, n: u8| {
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
    let mut rows: Vec<Vec<String>> = series
        .iter()
        .zip(&people)
        .zip(opened)
        .map(|((s, person), fields)| {
            let (first, first_venue) = when(s, 1);
            let (second, second_venue) = when(s, 2);
            vec![
                s.number.to_string(),
                fields.get(&Field::NameKanji).cloned().unwrap_or_default(),
                fields.get(&Field::NameKana).cloned().unwrap_or_default(),
                t.user_type(person.user_type).to_owned(),
                person
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
        action: sesshu_domain::AuditAction::ExportReservations,
        objects: vec![AuditObject::Institution(institution)],
        stem: format!(
            "reservations_{}_{}",
            code.as_str(),
            tokyo_day(state.clock().now()).format("%Y-%m-%d")
        ),
        utf8: format!("/lists/reservations.csv?institution={institution}"),
    };
    csv_download(&state, &staff, frame, &header, &rows, encoding, export).await
}

/// A CSV file to hand out: how its download is audited and named.
struct CsvExport {
    /// The audit action, e.g. `export.recipients`.
    action: sesshu_domain::AuditAction,
    objects: Vec<AuditObject>,
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
    audit_export(
        state,
        staff,
        export.action,
        export.objects,
        format!("{} rows, {}", rows.len(), encoding.code()),
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

async fn audit_export(
    state: &OfficeState,
    staff: &Staff,
    action: sesshu_domain::AuditAction,
    objects: Vec<AuditObject>,
    detail: String,
) -> Result<(), OfficeError> {
    let entry = staff.audit(state.clock().now(), action, objects, detail);
    state.store().audit(&entry).await?;
    Ok(())
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
    use sesshu_operations::prefecture::Value;
    staff.may(Duty::PrefectureList, Scope::Any)?;
    let t = frame.t;
    let day = |s: Option<&str>| {
        s.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .ok_or(OfficeError::BadRequest)
    };
    let (from, to) = (day(query.from.as_deref())?, day(query.to.as_deref())?);
    if to < from {
        return Err(OfficeError::BadRequest);
    }
    let encoding = Encoding::parse(query.encoding.as_deref());
    let given = state
        .store()
        .checked_in_between(day_start(from), day_start(to.succ_opt().unwrap_or(to)))
        .await?;
    let catalog = state.store().catalog().await?;
    let institutions = state.store().institutions().await?;
    let mut doses = Vec::with_capacity(given.len());
    let mut people = Vec::with_capacity(given.len());
    for (series, dose, at) in given {
        let Some(series) = state.store().series(series).await? else {
            continue;
        };
        let Some(person) = state.store().person(series.person).await? else {
            continue;
        };
        doses.push((series, dose, at));
        people.push(person);
    }
    let opened = personal::open_list(
        state.operations(),
        state.keys(),
        &staff.actor(),
        &people.iter().collect::<Vec<_>>(),
        &[Field::NameKanji, Field::NameKana, Field::NameRoman],
        "prefecture list export",
        vec![AuditObject::Period(from, to)],
    )
    .await?;
    let columns = &state.config().prefecture.columns;
    let rows: Vec<Vec<String>> = doses
        .iter()
        .zip(&people)
        .zip(&opened)
        .map(|(((series, dose, at), person), fields)| {
            let held = series.dose(*dose);
            columns
                .iter()
                .map(|c| match (&c.text, c.value) {
                    (Some(text), _) => text.clone(),
                    (None, Some(value)) => match value {
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
                        Value::NameKanji => {
                            fields.get(&Field::NameKanji).cloned().unwrap_or_default()
                        }
                        Value::NameKana => {
                            fields.get(&Field::NameKana).cloned().unwrap_or_default()
                        }
                        Value::NameRoman => {
                            fields.get(&Field::NameRoman).cloned().unwrap_or_default()
                        }
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
                    },
                    (None, None) => String::new(),
                })
                .collect()
        })
        .collect();
    let header: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
    let export = CsvExport {
        action: sesshu_domain::AuditAction::ExportPrefecture,
        objects: vec![AuditObject::Period(from, to)],
        stem: format!("prefecture_{from}_{to}"),
        utf8: format!("/lists/prefecture.csv?from={from}&to={to}"),
    };
    csv_download(&state, &staff, frame, &header, &rows, encoding, export).await
}
