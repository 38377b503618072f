//! A mail's words: subject, text and HTML from the templates of its kind
//! and language (`templates/{kind}.{ja,en}.{txt,html}`), with the
//! institution's own texts inserted, its calendar file and the QR code to
//! show at the desk.

use crate::MailError;
use askama::Template;
use chrono::{DateTime, Datelike, Utc};
use sesshu_domain::{CheckInToken, Institution, Language, MailKind, TOKYO};

/// The Content-ID of the check-in code's image, which the HTML part shows
/// as `cid:` (the same in every mail: it names a part of one message).
pub const QR_CONTENT_ID: &str = "check-in-code@sesshu";

/// One appointment as a mail tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment {
    pub dose: u8,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub lane: String,
}

/// Everything one mail says. No name and no address: the envelope has
/// the address, and the mail needs nothing else personal.
#[derive(Clone, Debug)]
pub struct Letter<'a> {
    pub kind: MailKind,
    pub language: Language,
    pub institution: &'a Institution,
    pub number: String,
    /// Both doses; for a reminder, tomorrow's; for a voucher's reminder,
    /// the dose given; for a mail that ends the series, the doses not given.
    pub appointments: Vec<Appointment>,
    /// The dose a reminder (of the appointment or of the voucher) is for.
    pub dose: Option<u8>,
    /// Until when the person may change or cancel it themselves.
    pub deadline: Option<DateTime<Utc>>,
    /// Where they see and change it (the page "my reservation").
    pub site_url: String,
    /// Where they book again (the booking site's start).
    pub booking_url: String,
    /// The reservation's check-in token as it is when the mail is sent,
    /// shown as a QR code (only while the reservation is active, and only
    /// in mails of appointments still to come).
    pub check_in: Option<CheckInToken>,
    /// When the dose a voucher's reminder is for was given.
    pub given_at: Option<DateTime<Utc>>,
    /// Whether the voucher's number was given online (then only the paper
    /// is still to bring).
    pub voucher_given: bool,
    /// Whether the reservation is cancelled now (a postponed first dose
    /// cancels it; a postponed second dose waits for the office to move it).
    pub series_cancelled: bool,
}

/// A mail's parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `reservation.ics`, for mails about appointments still to come.
    pub ics: Option<String>,
    /// The check-in code as a PNG, shown inline by the HTML part
    /// (`cid:` [`QR_CONTENT_ID`]).
    pub qr_png: Option<Vec<u8>>,
}

/// An appointment as the templates print it.
#[derive(Debug)]
pub struct AppointmentView {
    pub dose: u8,
    pub when: String,
    pub venue: String,
    pub lane: String,
}

/// What the templates see: every text ready, in the mail's language.
#[derive(Debug)]
pub struct View {
    pub institution: String,
    pub number: String,
    pub appointments: Vec<AppointmentView>,
    pub dose: u8,
    pub notice: String,
    pub deadline: Option<String>,
    pub site_url: String,
    pub booking_url: String,
    /// `cid:…` of the check-in code's image, when the mail carries one.
    pub qr_src: Option<String>,
    /// The day a dose was given (a voucher's reminder).
    pub given_on: Option<String>,
    pub voucher_given: bool,
    pub series_cancelled: bool,
    pub contact_office: String,
    pub contact_mail: String,
    pub contact_phone: String,
    pub contact_url: String,
}

const WEEKDAYS_JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

/// `2026年12月10日(木) 10:00〜10:30` / `Thu 10 Dec 2026, 10:00–10:30`.
pub fn when(lang: Language, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let (from, to) = (from.with_timezone(&TOKYO), to.with_timezone(&TOKYO));
    match lang {
        Language::Ja => format!(
            "{}({}) {}〜{}",
            from.format("%Y年%-m月%-d日"),
            WEEKDAYS_JA[from.weekday().num_days_from_monday() as usize],
            from.format("%H:%M"),
            to.format("%H:%M")
        ),
        Language::En => format!(
            "{}–{}",
            from.format("%a %-d %b %Y, %H:%M"),
            to.format("%H:%M")
        ),
    }
}

