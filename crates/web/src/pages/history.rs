//! The vaccination history on "my reservation" (doses given here and
//! received elsewhere), and the person's own declarations of doses
//! received elsewhere: `POST /me/elsewhere` (declare or replace),
//! `POST /me/elsewhere/withdraw`.

use super::Frame;
use super::me;
use crate::error::{ApiError, PageError};
use crate::i18n::Texts;
use crate::lang::Lang;
use crate::signed_in::{PageUser, SignedIn};
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_core::elsewhere::{DeclareError, History};
use sesshu_domain::elsewhere::{Entry, Problem, parse_day};
use sesshu_domain::{Catalog, DoseNumber, ElsewhereDose, Language, VaccineId};
use sesshu_http::CsrfForm;

/// The value of the product's choice for a vaccine Sesshu does not know.
const OTHER: &str = "other";

/// One dose of the history, as shown.
#[derive(Debug)]
pub struct HistoryRow {
    pub dose: &'static str,
    pub date: String,
    pub vaccine: String,
    pub place: String,
    /// Received elsewhere: declared (waiting) or confirmed by the office.
    pub state: Option<&'static str>,
    pub confirmed: bool,
    /// The dose number, when the person may withdraw it.
    pub withdraw: Option<u8>,
}

/// A product the form offers.
#[derive(Debug)]
pub struct ProductChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The history section of `/me`, and the declaration's form.
#[derive(Debug)]
pub struct HistoryView {
    pub here: Vec<HistoryRow>,
    pub elsewhere: Vec<HistoryRow>,
    /// No reservation held: the person may declare.
    pub may_declare: bool,
    pub products: Vec<ProductChoice>,
    pub form: DeclareForm,
    /// What was wrong with the form sent, by field.
    pub problems: Vec<(&'static str, String)>,
    /// The dose form's choice: the first dose unless it is declared.
    pub next_dose: u8,
}

impl HistoryView {
    pub fn is_empty(&self) -> bool {
        self.here.is_empty() && self.elsewhere.is_empty()
    }

    /// The problem with `field`, if there is one.
    pub fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether the dose form should choose `dose`.
    pub fn dose_chosen(&self, dose: u8) -> bool {
        match self.form.dose.parse::<u8>() {
            Ok(chosen) => chosen == dose,
            Err(_) => self.next_dose == dose,
        }
    }
}

fn dose_label(t: &Texts, dose: DoseNumber) -> &'static str {
    if dose == DoseNumber::FIRST {
        t.first_dose
    } else {
        t.second_dose
    }
}

/// A product as stored, in the reader's language when it is a vaccine of
/// the catalog (stored by its Japanese name).
fn product_name(catalog: &Catalog, product: &str, lang: Language) -> String {
    catalog
        .vaccines
        .iter()
        .find(|v| v.name_ja == product || v.name_en == product)
        .map_or_else(|| product.to_owned(), |v| v.name(lang).to_owned())
}

/// The history section for `user`; `reserved`: they hold a reservation.
pub async fn view(
    state: &AppState,
    t: &'static Texts,
    user: &SignedIn,
    reserved: bool,
    retry: Option<Retry>,
) -> Result<HistoryView, PageError> {
    let lang = t.lang;
    let catalog = state.catalog().await?;
    let History { here, elsewhere } = state
        .bookings()
        .history(&user.person)
        .await
        .map_err(ApiError::from)?;
    let here = here
        .iter()
        .map(|g| HistoryRow {
            dose: dose_label(t, g.dose),
            date: t.date(sesshu_domain::tokyo_day(g.at)),
            vaccine: catalog
                .vaccine(g.vaccine)
                .map(|v| v.name(lang).to_owned())
                .unwrap_or_default(),
            place: catalog
                .venue(g.venue)
                .map(|v| v.name(lang).to_owned())
                .unwrap_or_default(),
            state: None,
            confirmed: true,
            withdraw: None,
        })
        .collect();
    let next_dose = if elsewhere.iter().any(|d| d.dose == DoseNumber::FIRST) {
        2
    } else {
        1
    };
    let elsewhere = elsewhere
        .iter()
        .map(|d: &ElsewhereDose| HistoryRow {
            dose: dose_label(t, d.dose),
            date: t.date(d.given_on),
            vaccine: product_name(&catalog, &d.product, lang),
            place: d.place.clone(),
            state: Some(if d.confirmed.is_some() {
                t.history.confirmed
            } else {
                t.history.declared
            }),
            confirmed: d.confirmed.is_some(),
            withdraw: (d.is_own_declaration() && !reserved).then_some(d.dose.get()),
        })
        .collect();
    let (form, problems) = match retry {
        Some(retry) => (retry.form, retry.problems),
        None => (DeclareForm::default(), Vec::new()),
    };
    let products = catalog
        .vaccines
        .iter()
        .map(|v| ProductChoice {
            value: v.id.to_string(),
            label: v.name(lang).to_owned(),
            selected: form.product == v.id.to_string(),
        })
        .chain([ProductChoice {
            value: OTHER.to_owned(),
            label: t.history.other.to_owned(),
            selected: form.product == OTHER,
        }])
        .collect();
    Ok(HistoryView {
        here,
        elsewhere,
        may_declare: !reserved,
        products,
        form,
        problems,
        next_dose,
    })
}

