//! `GET /fhir/Immunization`: FHIR R4 search over the doses of a day or a
//! period, answered with a `Bundle` of type `collection` in FHIR's JSON
//! (`sesshu_operations::fhir`; `docs/fhir.md`). Parameters: `date` (one
//! day, or `ge…` and `le…`), `names=true` to add the names,
//! `institution=<id>` for one institution's people. A request that cannot
//! be answered gets an `OperationOutcome` (400, 403, 404, 500) instead of
//! the office's error page, so that a FHIR client can read it; without a
//! signed-in account the office sends to its login page as for every page.

use super::StaffPage;
use crate::error::OfficeError;
use crate::state::OfficeState;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sesshu_domain::{Denied, InstitutionId, Language};
use sesshu_operations::OperationError;
use sesshu_operations::fhir::{
    self, DateProblem, FhirExport, IssueType, MEDIA_TYPE, OperationOutcome,
};

/// The longest period one request answers (a bundle is built in memory);
/// `sesshu fhir export` writes longer ones to a file.
const MAX_DAYS: i64 = 31;

/// What is wrong with a request, for its OperationOutcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    /// The query string does not decode.
    Query,
    Date(DateProblem),
    TooLong,
    Names,
    Institution,
    Forbidden,
    NotFound,
    Internal,
}

impl Problem {
    fn status(self) -> StatusCode {
        match self {
            Problem::Query
            | Problem::Date(_)
            | Problem::TooLong
            | Problem::Names
            | Problem::Institution => StatusCode::BAD_REQUEST,
            Problem::Forbidden => StatusCode::FORBIDDEN,
            Problem::NotFound => StatusCode::NOT_FOUND,
            Problem::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn issue(self) -> IssueType {
        match self {
            Problem::Query
            | Problem::Date(_)
            | Problem::TooLong
            | Problem::Names
            | Problem::Institution => IssueType::Invalid,
            Problem::Forbidden => IssueType::Forbidden,
            Problem::NotFound => IssueType::NotFound,
            Problem::Internal => IssueType::Exception,
        }
    }

    /// The search parameter at fault.
    fn parameter(self) -> Option<&'static str> {
        match self {
            Problem::Date(_) | Problem::TooLong => Some("date"),
            Problem::Names => Some("names"),
            Problem::Institution => Some("institution"),
            Problem::Query | Problem::Forbidden | Problem::NotFound | Problem::Internal => None,
        }
    }

    fn text(self, lang: Language) -> String {
        use DateProblem::*;
        let ja = match self {
            Problem::Query => "問い合わせの文字列を読めません".to_owned(),
            Problem::Date(Missing) => "date に日付を指定してください (YYYY-MM-DD)".to_owned(),
            Problem::Date(Malformed) => {
                "date は YYYY-MM-DD の日付、または ge/le を付けた日付です".to_owned()
            }
            Problem::Date(Open) => "期間は ge と le の両方で指定してください".to_owned(),
            Problem::Date(Empty) => "期間の終わりが始まりより前です".to_owned(),
            Problem::TooLong => format!(
                "一度に出力できるのは {MAX_DAYS} 日までです (長い期間は sesshu fhir export で)"
            ),
            Problem::Names => "names は true か false です".to_owned(),
            Problem::Institution => "institution は機関の番号です".to_owned(),
            Problem::Forbidden => "この役割では出力できません".to_owned(),
            Problem::NotFound => "見つかりません".to_owned(),
            Problem::Internal => "サーバーで問題が起きました".to_owned(),
        };
        let en = match self {
            Problem::Query => "the query string does not decode".to_owned(),
            Problem::Date(Missing) => "date is required: a day, YYYY-MM-DD".to_owned(),
            Problem::Date(Malformed) => {
                "date is a day, YYYY-MM-DD, optionally prefixed with ge or le".to_owned()
            }
            Problem::Date(Open) => "a period needs both ge and le".to_owned(),
            Problem::Date(Empty) => "the period ends before it starts".to_owned(),
            Problem::TooLong => format!(
                "at most {MAX_DAYS} days per request (use sesshu fhir export for longer periods)"
            ),
            Problem::Names => "names is true or false".to_owned(),
            Problem::Institution => "institution is an institution's number".to_owned(),
            Problem::Forbidden => "this role does not export records".to_owned(),
            Problem::NotFound => "not found".to_owned(),
            Problem::Internal => "the server failed".to_owned(),
        };
        lang.pick(&ja, &en).to_owned()
    }

    fn answer(self, lang: Language) -> Response {
        let outcome = OperationOutcome::error(self.issue(), self.text(lang), self.parameter());
        match outcome.to_json() {
            Ok(json) => fhir_json(self.status(), json),
            Err(_) => OfficeError::Internal.into_response(),
        }
    }
}

impl From<OperationError> for Problem {
    fn from(e: OperationError) -> Self {
        match e {
            OperationError::Denied(Denied::Forbidden) => Problem::Forbidden,
            OperationError::Denied(Denied::NotFound) | OperationError::NotFound => {
                Problem::NotFound
            }
            // Logged where it happened.
            OperationError::Unopenable | OperationError::Store(_) => Problem::Internal,
        }
    }
}

fn fhir_json(status: StatusCode, json: Vec<u8>) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, format!("{MEDIA_TYPE}; charset=utf-8")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        json,
    )
        .into_response()
}

/// The search's parameters, typed.
fn export_of(query: Option<&str>) -> Result<FhirExport, Problem> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or_default()).map_err(|_| Problem::Query)?;
    let values = |name: &'static str| {
        pairs
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let period = fhir::period_of_dates(values("date")).map_err(Problem::Date)?;
    if (period.to() - period.from()).num_days() >= MAX_DAYS {
        return Err(Problem::TooLong);
    }
    let names = match values("names").next_back() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(Problem::Names),
    };
    let institution = match values("institution").next_back() {
        None | Some("") => None,
        Some(id) => Some(
            id.parse::<InstitutionId>()
                .map_err(|_| Problem::Institution)?,
        ),
    };
    Ok(FhirExport {
        period,
        institution,
        names,
    })
}

/// The Immunizations of the period, as a FHIR Bundle.
pub async fn immunizations(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = frame.t.lang;
    let export = match export_of(query.as_deref()) {
        Ok(export) => export,
        Err(problem) => return problem.answer(lang),
    };
    let bundle =
        match fhir::immunization_bundle(state.operations(), state.keys(), &staff.actor(), &export)
            .await
        {
            Ok(bundle) => bundle,
            Err(e) => return Problem::from(e).answer(lang),
        };
    match bundle.to_json() {
        Ok(json) => fhir_json(StatusCode::OK, json),
        Err(e) => {
            tracing::error!(error = %e, "a FHIR bundle did not serialise");
            Problem::Internal.answer(lang)
        }
    }
}
