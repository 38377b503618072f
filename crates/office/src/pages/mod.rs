//! The office pages: server-rendered, Japanese or English; no JavaScript but
//! the desk's camera (`checkin`), which the page works without.
//!
//! Every route is in [`table`], which builds the router and which the access
//! test walks: a route added here without a role check fails that test.
//! Forms post, then redirect (303) to a page that shows the outcome.

mod admins;
mod audit;
mod book;
mod checkin;
mod elsewhere;
mod fhir;
mod fixes;
mod home;
mod institutions;
mod lists;
mod login;
mod lots;
mod mail;
mod members;
mod noshows;
mod rates;
mod reservations;
#[cfg(feature = "saml")]
mod saml;
mod slot_import;
mod slots;
mod upload;

use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use sesshu_domain::{Duty, Language, Scope};
use sesshu_http::CsrfToken;

/// Every route of the office: method, path, handler.
fn table() -> Vec<(Method, &'static str, MethodRouter<OfficeState>)> {
    vec![
        (Method::GET, "/login", get(login::form)),
        (Method::POST, "/login", post(login::submit)),
        (Method::POST, "/logout", post(login::logout)),
        (Method::GET, "/", get(home::home)),
        (Method::GET, "/audit", get(audit::log)),
        (Method::POST, "/audit/verify", post(audit::verify)),
        (Method::GET, "/admins", get(admins::list)),
        (Method::POST, "/admins", post(admins::create)),
        (Method::GET, "/admins/{admin}", get(admins::edit)),
        (Method::POST, "/admins/{admin}", post(admins::update)),
        (Method::GET, "/reservations", get(reservations::search)),
        (
            Method::POST,
            "/reservations",
            post(reservations::search_posted),
        ),
        (Method::GET, "/reservations/book", get(book::form)),
        (Method::POST, "/reservations/book", post(book::book)),
        (Method::POST, "/reservations/book/find", post(book::find)),
        (Method::GET, "/reservations/fixes", get(fixes::form)),
        (Method::POST, "/reservations/fixes", post(fixes::apply)),
        (
            Method::POST,
            "/reservations/fixes/preview",
            post(fixes::preview),
        ),
        (
            Method::GET,
            "/reservations/{number}",
            get(reservations::show),
        ),
        (
            Method::POST,
            "/reservations/{number}/cancel",
            post(reservations::cancel),
        ),
        (
            Method::GET,
            "/reservations/{number}/move",
            get(reservations::move_form),
        ),
        (
            Method::POST,
            "/reservations/{number}/move",
            post(reservations::move_series),
        ),
        (
            Method::GET,
            "/reservations/{number}/mail",
            get(mail::preview),
        ),
        (Method::GET, "/mail", get(mail::list)),
        (Method::POST, "/mail/{job}/resend", post(mail::resend)),
        (Method::GET, "/mail/outbox", get(mail::outbox)),
        (Method::GET, "/mail/outbox/{name}", get(mail::outbox_file)),
        (Method::GET, "/slots/new", get(slots::new)),
        (Method::POST, "/slots/preview", post(slots::preview)),
        (Method::POST, "/slots", post(slots::create)),
        (Method::GET, "/slots", get(slots::day)),
        (Method::POST, "/slots/day-quotas", post(slots::day_quotas)),
        (Method::GET, "/slots/import", get(slot_import::form)),
        (
            Method::POST,
            "/slots/import/preview",
            post(slot_import::preview),
        ),
        (Method::POST, "/slots/import", post(slot_import::create)),
        (Method::GET, "/slots/{slot}", get(slots::edit)),
        (Method::POST, "/slots/{slot}", post(slots::update)),
        (Method::POST, "/slots/{slot}/move", post(slots::move_people)),
        (Method::POST, "/slots/{slot}/delete", post(slots::delete)),
        (Method::GET, "/noshows", get(noshows::page)),
        (Method::POST, "/noshows", post(noshows::cancel)),
        (Method::GET, "/lists/recipients", get(lists::page)),
        (Method::GET, "/lists/recipients.csv", get(lists::csv)),
        (Method::GET, "/lists/recipients.xlsx", get(lists::xlsx)),
        (Method::GET, "/sheet", get(lists::sheet_page)),
        (Method::GET, "/sheet.xlsx", get(lists::sheet_xlsx)),
        (Method::POST, "/sheet/preview", post(lists::sheet_preview)),
        (Method::POST, "/sheet/apply", post(lists::sheet_apply)),
        (
            Method::GET,
            "/lists/reservations.csv",
            get(lists::reservations_csv),
        ),
        (Method::GET, "/lists/prefecture", get(lists::prefecture)),
        (
            Method::GET,
            "/vouchers/missing",
            get(lists::missing_vouchers),
        ),
        (
            Method::GET,
            "/vouchers/missing.csv",
            get(lists::missing_vouchers_csv),
        ),
        (
            Method::GET,
            "/lists/prefecture.csv",
            get(lists::prefecture_csv),
        ),
        (Method::GET, "/lists/vrs", get(lists::vrs)),
        (Method::POST, "/lists/vrs.csv", post(lists::vrs_csv)),
        (Method::GET, "/fhir/Immunization", get(fhir::immunizations)),
        (Method::GET, "/rates", get(rates::page)),
        (Method::GET, "/rates/live", get(rates::live)),
        (
            Method::GET,
            "/rates/institutions.csv",
            get(rates::institutions_csv),
        ),
        (
            Method::GET,
            "/rates/departments.csv",
            get(rates::departments_csv),
        ),
        (Method::GET, "/rates/days.csv", get(rates::days_csv)),
        (Method::GET, "/rates/slots.csv", get(rates::slots_csv)),
        (Method::GET, "/rates/campaign.csv", get(rates::campaign_csv)),
        (Method::GET, "/rates/vouchers.csv", get(rates::vouchers_csv)),
        (Method::GET, "/institutions", get(institutions::list)),
        (
            Method::GET,
            "/institutions/new",
            get(institutions::new_form),
        ),
        (
            Method::POST,
            "/institutions/new",
            post(institutions::create),
        ),
        (Method::GET, "/institutions/{code}", get(institutions::edit)),
        (
            Method::POST,
            "/institutions/{code}",
            post(institutions::update),
        ),
        (Method::GET, "/members", get(members::show)),
        (Method::POST, "/members/preview", post(members::preview)),
        (Method::POST, "/members", post(members::apply)),
        (Method::GET, "/checkin", get(checkin::form)),
        (Method::POST, "/checkin", post(checkin::lookup)),
        (Method::GET, "/checkin/{number}", get(checkin::show)),
        (Method::POST, "/checkin/{number}", post(checkin::check_in)),
        (
            Method::GET,
            "/checkin/{number}/dose/{dose}",
            get(checkin::dose),
        ),
        (
            Method::POST,
            "/checkin/{number}/dose/{dose}/questionnaire",
            post(checkin::questionnaire),
        ),
        (
            Method::POST,
            "/checkin/{number}/dose/{dose}/decision",
            post(checkin::decide),
        ),
        (
            Method::POST,
            "/checkin/{number}/dose/{dose}/vaccination",
            post(checkin::vaccinate),
        ),
        (
            Method::POST,
            "/checkin/{number}/dose/{dose}/correction",
            post(checkin::correct),
        ),
        (
            Method::POST,
            "/checkin/{number}/dose/{dose}/voucher",
            post(checkin::enter_voucher),
        ),
        (
            Method::POST,
            "/checkin/{number}/dose/{dose}/voucher/collect",
            post(checkin::collect_voucher),
        ),
        (Method::GET, "/elsewhere", get(elsewhere::waiting)),
        (Method::POST, "/elsewhere/confirm", post(elsewhere::confirm)),
        (Method::POST, "/elsewhere/record", post(elsewhere::record)),
        (Method::POST, "/elsewhere/remove", post(elsewhere::remove)),
        (
            Method::GET,
            "/elsewhere/import",
            get(elsewhere::import_form),
        ),
        (
            Method::POST,
            "/elsewhere/import/preview",
            post(elsewhere::import_preview),
        ),
        (
            Method::POST,
            "/elsewhere/import",
            post(elsewhere::import_apply),
        ),
        (Method::GET, "/lots", get(lots::list)),
        (Method::POST, "/lots", post(lots::register)),
        (Method::GET, "/lang/{tag}", get(switch_language)),
        (Method::GET, "/static/office.css", get(stylesheet)),
        (Method::GET, "/static/checkin.js", get(checkin::script)),
        (Method::GET, "/static/jsQR.js", get(checkin::decoder)),
        (Method::GET, "/static/rates.js", get(rates::script)),
        #[cfg(feature = "saml")]
        (Method::GET, "/saml/metadata", get(saml::metadata)),
        #[cfg(feature = "saml")]
        (Method::GET, "/saml/login/{code}", get(saml::login)),
        #[cfg(feature = "saml")]
        (
            Method::POST,
            "/saml/acs",
            post(saml::acs).layer(axum::extract::DefaultBodyLimit::max(
                sesshu_saml::precheck::MAX_RESPONSE * 2,
            )),
        ),
    ]
}

