//! Every text of the back office, in Japanese and English, kept per area
//! (one module per page or group of pages). Each area lists its texts as
//! `key: ("日本語", "English")`, so a text missing in either language does
//! not compile; `texts!` gathers every area into [`Texts`], [`JA`] and
//! [`EN`]. A text with a value in it is a method (`slots_created(n)`), so a
//! missing or misspelt placeholder does not compile either.

use chrono::{DateTime, Utc};
use sesshu_domain::slot_plan::PlanError;
use sesshu_domain::{Language, MailKind, MailState, Role, SeriesState, TOKYO};

#[macro_use]
mod common;
#[macro_use]
mod login;
#[macro_use]
mod admins;
#[macro_use]
mod home;
#[macro_use]
mod audit;
#[macro_use]
mod reservations;
#[macro_use]
mod slots;
#[macro_use]
mod mail;
#[macro_use]
mod checkin;
#[macro_use]
mod vaccination;
#[macro_use]
mod vouchers;
#[macro_use]
mod lists;
#[macro_use]
mod members;
#[macro_use]
mod institutions;
#[macro_use]
mod fixes;
#[macro_use]
mod noshows;
#[macro_use]
mod sheet;
#[macro_use]
mod elsewhere;
#[macro_use]
mod rates;
#[macro_use]
mod vrs;

/// Builds [`Texts`] and its two tables from every area's `key: (ja, en)`
/// lines, handed on from one area's macro to the next.
macro_rules! texts {
    ([] $($(#[$doc:meta])* $name:ident: ($ja:literal, $en:literal),)*) => {
        #[derive(Debug)]
        pub struct Texts {
            pub lang: Language,
            $($(#[$doc])* pub $name: &'static str,)*
        }

        /// The Japanese texts.
        pub static JA: Texts = Texts {
            lang: Language::Ja,
            $($name: $ja,)*
        };

        /// The English texts.
        pub static EN: Texts = Texts {
            lang: Language::En,
            $($name: $en,)*
        };
    };
}

common! { [login admins home audit reservations slots mail checkin vaccination vouchers lists members institutions fixes noshows sheet rates elsewhere vrs texts] }

impl Texts {
    sesshu_http::language_lookup!();

    pub fn role(&self, role: &Role) -> &'static str {
        match role {
            Role::SystemAdmin => self.role_system_admin,
            Role::Operator => self.role_operator,
            Role::InstitutionStaff { .. } => self.role_institution_staff,
            Role::VenueStaff { .. } => self.role_venue_staff,
        }
    }

    /// A problem of a slot plan, with its details.
    pub fn plan_problem(&self, problem: &PlanError) -> String {
        match problem {
            PlanError::Backwards => self.plan_backwards.to_owned(),
            PlanError::TooLong => self.plan_too_long.to_owned(),
            PlanError::NoWeekday => self.plan_no_weekday.to_owned(),
            PlanError::NoLane => self.plan_no_lane.to_owned(),
            PlanError::NoTimes => self.plan_no_times.to_owned(),
            PlanError::EmptyRange(a, b) => format!(
                "{}{}{}–{}",
                self.plan_empty_range,
                self.colon,
                a.format("%H:%M"),
                b.format("%H:%M")
            ),
            PlanError::Overlap(a, b) => format!(
                "{}{}{}–{}",
                self.plan_overlap,
                self.colon,
                a.format("%H:%M"),
                b.format("%H:%M")
            ),
            PlanError::Length => self.plan_length.to_owned(),
            PlanError::Capacity => self.plan_capacity.to_owned(),
            PlanError::Nothing => self.plan_nothing.to_owned(),
            PlanError::TooMany => self.plan_too_many.to_owned(),
        }
    }

    /// 月 / Mon.
    pub fn weekday(&self, day: chrono::Weekday) -> &'static str {
        const JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
        const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let i = day.num_days_from_monday() as usize;
        match self.lang {
            Language::Ja => JA[i],
            Language::En => EN[i],
        }
    }

    pub fn mail_kind(&self, kind: MailKind) -> &'static str {
        match kind {
            MailKind::Booked => self.mail_kind_booked,
            MailKind::Changed => self.mail_kind_changed,
            MailKind::Cancelled => self.mail_kind_cancelled,
            MailKind::Reminder => self.mail_kind_reminder,
            MailKind::Postponed => self.mail_kind_postponed,
            MailKind::NotVaccinated => self.mail_kind_not_vaccinated,
            MailKind::NoShow => self.mail_kind_no_show,
            MailKind::VoucherReminder => self.mail_kind_voucher_reminder,
        }
    }

    pub fn mail_state(&self, state: MailState) -> &'static str {
        match state {
            MailState::Pending => self.mail_state_pending,
            MailState::Sent => self.mail_state_sent,
            MailState::Failed => self.mail_state_failed,
            MailState::Skipped => self.mail_state_skipped,
        }
    }

    pub fn state(&self, state: SeriesState) -> &'static str {
        match state {
            SeriesState::Booked => self.state_booked,
            SeriesState::Cancelled => self.state_cancelled,
        }
    }

    /// The header's line about who is signed in.
    pub fn signed_in(&self, login: &str, role: &str) -> String {
        match self.lang {
            Language::Ja => format!("{}：{login}（{role}）", self.signed_in_as),
            Language::En => format!("{}: {login} ({role})", self.signed_in_as),
        }
    }

    /// The check-in button of a dose: 「1回目を受付済みにする」, "Check in dose 1".
    pub fn check_in_dose(&self, dose: u8) -> String {
        match self.lang {
            Language::Ja => format!("{dose}回目{}", self.checkin_button),
            Language::En => format!("{} dose {dose}", self.checkin_button),
        }
    }

    pub fn user_type(&self, user_type: Option<sesshu_domain::UserType>) -> &'static str {
        match user_type {
            Some(sesshu_domain::UserType::Staff) => self.user_type_staff,
            Some(sesshu_domain::UserType::Student) => self.user_type_student,
            None => "-",
        }
    }

    /// A role as the audit trail stores it, in this language (unknown
    /// codes, e.g. a command's, as they are).
    pub fn role_code<'a>(&self, code: &'a str) -> &'a str {
        match code {
            "system_admin" => self.role_system_admin,
            "operator" => self.role_operator,
            "institution_staff" => self.role_institution_staff,
            "venue_staff" => self.role_venue_staff,
            other => other,
        }
    }

    /// A time in Tokyo, the same in both languages: `2026-12-01 09:00`.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&TOKYO)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// Seconds too, for the audit log.
    pub fn precise_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&TOKYO)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }
}