/// `2026年12月10日(木)` / `Thu 10 Dec 2026`.
pub fn day(lang: Language, at: DateTime<Utc>) -> String {
    let at = at.with_timezone(&TOKYO);
    match lang {
        Language::Ja => format!(
            "{}({})",
            at.format("%Y年%-m月%-d日"),
            WEEKDAYS_JA[at.weekday().num_days_from_monday() as usize]
        ),
        Language::En => at.format("%a %-d %b %Y").to_string(),
    }
}

/// `2026年12月7日(月) 12:00` / `Mon 7 Dec 2026, 12:00`.
pub fn instant(lang: Language, at: DateTime<Utc>) -> String {
    let at = at.with_timezone(&TOKYO);
    match lang {
        Language::Ja => format!(
            "{}({}) {}",
            at.format("%Y年%-m月%-d日"),
            WEEKDAYS_JA[at.weekday().num_days_from_monday() as usize],
            at.format("%H:%M")
        ),
        Language::En => at.format("%a %-d %b %Y, %H:%M").to_string(),
    }
}

impl View {
    /// Whether the contact URL may be a link: the institution's master
    /// says what it is, and only a web address becomes an `href`.
    pub fn contact_url_is_web(&self) -> bool {
        let url = self.contact_url.to_ascii_lowercase();
        url.starts_with("https://") || url.starts_with("http://")
    }

    fn of(letter: &Letter<'_>, qr: bool) -> Self {
        let lang = letter.language;
        let i = letter.institution;
        Self {
            institution: i.name(lang).to_owned(),
            number: letter.number.clone(),
            appointments: letter
                .appointments
                .iter()
                .map(|a| AppointmentView {
                    dose: a.dose,
                    when: when(lang, a.starts_at, a.ends_at),
                    venue: a.venue.clone(),
                    lane: a.lane.clone(),
                })
                .collect(),
            dose: letter.dose.unwrap_or(1),
            notice: i.notice(lang).trim().to_owned(),
            deadline: letter.deadline.map(|d| instant(lang, d)),
            site_url: letter.site_url.clone(),
            booking_url: letter.booking_url.clone(),
            qr_src: qr.then(|| format!("cid:{QR_CONTENT_ID}")),
            given_on: letter.given_at.map(|at| day(lang, at)),
            voucher_given: letter.voucher_given,
            series_cancelled: letter.series_cancelled,
            contact_office: lang
                .pick(&i.contact.office_ja, &i.contact.office_en)
                .to_owned(),
            contact_mail: i.contact.mail.clone(),
            contact_phone: i.contact.phone.clone(),
            contact_url: i.contact.url.clone(),
        }
    }
}

/// The subject line of a mail.
pub fn subject(kind: MailKind, lang: Language, number: &str, dose: Option<u8>) -> String {
    let dose = dose.unwrap_or(1);
    match (kind, lang) {
        (MailKind::Booked, Language::Ja) => {
            format!("【ワクチン接種予約】予約を受け付けました（{number}）")
        }
        (MailKind::Booked, Language::En) => format!("Vaccination booking confirmed ({number})"),
        (MailKind::Changed, Language::Ja) => {
            format!("【ワクチン接種予約】予約を変更しました（{number}）")
        }
        (MailKind::Changed, Language::En) => format!("Vaccination booking changed ({number})"),
        (MailKind::Cancelled, Language::Ja) => {
            format!("【ワクチン接種予約】予約を取り消しました（{number}）")
        }
        (MailKind::Cancelled, Language::En) => {
            format!("Vaccination booking cancelled ({number})")
        }
        (MailKind::Reminder, Language::Ja) => {
            format!("【ワクチン接種予約】明日は{dose}回目の接種日です（{number}）")
        }
        (MailKind::Reminder, Language::En) => {
            format!("Reminder: your dose {dose} is tomorrow ({number})")
        }
        (MailKind::Postponed, Language::Ja) => {
            format!("【ワクチン接種予約】接種を延期しました（{number}）")
        }
        (MailKind::Postponed, Language::En) => format!("Vaccination postponed ({number})"),
        (MailKind::NotVaccinated, Language::Ja) => {
            format!("【ワクチン接種予約】接種を見合わせました（{number}）")
        }
        (MailKind::NotVaccinated, Language::En) => {
            format!("Vaccination not given ({number})")
        }
        (MailKind::NoShow, Language::Ja) => {
            format!("【ワクチン接種予約】ご来場がなかったため予約を取り消しました（{number}）")
        }
        (MailKind::NoShow, Language::En) => {
            format!("Missed appointment: booking cancelled ({number})")
        }
        (MailKind::VoucherReminder, Language::Ja) => {
            format!("【ワクチン接種予約】接種券（{dose}回目）のご提出のお願い（{number}）")
        }
        (MailKind::VoucherReminder, Language::En) => {
            format!("Please hand in your vaccination voucher for dose {dose} ({number})")
        }
    }
}

