//! The back office's texts for checkin: each line is `key: ("日本語", "English")`.

macro_rules! checkin {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            checkin_title: ("受付", "Check-in"),
            checkin_intro: ("予約番号を入力して、本日この会場での接種を受付します。", "Enter a reservation number to check in today's dose at this venue."),
            checkin_button: ("を受付済みにする", "Check in"),
            checkin_done: ("受付しました。", "Checked in."),
            checkin_before: ("すでに受付済みです：", "Already checked in: "),
            checkin_no_dose_today: ("この予約には本日この会場での接種がありません。", "This reservation has no dose at this venue today."),
            checkin_cancelled: ("この予約は取り消されています。", "This reservation is cancelled."),
            checkin_next: ("次の受付へ", "Next check-in"),
        }
    };
}
