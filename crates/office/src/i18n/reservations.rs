//! The back office's texts for reservations: each line is `key: ("日本語", "English")`.

macro_rules! reservations {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            reservations_title: ("予約検索", "Reservations"),
            reservations_intro: ("予約番号、または機関・日・枠・状態で探します。予約者の個人情報の表示は監査ログに記録されます。", "Search by reservation number, or by institution, day, slot and state. Showing a person's personal data is recorded in the audit log."),
            search_button: ("検索", "Search"),
            reservation_number: ("予約番号", "Reservation number"),
            reservation_state: ("状態", "State"),
            person_title: ("予約者", "Person"),
            office_cancel_title: ("予約の取消（事務局）", "Cancel for the person (office)"),
            office_cancel_hint: ("変更期限後でも取り消せます。本人には通常どおり取消のメールが届きます。理由は監査ログに記録されます（個人情報は書かないでください）。", "Possible after the deadline too. The person gets the usual cancellation mail. The reason goes to the audit trail (write no personal data in it)."),
            office_cancel_reason: ("理由", "Reason"),
            office_cancel_button: ("この予約を取り消す", "Cancel this reservation"),
            office_cancelled: ("予約を取り消しました。本人に取消のメールを送ります。", "Cancelled. The person is mailed about it."),
            office_cancel_reason_needed: ("取消の理由を入力してください。", "Please give the reason for cancelling."),
            office_move_title: ("予約の変更（事務局）", "Move for the person (office)"),
            office_move_hint: ("変更期限後でも変更できます。1回目の日時を選ぶと、2回目は接種間隔に従って同じ時刻（なければ同じ日の近い時刻）に移ります。本人には変更のメールが届きます。", "Possible after the deadline too. Choose the first dose's time; the second dose follows the vaccine's interval (same time, else the nearest that day). The person gets the usual mail."),
            office_move_to: ("移動先（1回目）", "Move to (dose 1)"),
            office_move_none: ("この日に空きのある枠はありません。", "No time with free places on this day."),
            office_move_button: ("この日時に変更する", "Move to this time"),
            office_move_choose: ("移動先を選んでください。", "Choose a time."),
            office_move_refused: ("この日時には変更できませんでした（満員、2回目の枠がない、対象外など）。別の日時を選んでください。", "It could not be moved there (full, no second-dose place, not eligible…). Choose another time."),
            office_moved: ("予約を変更しました。本人に変更のメールを送ります。", "Moved. The person is mailed about it."),
            book_title: ("代理予約 (電話などで)", "Book for a person (a phone call)"),
            book_intro: ("機関の利用者IDで本人を探し、1回目の時間を選んで予約します。締切や受付開始前でも予約できます。本人には通常どおりメールが届きます。名簿を Sesshu に置いている機関では、まだログインしたことのない人も予約できます。", "Find the person by their institution and login id, choose the first dose's time and book. The deadline and the opening time do not apply. They get the usual mail. For an institution whose roster Sesshu holds, people who never signed in can be booked too."),
            book_member: ("利用者ID", "Login id"),
            book_find: ("探す", "Find"),
            book_has_reservation: ("この人にはすでに予約があります", "This person already has a reservation"),
            book_button: ("予約する", "Book"),
            book_booked: ("予約しました。本人にメールを送ります。", "Booked. The person will be mailed."),
            book_link: ("代理予約", "Book for a person"),
            search_filters: ("条件で探す", "Search by"),
            search_any: ("(すべて)", "(any)"),
            search_state: ("状態", "State"),
            search_slot: ("枠番号", "Slot #"),
            search_name: ("氏名・メール (一部)", "Name or mail (part)"),
            search_name_hint: ("氏名・メールでの検索は候補者の個人情報を開くため、監査ログに記録されます。", "Searching by name or mail opens the candidates' personal data: it is recorded in the audit trail."),
            search_results: ("検索結果", "Results"),
            search_none: ("該当する予約はありません。", "No reservation matches."),
            search_name_col: ("氏名", "Name"),
            search_filter_button: ("この条件で探す", "Find"),
        }
    };
}

use std::fmt::Display;

use sesshu_domain::Language;

use super::Texts;

impl Texts {
    pub fn search_more(&self, n: impl Display) -> String {
        match self.lang {
            Language::Ja => format!("{n} 件まで表示しています。条件を絞ってください。"),
            Language::En => format!("Showing the first {n}; narrow the search."),
        }
    }
}