macro_rules! templates {
    ($($name:ident: $text:literal, $html:literal;)*) => {
        $(
            mod $name {
                use super::View;

                #[derive(askama::Template)]
                #[template(path = $text, escape = "none")]
                pub struct Text<'a> {
                    pub v: &'a View,
                }

                #[derive(askama::Template)]
                #[template(path = $html)]
                pub struct Html<'a> {
                    pub v: &'a View,
                    pub subject: &'a str,
                }
            }
        )*
    };
}

templates! {
    booked_ja: "booked.ja.txt", "booked.ja.html";
    booked_en: "booked.en.txt", "booked.en.html";
    changed_ja: "changed.ja.txt", "changed.ja.html";
    changed_en: "changed.en.txt", "changed.en.html";
    cancelled_ja: "cancelled.ja.txt", "cancelled.ja.html";
    cancelled_en: "cancelled.en.txt", "cancelled.en.html";
    reminder_ja: "reminder.ja.txt", "reminder.ja.html";
    reminder_en: "reminder.en.txt", "reminder.en.html";
    postponed_ja: "postponed.ja.txt", "postponed.ja.html";
    postponed_en: "postponed.en.txt", "postponed.en.html";
    not_vaccinated_ja: "not_vaccinated.ja.txt", "not_vaccinated.ja.html";
    not_vaccinated_en: "not_vaccinated.en.txt", "not_vaccinated.en.html";
    no_show_ja: "no_show.ja.txt", "no_show.ja.html";
    no_show_en: "no_show.en.txt", "no_show.en.html";
    voucher_reminder_ja: "voucher_reminder.ja.txt", "voucher_reminder.ja.html";
    voucher_reminder_en: "voucher_reminder.en.txt", "voucher_reminder.en.html";
}

/// Renders both parts with the templates of (kind, language). The match is
/// exhaustive: a new kind without its templates in both languages does not
/// compile.
fn parts(
    kind: MailKind,
    lang: Language,
    v: &View,
    subject: &str,
) -> askama::Result<(String, String)> {
    macro_rules! both {
        ($m:ident) => {
            ($m::Text { v }.render()?, $m::Html { v, subject }.render()?)
        };
    }
    Ok(match (kind, lang) {
        (MailKind::Booked, Language::Ja) => both!(booked_ja),
        (MailKind::Booked, Language::En) => both!(booked_en),
        (MailKind::Changed, Language::Ja) => both!(changed_ja),
        (MailKind::Changed, Language::En) => both!(changed_en),
        (MailKind::Cancelled, Language::Ja) => both!(cancelled_ja),
        (MailKind::Cancelled, Language::En) => both!(cancelled_en),
        (MailKind::Reminder, Language::Ja) => both!(reminder_ja),
        (MailKind::Reminder, Language::En) => both!(reminder_en),
        (MailKind::Postponed, Language::Ja) => both!(postponed_ja),
        (MailKind::Postponed, Language::En) => both!(postponed_en),
        (MailKind::NotVaccinated, Language::Ja) => both!(not_vaccinated_ja),
        (MailKind::NotVaccinated, Language::En) => both!(not_vaccinated_en),
        (MailKind::NoShow, Language::Ja) => both!(no_show_ja),
        (MailKind::NoShow, Language::En) => both!(no_show_en),
        (MailKind::VoucherReminder, Language::Ja) => both!(voucher_reminder_ja),
        (MailKind::VoucherReminder, Language::En) => both!(voucher_reminder_en),
    })
}

