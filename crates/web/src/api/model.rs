//! The JSON shapes of the API.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use sesshu_domain::{Catalog, Institution, Language, Series, Slot, TOKYO};
use sesshu_store::VoucherState;
use utoipa::ToSchema;

fn tokyo(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&TOKYO).fixed_offset()
}

/// An appointment slot with its free places.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotJson {
    pub slot_id: i64,
    /// Start, RFC 3339 with the Asia/Tokyo offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-10T09:30:00+09:00")]
    pub starts_at: DateTime<FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<FixedOffset>,
    pub venue: String,
    pub lane: String,
    pub vaccine: String,
    /// 1 or 2.
    pub dose: u8,
    pub capacity: u32,
    pub free: u32,
    /// Booking opens at this instant.
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: DateTime<FixedOffset>,
}

impl SlotJson {
    pub fn new(slot: &Slot, catalog: &Catalog, lang: Language) -> Self {
        Self {
            slot_id: slot.id.get(),
            starts_at: tokyo(slot.starts_at),
            ends_at: tokyo(slot.ends_at),
            venue: catalog
                .venue(slot.venue)
                .map(|v| v.name(lang).to_owned())
                .unwrap_or_default(),
            lane: catalog
                .lane(slot.lane)
                .map(|l| l.name(lang).to_owned())
                .unwrap_or_default(),
            vaccine: catalog
                .vaccine(slot.vaccine)
                .map(|v| v.name(lang).to_owned())
                .unwrap_or_default(),
            dose: slot.dose.get(),
            capacity: slot.capacity,
            free: slot.free(),
            opens_at: tokyo(slot.opens_at),
        }
    }
}

/// One dose of a reservation series.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoseJson {
    /// 1 or 2.
    pub dose: u8,
    pub slot_id: i64,
    #[schema(value_type = String, format = DateTime, example = "2026-12-10T09:30:00+09:00")]
    pub starts_at: DateTime<FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<FixedOffset>,
    pub venue: String,
    pub lane: String,
    /// The dose's voucher (接種券), once given; its number is never shown.
    pub voucher: Option<VoucherJson>,
}

/// Where a dose's voucher is.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherJson {
    /// When its number was received (given again: the last time).
    #[schema(value_type = String, format = DateTime)]
    pub given_at: DateTime<FixedOffset>,
    /// When the venue collected the voucher; then it can no longer change.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub collected_at: Option<DateTime<FixedOffset>>,
}

/// A reservation series: the doses booked together under one number.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesJson {
    /// The reservation number, as the person quotes it to the office.
    #[schema(example = "KX7M-4QP9")]
    pub id: String,
    /// `booked` or `cancelled`.
    pub state: String,
    pub vaccine: String,
    pub doses: Vec<DoseJson>,
    /// Until this instant the person may change or cancel it themselves.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub change_deadline: Option<DateTime<FixedOffset>>,
    /// Whether the person may change or cancel it now.
    pub changeable: bool,
}

impl SeriesJson {
    pub fn new(
        series: &Series,
        vouchers: &[VoucherState],
        catalog: &Catalog,
        institution: &Institution,
        now: DateTime<Utc>,
        lang: Language,
    ) -> Self {
        let deadline = series
            .first_appointment()
            .map(|first| institution.deadline.for_appointment(first));
        Self {
            id: series.number.to_string(),
            state: series.state.as_str().to_owned(),
            vaccine: catalog
                .vaccine(series.vaccine)
                .map(|v| v.name(lang).to_owned())
                .unwrap_or_default(),
            doses: series
                .doses
                .iter()
                .map(|d| DoseJson {
                    dose: d.number.get(),
                    slot_id: d.slot.get(),
                    starts_at: tokyo(d.starts_at),
                    ends_at: tokyo(d.ends_at),
                    venue: catalog
                        .venue(d.venue)
                        .map(|v| v.name(lang).to_owned())
                        .unwrap_or_default(),
                    lane: catalog
                        .lane(d.lane)
                        .map(|l| l.name(lang).to_owned())
                        .unwrap_or_default(),
                    voucher: vouchers
                        .iter()
                        .find(|v| v.dose == d.number)
                        .map(|v| VoucherJson {
                            given_at: tokyo(v.given_at),
                            collected_at: v.collected_at.map(tokyo),
                        }),
                })
                .collect(),
            change_deadline: deadline.map(tokyo),
            changeable: series.is_active() && deadline.is_some_and(|d| now < d),
        }
    }
}
