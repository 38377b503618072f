//! The generator's form (予約枠の一括登録) as posted, and reading it into
//! a plan: every problem said in the person's language.

use crate::i18n::Texts;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use sesshu_domain::slot_plan::SlotPlan;
use sesshu_domain::{
    Catalog, DoseNumber, InstitutionId, LaneId, SlotEligibility, TOKYO, UserType, VaccineId,
    VenueId,
};
use sesshu_operations::slots::SlotGeneration;

pub(super) const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "mon"),
    (Weekday::Tue, "tue"),
    (Weekday::Wed, "wed"),
    (Weekday::Thu, "thu"),
    (Weekday::Fri, "fri"),
    (Weekday::Sat, "sat"),
    (Weekday::Sun, "sun"),
];

/// The form as posted: every field as text, so that a wrong one is shown
/// back as it was typed.
#[derive(Clone, Debug, Default)]
pub struct PlanForm {
    pub from: String,
    pub to: String,
    pub weekdays: Vec<String>,
    pub excluded: String,
    pub times: String,
    pub length: String,
    pub lanes: Vec<String>,
    pub capacity: String,
    pub vaccine: String,
    pub dose: String,
    pub institutions: Vec<String>,
    pub user_types: Vec<String>,
    pub opens_at: String,
}

impl PlanForm {
    pub(super) fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = PlanForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "from" => form.from = value,
                "to" => form.to = value,
                "weekday" => form.weekdays.push(value),
                "excluded" => form.excluded = value,
                "times" => form.times = value,
                "length" => form.length = value,
                "lane" => form.lanes.push(value),
                "capacity" => form.capacity = value,
                "vaccine" => form.vaccine = value,
                "dose" => form.dose = value,
                "institution" => form.institutions.push(value),
                "user_type" => form.user_types.push(value),
                "opens_at" => form.opens_at = value,
                _ => {}
            }
        }
        form
    }

    /// The same form as hidden fields (the preview's "create" button).
    pub(super) fn hidden(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("excluded", self.excluded.clone()),
            ("times", self.times.clone()),
            ("length", self.length.clone()),
            ("capacity", self.capacity.clone()),
            ("vaccine", self.vaccine.clone()),
            ("dose", self.dose.clone()),
            ("opens_at", self.opens_at.clone()),
        ];
        out.extend(self.weekdays.iter().map(|v| ("weekday", v.clone())));
        out.extend(self.lanes.iter().map(|v| ("lane", v.clone())));
        out.extend(self.institutions.iter().map(|v| ("institution", v.clone())));
        out.extend(self.user_types.iter().map(|v| ("user_type", v.clone())));
        out
    }
}

/// Reads the form; every problem in the person's language.
pub(super) fn parse(
    form: &PlanForm,
    catalog: &Catalog,
    t: &Texts,
) -> Result<SlotGeneration, Vec<String>> {
    let mut problems = Vec::new();
    let date = |s: &str, what: &str, problems: &mut Vec<String>| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| problems.push(format!("{what}{}{}", t.colon, t.slots_bad_date)))
            .ok()
    };
    let from = date(&form.from, t.slots_from, &mut problems);
    let to = date(&form.to, t.slots_to, &mut problems);
    let mut excluded = Vec::new();
    for line in form
        .excluded
        .split([',', '\n', ' '])
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match NaiveDate::parse_from_str(line, "%Y-%m-%d") {
            Ok(d) => excluded.push(d),
            Err(_) => problems.push(format!("{}{}{line}", t.slots_excluded, t.colon)),
        }
    }
    let mut times = Vec::new();
    for line in form.times.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let range = line.split_once(['-', '–', '〜', '~']).and_then(|(a, b)| {
            let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
            let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
            Some((a, b))
        });
        match range {
            Some(range) => times.push(range),
            None => problems.push(format!("{}{}{line}", t.slots_times, t.colon)),
        }
    }
    let number = |s: &str, what: &str, problems: &mut Vec<String>| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| problems.push(format!("{what}{}{}", t.colon, t.slots_bad_number)))
            .ok()
    };
    let length = number(&form.length, t.slots_length, &mut problems);
    let capacity = number(&form.capacity, t.slots_capacity, &mut problems);
    let weekdays: Vec<Weekday> = WEEKDAYS
        .iter()
        .filter(|(_, code)| form.weekdays.iter().any(|w| w == code))
        .map(|(d, _)| *d)
        .collect();
    let lanes: Vec<LaneId> = form
        .lanes
        .iter()
        .filter_map(|l| l.parse().ok().map(LaneId::new))
        .filter(|l| catalog.lane(*l).is_some())
        .collect();
    let venues: Vec<VenueId> = lanes
        .iter()
        .filter_map(|l| catalog.lane(*l).map(|lane| lane.venue))
        .collect();
    if venues.windows(2).any(|w| w[0] != w[1]) {
        problems.push(t.slots_one_venue.to_owned());
    }
    let vaccine = form
        .vaccine
        .parse()
        .ok()
        .map(VaccineId::new)
        .filter(|v| catalog.vaccine(*v).is_some());
    if vaccine.is_none() {
        problems.push(format!("{}{}{}", t.slots_vaccine, t.colon, t.slots_choose));
    }
    let dose = form.dose.parse::<DoseNumber>().ok();
    if dose.is_none() {
        problems.push(format!("{}{}{}", t.dose, t.colon, t.slots_choose));
    }
    let opens_at = NaiveDateTime::parse_from_str(form.opens_at.trim(), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|at| TOKYO.from_local_datetime(&at).single())
        .map(|at| at.with_timezone(&Utc));
    if opens_at.is_none() {
        problems.push(format!(
            "{}{}{}",
            t.slots_opens_at, t.colon, t.slots_bad_date
        ));
    }
    let eligibility = SlotEligibility {
        institutions: form
            .institutions
            .iter()
            .filter_map(|i| i.parse().ok().map(InstitutionId::new))
            .collect(),
        user_types: form
            .user_types
            .iter()
            .filter_map(|u| UserType::parse(u).ok())
            .collect(),
    };
    let (
        Some(from),
        Some(to),
        Some(length),
        Some(capacity),
        Some(vaccine),
        Some(dose),
        Some(opens_at),
    ) = (from, to, length, capacity, vaccine, dose, opens_at)
    else {
        return Err(problems);
    };
    let plan = SlotPlan {
        from,
        to,
        weekdays,
        excluded: excluded.into_iter().collect(),
        times,
        length_minutes: length,
        lanes,
        capacity,
        vaccine,
        dose,
    };
    problems.extend(plan.problems().iter().map(|p| t.plan_problem(p)));
    match (problems.is_empty(), venues.first()) {
        (true, Some(venue)) => Ok(SlotGeneration {
            plan,
            eligibility,
            opens_at,
            venue: *venue,
        }),
        _ => Err(problems),
    }
}
