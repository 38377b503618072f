//! Typed values from the path: `/slots/{slot}` gives a `SlotId`,
//! `/reservations/{number}` a `ReservationNumber`. A value that does not
//! parse names nothing, so it is the same 404 as an id that does not exist.

use crate::error::OfficeError;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use std::str::FromStr;

/// The one parameter of the route, parsed into `T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Id<T>(pub T);

impl<S, T> FromRequestParts<S> for Id<T>
where
    S: Send + Sync,
    T: FromStr + Send,
{
    type Rejection = OfficeError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, OfficeError> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| OfficeError::NotFound)?;
        text.parse().map(Id).map_err(|_| OfficeError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::get;
    use sesshu_domain::SlotId;
    use tower::ServiceExt;

    async fn status(uri: &str) -> StatusCode {
        let app = Router::new().route(
            "/slots/{slot}",
            get(|Id(slot): Id<SlotId>| async move { slot.to_string().into_response() }),
        );
        let request = Request::get(uri).body(Body::empty()).unwrap();
        app.oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn an_id_that_does_not_parse_is_not_found() {
        assert_eq!(status("/slots/12").await, StatusCode::OK);
        assert_eq!(status("/slots/abc").await, StatusCode::NOT_FOUND);
        assert_eq!(status("/slots/-3").await, StatusCode::NOT_FOUND);
        assert_eq!(
            status("/slots/99999999999999999999").await,
            StatusCode::NOT_FOUND
        );
    }
}
