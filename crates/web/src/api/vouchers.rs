//! `PUT /api/v1/me/reservations/{id}/doses/{dose}/voucher`: the person gives
//! the voucher (接種券) of a dose.

use super::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::signed_in::ApiUser;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use sesshu_core::vouchers::Typed;
use sesshu_domain::{DoseNumber, ReservationNumber};
use utoipa::ToSchema;

/// A voucher: the 18-digit OCR line printed on it (what its QR code holds),
/// or the municipality code and the voucher number apart. Spaces, hyphens
/// and full-width digits are accepted.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum VoucherBody {
    Line(OcrLine),
    Parts(VoucherParts),
}

/// The voucher's OCR line: ticket type, dose, municipality code, number.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OcrLine {
    #[schema(example = "110410090123456789")]
    ocr_line: String,
}

/// The municipality code (6 digits, JIS X 0401) and the voucher number (10
/// digits), typed apart.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoucherParts {
    #[schema(example = "041009")]
    municipality_code: String,
    #[schema(example = "0123456789")]
    number: String,
}

impl VoucherBody {
    fn typed(&self) -> Typed<'_> {
        match self {
            VoucherBody::Line(line) => Typed::Line(&line.ocr_line),
            VoucherBody::Parts(parts) => Typed::Parts {
                municipality: &parts.municipality_code,
                number: &parts.number,
            },
        }
    }
}

/// Gives the voucher of dose `dose` (1 or 2) of the reservation, sealed for
/// the office; giving it again replaces it, until the venue has collected
/// the voucher (then `voucher_collected`, nothing replaced). The number is
/// never answered back: the public site cannot read it.
#[utoipa::path(
    put,
    path = "/api/v1/me/reservations/{id}/doses/{dose}/voucher",
    params(
        ("id" = String, Path, description = "Reservation number"),
        ("dose" = u8, Path, description = "1 or 2"),
    ),
    request_body = VoucherBody,
    responses(
        (status = 204, description = "Received"),
        (status = 400, description = "`invalid_body`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`cross_site_request`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such reservation or dose", body = ErrorBody),
        (status = 409, description = "`voucher_collected`, `not_active`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`voucher_invalid`: the message says what is wrong (digits only, length, the municipality code's check digit, the dose)", body = ErrorBody),
        (status = 503, description = "`busy`: retry", body = ErrorBody),
    ),
    tag = "reservations"
)]
pub async fn give(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, dose)): Path<(String, String)>,
    ApiJson(body): ApiJson<VoucherBody>,
) -> Result<StatusCode, ApiError> {
    let number = ReservationNumber::parse(&id).map_err(|_| ApiError::NotFound)?;
    let dose: DoseNumber = dose.parse().map_err(|_| ApiError::NotFound)?;
    state
        .vouchers()
        .give(&user.person, &number, dose, body.typed())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
