//! What both listeners' pages share: rendering a page, the error page, and
//! how a refused form or a store failure is answered.

use crate::CsrfRefusal;
use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use sesshu_store::StoreError;

/// Renders an askama page; a template that fails is logged and gives `None`
/// (each listener answers it with its own internal error).
pub fn render(page: &impl Template) -> Option<Response> {
    match page.render() {
        Ok(html) => Some(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            None
        }
    }
}

/// The error page of both listeners, in the request's language.
#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub lang_tag: &'a str,
    pub app_name: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    /// The listener's stylesheet (a path of ours, not escaped).
    pub stylesheet: &'static str,
    /// The listener's icon, if it has one (a path of ours, not escaped).
    pub icon: Option<&'static str>,
    /// The text of the link back to `/`.
    pub home: &'a str,
    /// Reload the page after this many seconds (the busy page of a `GET`).
    pub refresh: Option<u64>,
}

impl ErrorPage<'_> {
    /// `response` (its status and headers) with this page as its body; the
    /// bare message if the page cannot be rendered.
    pub fn answer(&self, response: Response) -> Response {
        match self.render() {
            Ok(html) => replace_body(response, Html(html)),
            Err(_) => replace_body(response, self.message.to_owned()),
        }
    }
}

/// `response`'s status and headers with another body.
pub fn replace_body(response: Response, body: impl IntoResponse) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    (parts, body).into_response()
}

/// How a failure the listeners share is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// 400.
    BadRequest,
    /// 403.
    Forbidden,
    /// The database stayed contended: try again later (503).
    Busy,
    /// Logged where it happens, never shown (500).
    Internal,
}

impl From<CsrfRefusal> for Failure {
    fn from(e: CsrfRefusal) -> Self {
        match e {
            CsrfRefusal::Malformed => Failure::BadRequest,
            CsrfRefusal::Forbidden => Failure::Forbidden,
            CsrfRefusal::NotIssued => {
                tracing::error!("a form route is outside the CSRF layer");
                Failure::Internal
            }
        }
    }
}

/// Logs a store failure and says how to answer it: [`Failure::Busy`] or
/// [`Failure::Internal`].
pub fn store_failure(e: &StoreError) -> Failure {
    match e {
        StoreError::Contention => {
            tracing::warn!("transaction contention persisted");
            Failure::Busy
        }
        other => {
            // Display only: a database error's Debug form can quote a row
            // (PostgreSQL's DETAIL: "Key (…)=(…)").
            let source = std::error::Error::source(other).map(ToString::to_string);
            tracing::error!(error = %other, source = source.as_deref().unwrap_or("-"), "store failed");
            Failure::Internal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorPage;
    use askama::Template;

    fn page(icon: Option<&'static str>) -> ErrorPage<'static> {
        ErrorPage {
            lang_tag: "en",
            app_name: "App",
            title: "Not found",
            message: "Gone <now>",
            stylesheet: "/static/style.css",
            icon,
            home: "Home",
            refresh: None,
        }
    }

    #[test]
    fn the_error_page_links_the_icon_only_when_given() {
        let head = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
            <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
            <title>Not found | App</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n";
        let rest = "</head>\n<body>\n<header class=\"bar\"><a class=\"brand\" href=\"/\">App</a></header>\n\
            <main>\n<h1>Not found</h1>\n<p class=\"notice error\">Gone &#60;now&#62;</p>\n\
            <p><a href=\"/\">Home</a></p>\n</main>\n</body>\n</html>";
        let icon = "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n";
        let with = page(Some("/static/favicon.svg"))
            .render()
            .unwrap_or_default();
        let without = page(None).render().unwrap_or_default();
        assert_eq!(with, format!("{head}{icon}{rest}"));
        assert_eq!(without, format!("{head}{rest}"));
    }

    #[test]
    fn a_busy_page_reloads_itself_after_its_seconds() {
        let busy = ErrorPage {
            refresh: Some(5),
            ..page(None)
        };
        let html = busy.render().unwrap_or_default();
        assert!(
            html.contains("<meta http-equiv=\"refresh\" content=\"5\">\n<link rel=\"stylesheet\"")
        );
        assert!(!page(None).render().unwrap_or_default().contains("refresh"));
    }
}