/// A mail's subject, text, HTML, calendar file and check-in code.
pub fn render(letter: &Letter<'_>) -> Result<Rendered, MailError> {
    let qr_png = match &letter.check_in {
        Some(token) if letter.kind.has_appointments() => Some(
            sesshu_qr::png(token, QR_MODULE_PIXELS)
                .map_err(|e| MailError::Message(e.to_string()))?,
        ),
        _ => None,
    };
    let view = View::of(letter, qr_png.is_some());
    let subject = subject(letter.kind, letter.language, &letter.number, letter.dose);
    let (text, html) = parts(letter.kind, letter.language, &view, &subject)
        .map_err(|e| MailError::Template(e.to_string()))?;
    let ics = letter
        .kind
        .has_appointments()
        .then(|| crate::ics::calendar(letter));
    Ok(Rendered {
        subject,
        text: tidy(&text),
        html,
        ics,
        qr_png,
    })
}

/// Pixels per QR module in the mail's image: a version-2 code of 25
/// modules and its quiet zone come out at about 200 pixels, which the HTML
/// shows at that size (sharp on a phone, easy for a desk's scanner).
const QR_MODULE_PIXELS: u32 = 6;

/// At most one blank line in a row, and none at the ends: templates with
/// optional sections leave some.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() && blank > 0 {
            out.push('\n');
        }
        blank = 0;
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use sesshu_domain::{Contact, InstitutionCode, InstitutionId, MailSettings, TOKYO, UserType};

    #[test]
    fn a_postponed_first_dose_tells_to_book_again_a_second_to_wait_for_the_office() {
        let institution = institution();
        for lang in [Language::Ja, Language::En] {
            let mut letter = letter(&institution, MailKind::Postponed, lang);
            letter.series_cancelled = true;
            let cancelled = render(&letter).unwrap();
            letter.series_cancelled = false;
            let moved = render(&letter).unwrap();
            let (again, office) = match lang {
                Language::Ja => ("改めてご予約", "新しい日時は窓口と調整"),
                Language::En => ("book again", "arranges a new time"),
            };
            for part in [&cancelled.text, &cancelled.html] {
                assert!(part.contains(again) && !part.contains(office), "{part}");
                assert!(part.contains("https://vaccine.example.ac.jp/"), "{part}");
            }
            for part in [&moved.text, &moved.html] {
                assert!(part.contains(office) && !part.contains(again), "{part}");
            }
        }
    }

    #[test]
    fn a_voucher_given_online_asks_for_the_paper_only() {
        let institution = institution();
        for lang in [Language::Ja, Language::En] {
            let mut letter = letter(&institution, MailKind::VoucherReminder, lang);
            let missing = render(&letter).unwrap();
            letter.voucher_given = true;
            let paper = render(&letter).unwrap();
            let (enter, bring) = match lang {
                Language::Ja => ("番号をご入力", "シールの付いた用紙"),
                Language::En => ("enter the voucher's number", "the sheet with the sticker"),
            };
            for part in [&missing.text, &missing.html] {
                assert!(part.contains(enter) && !part.contains(bring), "{part}");
            }
            for part in [&paper.text, &paper.html] {
                assert!(part.contains(bring) && !part.contains(enter), "{part}");
            }
        }
    }

    #[test]
    fn no_code_without_a_token() {
        let institution = institution();
        let mut letter = letter(&institution, MailKind::Booked, Language::Ja);
        letter.check_in = None;
        let mail = render(&letter).unwrap();
        assert!(mail.qr_png.is_none());
        assert!(!mail.html.contains("cid:"), "{}", mail.html);
        assert!(!mail.text.contains("QRコード"), "{}", mail.text);
        let mail = render(&self::letter(&institution, MailKind::Booked, Language::Ja)).unwrap();
        let png = mail.qr_png.unwrap();
        assert_eq!(
            sesshu_qr::decode_png(&png).as_deref(),
            Some(token().as_str())
        );
    }

    pub(crate) fn institution() -> Institution {
        Institution {
            id: InstitutionId::new(1),
            code: InstitutionCode::parse("aoba").unwrap(),
            name_ja: "青葉大学".into(),
            name_en: "Aoba University".into(),
            contact: Contact {
                office_ja: "保健管理センター".into(),
                office_en: "Health Centre".into(),
                mail: "vaccine@aoba.example.ac.jp".into(),
                phone: "022-000-0001".into(),
                url: "https://aoba.example.ac.jp/vaccine".into(),
            },
            mail: MailSettings {
                from: None,
                notice_ja: "学生証をお持ちください。\n<script>alert(1)</script>".into(),
                notice_en: "Bring your student card.\n<script>alert(1)</script>".into(),
            },
            eligible_user_types: [UserType::Student].into_iter().collect(),
            deadline: Default::default(),
            login: Default::default(),
            attributes: Default::default(),
            consent: None,
            departments: vec![],
        }
    }

    fn tokyo(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        TOKYO
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    pub(crate) fn letter(
        institution: &Institution,
        kind: MailKind,
        language: Language,
    ) -> Letter<'_> {
        let appointment = |dose, at: DateTime<Utc>| Appointment {
            dose,
            starts_at: at,
            ends_at: at + chrono::Duration::minutes(15),
            venue: "川内会場".into(),
            lane: "レーンA".into(),
        };
        Letter {
            kind,
            language,
            institution,
            number: "KX7M-4QP9".into(),
            appointments: vec![
                appointment(1, tokyo(2026, 12, 10, 10)),
                appointment(2, tokyo(2027, 1, 7, 10)),
            ],
            dose: kind.is_per_dose().then_some(1),
            deadline: Some(tokyo(2026, 12, 7, 12)),
            site_url: "https://vaccine.example.ac.jp/me".into(),
            booking_url: "https://vaccine.example.ac.jp/".into(),
            check_in: Some(token()),
            given_at: (kind == MailKind::VoucherReminder).then(|| tokyo(2026, 12, 10, 10)),
            voucher_given: false,
            series_cancelled: false,
        }
    }

    pub(crate) fn token() -> CheckInToken {
        CheckInToken::parse("0123456789ABCDEF0F1E2D3C4B5A6978").unwrap()
    }

    #[test]
    fn every_kind_reads_in_both_languages() {
        let institution = institution();
        for kind in MailKind::ALL {
            for lang in [Language::Ja, Language::En] {
                let mail = render(&letter(&institution, kind, lang)).unwrap();
                let all = format!("{}\n{}\n{}", mail.subject, mail.text, mail.html);
                assert!(mail.subject.contains("KX7M-4QP9"), "{kind} {lang:?}");
                for part in [&mail.text, &mail.html] {
                    assert!(part.contains("KX7M-4QP9"), "{kind} {lang:?}: {part}");
                    assert!(
                        part.contains("022-000-0001"),
                        "the contact: {kind} {lang:?}"
                    );
                    assert!(part.contains("10:00"), "Tokyo time: {kind} {lang:?}");
                }
                let (date, notice, deadline) = match lang {
                    Language::Ja => (
                        "2026年12月10日(木) 10:00〜10:15",
                        "学生証",
                        "2026年12月7日(月) 12:00",
                    ),
                    Language::En => (
                        "Thu 10 Dec 2026, 10:00–10:15",
                        "student card",
                        "Mon 7 Dec 2026, 12:00",
                    ),
                };
                assert!(mail.text.contains(date), "{kind} {lang:?}:\n{}", mail.text);
                let desk = match lang {
                    Language::Ja => "受付で",
                    Language::En => "at the desk",
                };
                if kind.has_appointments() {
                    assert!(mail.text.contains(notice), "what to bring: {kind} {lang:?}");
                    assert!(
                        mail.text.contains(deadline),
                        "the deadline: {kind} {lang:?}"
                    );
                    assert!(mail.ics.is_some());
                    assert!(mail.qr_png.is_some(), "the code: {kind} {lang:?}");
                    assert!(mail.html.contains(&format!(r#"src="cid:{QR_CONTENT_ID}""#)));
                    assert!(mail.text.contains(desk), "{kind} {lang:?}:\n{}", mail.text);
                } else {
                    assert!(mail.ics.is_none(), "no calendar for what is gone: {kind}");
                    assert!(!all.contains(deadline), "no deadline for what is gone");
                    assert!(mail.qr_png.is_none(), "no code to show: {kind} {lang:?}");
                    assert!(!all.contains("cid:"), "{kind} {lang:?}");
                }
                assert!(
                    !all.contains(token().as_str()),
                    "the token is in the image only: {kind} {lang:?}"
                );
                // What each kind says, and where to go next.
                let says: &[&str] = match (kind, lang) {
                    (MailKind::Booked, Language::Ja) => &["受け付けました"],
                    (MailKind::Booked, Language::En) => &["is booked"],
                    (MailKind::Changed, Language::Ja) => &["変更しました"],
                    (MailKind::Changed, Language::En) => &["has been changed"],
                    (MailKind::Cancelled, Language::Ja) => &["取り消しました"],
                    (MailKind::Cancelled, Language::En) => &["has been cancelled"],
                    (MailKind::Reminder, Language::Ja) => &["明日は1回目"],
                    (MailKind::Reminder, Language::En) => &["(dose 1)"],
                    (MailKind::Postponed, Language::Ja) => &["延期しました", "窓口"],
                    (MailKind::Postponed, Language::En) => &["postponed", "office"],
                    (MailKind::NotVaccinated, Language::Ja) => &["行わない", "医師にご相談"],
                    (MailKind::NotVaccinated, Language::En) => &["not vaccinated", "doctor"],
                    (MailKind::NoShow, Language::Ja) => &[
                        "取り消しました",
                        "改めてご予約",
                        "https://vaccine.example.ac.jp/",
                    ],
                    (MailKind::NoShow, Language::En) => &[
                        "has been cancelled",
                        "book again",
                        "https://vaccine.example.ac.jp/",
                    ],
                    (MailKind::VoucherReminder, Language::Ja) => &[
                        "2026年12月10日(木)に1回目",
                        "接種券",
                        "予約の確認",
                        "https://vaccine.example.ac.jp/me",
                    ],
                    (MailKind::VoucherReminder, Language::En) => &[
                        "(dose 1) on Thu 10 Dec 2026",
                        "voucher",
                        "My reservation",
                        "https://vaccine.example.ac.jp/me",
                    ],
                };
                for words in says {
                    assert!(mail.text.contains(words), "{kind} {lang:?}: {words}");
                    assert!(mail.html.contains(words), "{kind} {lang:?}: {words}");
                }
                let other = match lang {
                    Language::Ja => "Reservation number",
                    Language::En => "予約番号",
                };
                assert!(
                    !all.contains(other),
                    "one language per mail: {kind} {lang:?}"
                );
            }
        }
    }

    #[test]
    fn the_institutions_texts_are_escaped_in_html_and_keep_their_lines() {
        let institution = institution();
        let mail = render(&letter(&institution, MailKind::Booked, Language::Ja)).unwrap();
        assert!(!mail.html.contains("<script>"), "{}", mail.html);
        assert!(mail.html.contains("&#60;script&#62;") || mail.html.contains("&lt;script&gt;"));
        assert!(
            mail.html.contains("学生証をお持ちください。<br>"),
            "{}",
            mail.html
        );
        assert!(
            mail.text.contains("学生証をお持ちください。\n<script>"),
            "text is text"
        );
    }

    #[test]
    fn only_a_web_address_becomes_a_link() {
        let mut institution = institution();
        let mail = render(&letter(&institution, MailKind::Booked, Language::En)).unwrap();
        assert!(
            mail.html
                .contains(r#"href="https://aoba.example.ac.jp/vaccine""#)
        );
        institution.contact.url = "javascript:alert(1)".into();
        let mail = render(&letter(&institution, MailKind::Booked, Language::En)).unwrap();
        assert!(!mail.html.contains(r#"href="javascript"#), "{}", mail.html);
        assert!(
            mail.html.contains("javascript:alert(1)"),
            "still shown as text"
        );
    }

    #[test]
    fn the_calendar_has_one_event_per_appointment_in_utc() {
        let institution = institution();
        let mail = render(&letter(&institution, MailKind::Booked, Language::En)).unwrap();
        let ics = mail.ics.unwrap();
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
        assert!(ics.contains("METHOD:PUBLISH"));
        assert!(ics.contains("DTSTART:20261210T010000Z"), "{ics}");
        assert!(ics.contains("DTEND:20261210T011500Z"), "{ics}");
        assert!(ics.contains("DTSTART:20270107T010000Z"), "{ics}");
        assert!(
            ics.contains("UID:sesshu-KX7M-4QP9-1"),
            "stable per dose: {ics}"
        );
    }
}