/// Every route of the office, as (method, path template).
pub fn routes() -> Vec<(Method, &'static str)> {
    table()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

pub fn router() -> axum::Router<OfficeState> {
    table()
        .into_iter()
        .fold(axum::Router::new(), |router, (_, path, handler)| {
            router.route(path, handler)
        })
        .fallback(|| async { OfficeError::NotFound })
}

/// The institutions whose objects the role may do `duty` to, by id.
async fn institutions_for(
    state: &OfficeState,
    staff: &Staff,
    duty: Duty,
) -> Result<Vec<sesshu_domain::Institution>, OfficeError> {
    Ok(
        sesshu_operations::reference::institutions_for(state.operations(), &staff.actor(), duty)
            .await?,
    )
}

/// A link of the menu.
#[derive(Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
}

/// What the frame of every page needs.
#[derive(Debug)]
pub struct Frame {
    pub t: &'static Texts,
    pub csrf: String,
    /// The link that switches language and comes back here.
    pub switch_language: String,
    /// The signed-in administrator's login and role, if any.
    pub who: Option<(String, &'static str)>,
    pub nav: Vec<NavItem>,
}

impl Frame {
    fn new(parts: &Parts, csrf: String, staff: Option<&Staff>) -> Self {
        let t = Texts::of(sesshu_http::lang::negotiate(parts));
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let back = serde_urlencoded::to_string([("back", here.as_str())]).unwrap_or_default();
        let nav = staff
            .map(|s| {
                [
                    (Duty::Overview, "/", t.nav_home),
                    (Duty::Rates, "/rates", t.nav_rates),
                    (Duty::ViewReservations, "/reservations", t.nav_reservations),
                    (Duty::CheckIn, "/checkin", t.nav_checkin),
                    (Duty::CheckIn, "/lots", t.nav_lots),
                    (Duty::CheckIn, "/sheet", t.nav_sheet),
                    (Duty::CheckIn, "/lists/recipients", t.nav_lists),
                    (Duty::ManageSlots, "/slots", t.nav_slots),
                    (Duty::ManageMembers, "/members", t.nav_members),
                    (
                        Duty::ManageInstitutions,
                        "/institutions",
                        t.nav_institutions,
                    ),
                    (Duty::PrefectureList, "/lists/prefecture", t.nav_prefecture),
                    (Duty::VrsExport, "/lists/vrs", t.nav_vrs),
                    (Duty::ViewReservations, "/vouchers/missing", t.nav_vouchers),
                    (Duty::ViewReservations, "/elsewhere", t.nav_elsewhere),
                    (Duty::ChangeReservations, "/noshows", t.nav_noshows),
                    (Duty::BulkFixes, "/reservations/fixes", t.nav_fixes),
                    (Duty::ManageMail, "/mail", t.nav_mail),
                    (Duty::ReadAudit, "/audit", t.nav_audit),
                    (Duty::ManageAdmins, "/admins", t.nav_admins),
                ]
                .into_iter()
                .filter(|(duty, _, _)| s.account.role.may(*duty, Scope::Any).is_ok())
                .map(|(_, href, label)| NavItem { href, label })
                .collect()
            })
            .unwrap_or_default();
        Frame {
            t,
            csrf,
            switch_language: format!("/lang/{}?{back}", t.other_tag()),
            who: staff.map(|s| (s.account.login.as_str().to_owned(), t.role(&s.account.role))),
            nav,
        }
    }
}

/// The frame of a page for a signed-in administrator, with them.
#[derive(Debug)]
pub struct StaffPage {
    pub staff: Staff,
    pub frame: Frame,
}

impl FromRequestParts<OfficeState> for StaffPage {
    type Rejection = OfficeError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &OfficeState,
    ) -> Result<Self, OfficeError> {
        let staff = Staff::from_request_parts(parts, state).await?;
        let CsrfToken(csrf) = CsrfToken::from_request_parts(parts, state).await?;
        let frame = Frame::new(parts, csrf, Some(&staff));
        Ok(StaffPage { staff, frame })
    }
}

impl FromRequestParts<OfficeState> for Frame {
    type Rejection = OfficeError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &OfficeState,
    ) -> Result<Self, OfficeError> {
        let CsrfToken(csrf) = CsrfToken::from_request_parts(parts, state).await?;
        Ok(Frame::new(parts, csrf, None))
    }
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

async fn switch_language(
    Path(tag): Path<String>,
    Query(back): Query<Back>,
) -> Result<Response, OfficeError> {
    let lang = Language::from_tag(&tag).ok_or(OfficeError::NotFound)?;
    let cookie = sesshu_http::lang::remember(lang, true).ok_or(OfficeError::Internal)?;
    let mut response = Redirect::to(&sesshu_http::lang::local_path(back.back)).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

async fn stylesheet(State(_): State<OfficeState>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        concat!(
            include_str!("../../../http/static/base.css"),
            include_str!("../../static/office.css")
        ),
    )
}

/// Renders an askama page.
fn html(page: impl askama::Template) -> Result<Response, OfficeError> {
    sesshu_http::page::render(&page).ok_or(OfficeError::Internal)
}