/// The declaration's form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct DeclareForm {
    #[serde(default)]
    pub dose: String,
    #[serde(default)]
    pub given_on: String,
    /// A vaccine's id, or `other`.
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub product_other: String,
    #[serde(default)]
    pub place: String,
}

/// A declaration sent back with what was wrong (the page answers 422).
#[derive(Debug)]
pub struct Retry {
    pub form: DeclareForm,
    pub problems: Vec<(&'static str, String)>,
}

fn problems(list: Vec<Problem>, lang: Language) -> Vec<(&'static str, String)> {
    list.into_iter()
        .map(|p| (p.field(), p.message(lang)))
        .collect()
}

/// The product the form names: a vaccine of the catalog (by its Japanese
/// name, as the office's records use), or what was typed for "other".
fn product_of(form: &DeclareForm, catalog: &Catalog) -> String {
    if form.product == OTHER {
        return form.product_other.clone();
    }
    form.product
        .parse::<VaccineId>()
        .ok()
        .and_then(|id| catalog.vaccine(id))
        .map(|v| v.name_ja.clone())
        .unwrap_or_default()
}

pub async fn declare(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    PageUser(user): PageUser,
    CsrfForm(form): CsrfForm<DeclareForm>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let mut wrong = Vec::new();
    let dose = form.dose.parse::<DoseNumber>().ok();
    if dose.is_none() {
        wrong.push(("dose", t.history.choose.to_owned()));
    }
    let given_on = parse_day(&form.given_on);
    if given_on.is_none() {
        wrong.push((
            "date",
            lang.0
                .pick("接種日を入力してください。", "Please enter the date.")
                .to_owned(),
        ));
    }
    let catalog = state.catalog().await?;
    let product = product_of(&form, &catalog);
    let outcome = match (dose, given_on) {
        (Some(dose), Some(given_on)) => {
            state
                .bookings()
                .declare_elsewhere(
                    &user.person,
                    Entry {
                        dose,
                        given_on,
                        product: &product,
                        place: &form.place,
                    },
                )
                .await
        }
        _ => Err(DeclareError::Refused(Vec::new())),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/me?done=elsewhere").into_response()),
        Err(DeclareError::Refused(refused)) => {
            wrong.extend(problems(refused, lang.0));
            let retry = Retry {
                form,
                problems: wrong,
            };
            me::render_with(&state, lang, frame, &user, None, None, None, Some(retry)).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

/// A `GET` of the form's address (the language switched on a page that
/// came back with a problem): "my reservation".
pub async fn back() -> Redirect {
    Redirect::to("/me")
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    dose: u8,
}

pub async fn withdraw(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    PageUser(user): PageUser,
    CsrfForm(form): CsrfForm<WithdrawForm>,
) -> Result<Response, PageError> {
    let dose = DoseNumber::new(form.dose).map_err(|_| PageError::NotFound)?;
    match state
        .bookings()
        .withdraw_elsewhere(&user.person, dose)
        .await
    {
        Ok(()) => Ok(Redirect::to("/me?done=withdrawn").into_response()),
        Err(DeclareError::Refused(refused)) => {
            let retry = Retry {
                form: DeclareForm::default(),
                problems: problems(refused, lang.0),
            };
            me::render_with(&state, lang, frame, &user, None, None, None, Some(retry)).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}
