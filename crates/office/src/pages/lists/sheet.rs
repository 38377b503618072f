//! The day's sheet for working offline: the download (XLSX, filled in with
//! what is recorded), the upload checked whole with its problems by line
//! and column and its conflicts with what was recorded online, the preview,
//! and the apply in one transaction. The rules are
//! `sesshu_operations::sheet`.

use super::attachment;
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::upload::{self, ProblemRow};
use crate::pages::{Frame, StaffPage, html};
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::response::Response;
use base64::Engine as _;
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::{Duty, Scope, VenueId, tokyo_day};
use sesshu_http::CsrfForm;
use sesshu_operations::lists::RecipientList;
use sesshu_operations::reference;
use sesshu_operations::sheet::{self, Applied, Plan};

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SheetQuery {
    day: Option<String>,
    venue: Option<VenueId>,
}

/// The venue's day asked for, if `staff` works there.
fn chosen(
    staff: &Staff,
    day: Option<&str>,
    venue: Option<VenueId>,
) -> Result<Option<(NaiveDate, VenueId)>, OfficeError> {
    let (Some(day), Some(venue)) = (day, venue.or(staff.account.role.venue())) else {
        return Ok(None);
    };
    let day =
        NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").map_err(|_| OfficeError::BadRequest)?;
    staff.may(Duty::CheckIn, Scope::Venue(venue))?;
    Ok(Some((day, venue)))
}

/// A line of the preview.
#[derive(Debug)]
pub struct AddRow {
    pub line: usize,
    pub number: String,
    pub dose: u8,
    pub adds: String,
}

/// A conflict as shown.
#[derive(Debug)]
pub struct ConflictRow {
    pub line: usize,
    pub column: char,
    pub number: String,
    pub online: String,
    pub sheet: String,
}

#[derive(Template)]
#[template(path = "sheet.html")]
struct SheetPage {
    frame: Frame,
    t: &'static Texts,
    day: String,
    venue: String,
    venues: Vec<(i64, String, bool)>,
    problems: Vec<ProblemRow>,
    adds: Vec<AddRow>,
    conflicts: Vec<ConflictRow>,
    /// The uploaded file (base64), for the confirmation to send back.
    file: String,
    checked: bool,
    applied: Option<String>,
    refused: Option<String>,
}

impl SheetPage {
    async fn new(
        state: &OfficeState,
        staff: &Staff,
        frame: Frame,
        day: NaiveDate,
        venue: Option<VenueId>,
    ) -> Result<Self, OfficeError> {
        let t = frame.t;
        let catalog = reference::catalog(state.operations()).await?;
        let own = staff.account.role.venue();
        let venue = venue.or(own);
        Ok(Self {
            venues: catalog
                .venues
                .iter()
                .filter(|v| own.is_none_or(|o| o == v.id))
                .map(|v| (v.id.get(), v.name(t.lang).to_owned(), Some(v.id) == venue))
                .collect(),
            day: day.format("%Y-%m-%d").to_string(),
            venue: venue.map(|v| v.to_string()).unwrap_or_default(),
            frame,
            t,
            problems: Vec::new(),
            adds: Vec::new(),
            conflicts: Vec::new(),
            file: String::new(),
            checked: false,
            applied: None,
            refused: None,
        })
    }

    fn show(&mut self, plan: Plan) {
        let lang = self.t.lang;
        self.checked = true;
        self.problems = plan
            .problems
            .into_iter()
            .map(|p| ProblemRow {
                line: p.line,
                column: p.column.map(String::from).unwrap_or_default(),
                message: p.problem.message(lang).to_owned(),
            })
            .collect();
        self.adds = plan
            .lines
            .into_iter()
            .map(|l| AddRow {
                line: l.line,
                number: l.number.to_string(),
                dose: l.dose.get(),
                adds: l.adds.join(", "),
            })
            .collect();
        self.conflicts = plan
            .conflicts
            .into_iter()
            .map(|c| ConflictRow {
                line: c.line,
                column: c.column,
                number: c.number.to_string(),
                online: c.online,
                sheet: c.sheet,
            })
            .collect();
    }
}

/// The page: choose the day and venue, download, upload.
pub async fn sheet_page(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<SheetQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let chosen = chosen(&staff, query.day.as_deref(), query.venue)?;
    let day = chosen.map_or_else(|| tokyo_day(state.clock().now()), |(d, _)| d);
    html(SheetPage::new(&state, &staff, frame, day, chosen.map(|(_, v)| v)).await?)
}

/// The day's sheet as a workbook, audited as an export.
pub async fn sheet_xlsx(
    State(state): State<OfficeState>,
    StaffPage { staff, .. }: StaffPage,
    Query(query): Query<SheetQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let (day, venue) =
        chosen(&staff, query.day.as_deref(), query.venue)?.ok_or(OfficeError::BadRequest)?;
    let list = RecipientList {
        day,
        venue,
        lane: None,
    };
    let file = sheet::download(state.operations(), state.keys(), &staff.actor(), &list).await?;
    Ok(attachment(
        &format!("sheet_{}_venue{venue}.xlsx", day.format("%Y-%m-%d")),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file,
    ))
}

/// Reads an uploaded sheet: its problems, conflicts and what it adds.
pub async fn sheet_preview(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    request: Request,
) -> Result<Response, OfficeError> {
    // The role first: a refused role's upload is not read at all.
    staff.may(Duty::CheckIn, Scope::Any)?;
    let upload = match upload::form(&state, request).await {
        Ok(upload) => upload,
        Err(answer) => return Ok(answer),
    };
    let field = |name: &str| upload.fields.get(name).map(String::as_str);
    let venue = field("venue").and_then(|v| v.parse::<VenueId>().ok());
    let (day, venue) = chosen(&staff, field("day"), venue)?.ok_or(OfficeError::BadRequest)?;
    let bytes = upload.files.get("file").map_or(&[][..], Vec::as_slice);
    let mut page = SheetPage::new(&state, &staff, frame, day, Some(venue)).await?;
    let plan = sheet::plan(
        state.operations(),
        state.keys(),
        &staff.actor(),
        venue,
        day,
        bytes,
    )
    .await?;
    page.show(plan);
    page.file = base64::engine::general_purpose::STANDARD.encode(bytes);
    html(page)
}

#[derive(Deserialize)]
pub struct ApplyForm {
    day: String,
    venue: VenueId,
    file: String,
}

/// Checks the confirmed sheet again and applies it in one transaction.
pub async fn sheet_apply(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(form): CsrfForm<ApplyForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let (day, venue) =
        chosen(&staff, Some(&form.day), Some(form.venue))?.ok_or(OfficeError::BadRequest)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(form.file.trim())
        .map_err(|_| OfficeError::BadRequest)?;
    let mut page = SheetPage::new(&state, &staff, frame, day, Some(venue)).await?;
    let t = page.t;
    match sheet::apply(
        state.operations(),
        state.keys(),
        &staff.actor(),
        staff.account.id,
        venue,
        day,
        &bytes,
    )
    .await?
    {
        Applied::Done(n) => page.applied = Some(t.sheet_applied_count(n)),
        Applied::Refused(plan) => {
            page.show(plan);
            page.file = form.file;
        }
        Applied::LineRefused { line, .. } => {
            page.refused = Some(format!("{} ({}{line})", t.sheet_line_refused, t.fixes_line));
        }
    }
    html(page)
}
