//! `reservation.ics`: the appointments of a mail as iCalendar events
//! (RFC 5545, `METHOD:PUBLISH`), so they land in the person's calendar.
//! UIDs are stable per reservation and dose: a changed reservation's file
//! updates the same events instead of adding new ones.

use crate::compose::Letter;
use icalendar::{Calendar, Component, EventLike};
use sesshu_domain::Language;

pub fn calendar(letter: &Letter<'_>) -> String {
    let lang = letter.language;
    let institution = letter.institution.name(lang);
    let mut calendar = Calendar::new();
    calendar.append_property(("METHOD", "PUBLISH"));
    for a in &letter.appointments {
        let summary = match lang {
            Language::Ja => format!("ワクチン接種（{}回目）", a.dose),
            Language::En => format!("Vaccination (dose {})", a.dose),
        };
        let description = match lang {
            Language::Ja => format!(
                "{institution}\n予約番号：{}\n{}",
                letter.number, letter.site_url
            ),
            Language::En => format!(
                "{institution}\nReservation number: {}\n{}",
                letter.number, letter.site_url
            ),
        };
        let location = match lang {
            Language::Ja => format!("{}　{}", a.venue, a.lane),
            Language::En => format!("{}, {}", a.venue, a.lane),
        };
        calendar.push(
            icalendar::Event::new()
                .uid(&format!("sesshu-{}-{}", letter.number, a.dose))
                .summary(&summary)
                .description(&description)
                .location(&location)
                .starts(a.starts_at)
                .ends(a.ends_at)
                .done(),
        );
    }
    calendar.done().to_string()
}
