//! What the office's upload pages (bulk fixes, slots from a CSV, member
//! rosters) share: reading the form once the role is checked, the file's
//! text, and the problems as the `problems.html` table shows them.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use sesshu_domain::Language;
use sesshu_domain::upload::UploadError;
use sesshu_http::CsrfUpload;

/// A problem as shown: its line, the column's name, what is wrong.
#[derive(Debug)]
pub struct ProblemRow {
    pub line: usize,
    pub column: String,
    pub message: String,
}

pub fn problem_rows(problems: Vec<UploadError>) -> Vec<ProblemRow> {
    problems
        .into_iter()
        .map(|p| ProblemRow {
            line: p.line,
            column: p.column.map(|(_, name)| name).unwrap_or_default(),
            message: p.message,
        })
        .collect()
}

/// The uploaded form. Read it after the role check, so that a refused
/// role's file is not read at all; a missing or wrong CSRF token, or a
/// malformed body, is answered as the forms' check answers it.
pub async fn form<S: Send + Sync>(state: &S, request: Request) -> Result<CsrfUpload, Response> {
    CsrfUpload::from_request(request, state)
        .await
        .map_err(IntoResponse::into_response)
}

/// The text of the form's `file`: UTF-8 whatever it was saved as (what a
/// confirmation sends back), or why it cannot be read.
pub fn file_text(upload: &CsrfUpload, lang: Language) -> Result<String, Vec<ProblemRow>> {
    let bytes = upload.files.get("file").map_or(&[][..], Vec::as_slice);
    sesshu_domain::upload::decode(bytes, lang).map_err(|e| problem_rows(vec![e]))
}
