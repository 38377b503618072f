//! The back office's texts for checkin (the desk: lookup, warnings, check-in):
//! each line is `key: ("日本語", "English")`.

macro_rules! checkin {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            checkin_title: ("受付", "Check-in"),
            checkin_intro: ("予約確認のQRコードを読み取るか、予約番号を入力してください。ハンディスキャナーで読み取っても入力されます。", "Scan the QR code of the person's confirmation or type the reservation number. A handheld scanner types the code into the field too."),
            checkin_lookup: ("QRコードまたは予約番号", "QR code or reservation number"),
            checkin_lookup_button: ("呼び出す", "Look up"),
            checkin_camera: ("カメラで読み取る", "Scan with camera"),
            checkin_camera_stop: ("カメラを止める", "Stop camera"),
            checkin_camera_on: ("QRコードをカメラに向けてください。", "Hold the QR code up to the camera."),
            checkin_camera_failed: ("カメラを使えません。予約番号を入力してください。", "The camera cannot be used: type the reservation number."),
            checkin_camera_read: ("読み取りました。呼び出しています…", "Read. Looking it up…"),
            checkin_not_found: ("予約が見つかりません。QRコードが古い（予約の変更・取消の後）か、予約番号が違います。", "No reservation found: the QR code may be out of date (the reservation was changed or cancelled), or the number is wrong."),
            checkin_button: ("を受付済みにする", "Check in"),
            checkin_done: ("受付しました。", "Checked in."),
            checkin_names_hidden: ("氏名は、本日この会場で接種する予約のときだけ表示されます。", "The name is shown only when the dose is due at this venue today."),
            checkin_visit: ("今回の接種", "This visit"),
            checkin_reserved_at: ("予約日時", "Reserved for"),
            checkin_all_doses: ("予約の全日程", "All doses of the reservation"),
            checkin_next: ("次の受付へ", "Next check-in"),
            warn_cancelled: ("この予約は取り消されています。接種できません。", "This reservation is cancelled: no dose can be given."),
            warn_earlier_not_given: ("1回目の接種が記録されていません。確認してから進めてください。", "The first dose has no vaccination recorded: check before going on."),
        }
    };
}

use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{Language, TOKYO};

use super::Texts;

impl Texts {
    /// 「受付済みです（09:12）」, "Checked in before at 09:12".
    pub fn checkin_before_at(&self, at: DateTime<Utc>) -> String {
        let time = at.with_timezone(&TOKYO).format("%H:%M");
        match self.lang {
            Language::Ja => format!("{time} に受付済みです（2回目の受付は記録されません）。"),
            Language::En => format!("Checked in before at {time} (not recorded twice)."),
        }
    }

    /// A day with its weekday: 2026-12-10（木）, Thu 2026-12-10.
    pub fn day(&self, day: NaiveDate) -> String {
        use chrono::Datelike;
        let weekday = self.weekday(day.weekday());
        match self.lang {
            Language::Ja => format!("{}（{weekday}）", day.format("%Y-%m-%d")),
            Language::En => format!("{weekday} {}", day.format("%Y-%m-%d")),
        }
    }

    pub fn warn_wrong_day(&self, day: NaiveDate) -> String {
        let day = self.day(day);
        match self.lang {
            Language::Ja => format!("本日の予約ではありません。予約日は {day} です。"),
            Language::En => format!("Not today: the reservation is on {day}."),
        }
    }

    pub fn warn_wrong_venue(&self, venue: &str) -> String {
        match self.lang {
            Language::Ja => format!("この会場の予約ではありません。予約の会場は「{venue}」です。"),
            Language::En => format!("Wrong venue: the reservation is at {venue}."),
        }
    }

    pub fn warn_already_given(&self, at: DateTime<Utc>) -> String {
        let at = self.time(at);
        match self.lang {
            Language::Ja => format!("この回の接種は {at} に済んでいます。"),
            Language::En => format!("This dose was given already, at {at}."),
        }
    }

    /// The link from the desk to a dose's steps.
    pub fn dose_steps_link(&self, dose: u8) -> String {
        match self.lang {
            Language::Ja => format!("{dose}回目の予診・接種の記録へ"),
            Language::En => format!("Questionnaire and vaccination of dose {dose}"),
        }
    }

    /// 「1回目」, "Dose 1".
    pub fn dose_label(&self, dose: u8) -> String {
        match self.lang {
            Language::Ja => format!("{dose}回目"),
            Language::En => format!("Dose {dose}"),
        }
    }
}
