//! Every text of the recipient pages, in Japanese and English.
//!
//! [`Texts`] has one field per text; [`JA`] and [`EN`] must fill every field,
//! so a text missing in either language does not compile. Formatting that
//! differs by language (dates, counts) is a `match` on [`Language`].

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use sesshu_domain::{Language, TOKYO};

#[derive(Debug)]
pub struct Texts {
    pub lang: Language,
    /// The link to the other language, written in that language.
    pub other_language: &'static str,
    pub app_name: &'static str,
    pub tagline: &'static str,
    pub choose_institution: &'static str,
    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub login_field: &'static str,
    pub password_field: &'static str,
    pub login_button: &'static str,
    pub login_failed: &'static str,
    pub login_throttled: &'static str,
    pub logout_button: &'static str,
    pub logged_in_as: &'static str,
    pub days_title: &'static str,
    pub days_intro: &'static str,
    pub days_intro_change: &'static str,
    pub no_days: &'static str,
    pub day_full: &'static str,
    pub day_title_suffix: &'static str,
    pub back_to_days: &'static str,
    pub book_button: &'static str,
    pub change_button: &'static str,
    pub time_full: &'static str,
    pub time_not_open: &'static str,
    pub time_closed_online: &'static str,
    pub book_note: &'static str,
    pub my_reservation: &'static str,
    pub no_reservation: &'static str,
    pub go_book: &'static str,
    pub reservation_number: &'static str,
    pub check_in_title: &'static str,
    pub check_in_hint: &'static str,
    pub check_in_renewed: &'static str,
    pub voucher_title: &'static str,
    pub voucher_intro: &'static str,
    pub voucher_missing: &'static str,
    pub voucher_given: &'static str,
    pub voucher_collected_state: &'static str,
    pub voucher_collected_note: &'static str,
    pub voucher_again_note: &'static str,
    pub voucher_line: &'static str,
    pub voucher_line_hint: &'static str,
    pub voucher_parts: &'static str,
    pub voucher_municipality: &'static str,
    pub voucher_number: &'static str,
    pub voucher_give: &'static str,
    pub voucher_done: &'static str,
    pub voucher_collected: &'static str,
    pub voucher_camera: &'static str,
    pub voucher_camera_stop: &'static str,
    pub voucher_camera_on: &'static str,
    pub voucher_camera_read: &'static str,
    pub voucher_camera_failed: &'static str,
    pub vaccine: &'static str,
    pub dose_label: &'static str,
    pub first_dose: &'static str,
    pub second_dose: &'static str,
    pub date_time: &'static str,
    pub venue: &'static str,
    pub lane: &'static str,
    pub change_deadline: &'static str,
    pub change_time: &'static str,
    pub cancel_reservation: &'static str,
    pub after_deadline: &'static str,
    pub contact_office: &'static str,
    pub contact_mail: &'static str,
    pub contact_phone: &'static str,
    pub contact_page: &'static str,
    pub booked_done: &'static str,
    pub changed_done: &'static str,
    pub cancelled_done: &'static str,
    pub cancel_title: &'static str,
    pub cancel_question: &'static str,
    pub cancel_confirm: &'static str,
    pub cancel_keep: &'static str,
    pub you_have_reservation: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    pub error_title: &'static str,
    pub error_generic: &'static str,
    pub error_forbidden: &'static str,
    pub error_busy: &'static str,
    pub busy_title: &'static str,
    pub second_dose_note: &'static str,
    pub after_deadline_short: &'static str,
    pub your_day: &'static str,
    pub consent_title: &'static str,
    pub consent_intro: &'static str,
    pub consent_received: &'static str,
    pub consent_version: &'static str,
    pub consent_accept: &'static str,
    pub consent_decline: &'static str,
    pub consent_expired: &'static str,
    pub declined_title: &'static str,
    pub declined_text: &'static str,
    pub attribute_name: &'static str,
    pub attribute_mail: &'static str,
    pub attribute_affiliation: &'static str,
    pub attribute_department: &'static str,
    pub missing_user_type: &'static str,
    pub missing_mail: &'static str,
    pub saml_failed_title: &'static str,
    pub saml_failed: &'static str,
    pub login_elsewhere: &'static str,
    /// The vaccination history and doses received elsewhere.
    pub history: &'static HistoryTexts,
}

/// The texts of the vaccination history (`/me`) and of doses received
/// elsewhere (the declaration form, the days' notes).
#[derive(Debug)]
pub struct HistoryTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub none: &'static str,
    pub here: &'static str,
    pub elsewhere: &'static str,
    pub declared: &'static str,
    pub confirmed: &'static str,
    pub declare_title: &'static str,
    pub declare_intro: &'static str,
    pub dose: &'static str,
    pub date: &'static str,
    pub product: &'static str,
    pub product_other: &'static str,
    pub other: &'static str,
    pub choose: &'static str,
    pub place: &'static str,
    pub place_hint: &'static str,
    pub declare_button: &'static str,
    pub withdraw_button: &'static str,
    pub declared_done: &'static str,
    pub withdrawn_done: &'static str,
    pub problems: &'static str,
    pub office_note: &'static str,
    pub reserved_note: &'static str,
    pub vaccinated: &'static str,
    pub second_only: &'static str,
    pub second_from: &'static str,
}

pub static JA_HISTORY: HistoryTexts = HistoryTexts {
    title: "接種歴",
    intro: "このシステムで受けた接種と、他所で受けた接種です。",
    none: "接種歴はまだありません。",
    here: "この接種会場で接種",
    elsewhere: "他所で接種",
    declared: "申告済み・事務局の確認待ち",
    confirmed: "事務局が確認済み",
    declare_title: "他所で受けた接種を登録する",
    declare_intro: "自治体の会場、医療機関、海外などで接種を受けた場合に登録してください。登録はすぐに予約に反映されます（1回目を登録すると、ここでは2回目だけを予約できます。2回とも登録すると予約するものはありません）。事務局があとで確認し、必要なら訂正します。",
    dose: "接種回",
    date: "接種日",
    product: "ワクチンの種類",
    product_other: "その他のワクチンの名前",
    other: "その他",
    choose: "選んでください",
    place: "接種場所",
    place_hint: "医療機関名や市区町村名、国名など（任意）",
    declare_button: "登録する",
    withdraw_button: "この登録を取り消す",
    declared_done: "他所での接種を登録しました。",
    withdrawn_done: "他所での接種の登録を取り消しました。",
    problems: "登録できませんでした。",
    office_note: "事務局が記録・確認した接種の変更は事務局にお問い合わせください。",
    reserved_note: "予約があるあいだは接種歴を登録・変更できません。予約を取り消してから登録するか、事務局にお問い合わせください。",
    vaccinated: "2回とも他所で接種済みのため、予約するものはありません。",
    second_only: "1回目は他所で接種済みです。2回目の日を選んでください（2回目だけを予約します）。",
    second_from: "2回目を予約できるのはこの日からです：",
};

pub static EN_HISTORY: HistoryTexts = HistoryTexts {
    title: "Vaccination history",
    intro: "The doses you received here, and those you received elsewhere.",
    none: "No doses yet.",
    here: "Given here",
    elsewhere: "Received elsewhere",
    declared: "Declared, not yet confirmed",
    confirmed: "Confirmed by the office",
    declare_title: "Declare a dose received elsewhere",
    declare_intro: "If you were vaccinated elsewhere (a municipal venue, a clinic, abroad), declare it here. It counts for booking at once: with your first dose declared you book only the second here; with both, there is nothing left to book. The office checks it later and corrects it if needed.",
    dose: "Dose",
    date: "Date given",
    product: "Vaccine",
    product_other: "Name of the other vaccine",
    other: "Other",
    choose: "Choose",
    place: "Place",
    place_hint: "A clinic, a town, a country (optional)",
    declare_button: "Declare",
    withdraw_button: "Withdraw this declaration",
    declared_done: "The dose received elsewhere was recorded.",
    withdrawn_done: "The declaration was withdrawn.",
    problems: "This could not be recorded.",
    office_note: "To change a dose the office recorded or confirmed, please contact the office.",
    reserved_note: "While you hold a reservation, your history cannot change. Cancel it first, or contact the office.",
    vaccinated: "Both doses were received elsewhere: there is nothing left to book.",
    second_only: "Your first dose was received elsewhere. Choose the day of your second dose (only the second dose is booked).",
    second_from: "The second dose can be booked from: ",
};

pub static JA: Texts = Texts {
    lang: Language::Ja,
    other_language: "English",
    app_name: "ワクチン接種予約",
    tagline: "大学拠点接種の予約システム",
    choose_institution: "所属機関を選んでログインしてください。",
    login_title: "ログイン",
    login_intro: "所属機関のアカウントでログインしてください。",
    login_field: "ログインID",
    password_field: "パスワード",
    login_button: "ログイン",
    login_failed: "ログインIDまたはパスワードが正しくありません。",
    login_throttled: "ログインの失敗が続いたため、しばらく受け付けません。時間をおいてお試しください。",
    logout_button: "ログアウト",
    logged_in_as: "ログイン中",
    days_title: "接種日を選ぶ",
    days_intro: "1回目の接種日を選んでください。2回目は同じ会場・同じ時刻の4週間後に自動で予約されます。",
    days_intro_change: "変更後の1回目の接種日を選んでください。2回目も合わせて変更されます。",
    no_days: "現在予約できる日はありません。",
    day_full: "満員",
    day_title_suffix: "の空き状況",
    back_to_days: "日付の一覧に戻る",
    book_button: "この時間で予約する",
    change_button: "この時間に変更する",
    time_full: "満員",
    time_not_open: "受付開始前",
    time_closed_online: "オンライン受付終了",
    book_note: "予約すると2回目も同時に予約されます。",
    my_reservation: "予約の確認",
    no_reservation: "現在、予約はありません。",
    go_book: "予約する",
    reservation_number: "予約番号",
    check_in_title: "受付用のQRコード",
    check_in_hint: "会場の受付でこのコードをお見せください。読み取れないときは予約番号をお伝えください。",
    check_in_renewed: "予約を変更するとコードも新しくなり、以前のコードは使えなくなります。",
    voucher_title: "接種券",
    voucher_intro: "お手元の接種券に印字された18桁の番号（OCRライン）を入力するか、接種券のQRコードをカメラで読み取ってください。接種券（用紙）は当日も会場にお持ちください。",
    voucher_missing: "まだ登録されていません。",
    voucher_given: "番号を受け付けました：",
    voucher_collected_state: "会場で回収しました：",
    voucher_collected_note: "会場で回収済みのため、番号は変更できません。",
    voucher_again_note: "番号を登録し直すと、前に登録した番号と置き換わります。",
    voucher_line: "18桁の番号（OCRライン）",
    voucher_line_hint: "空白やハイフンはそのまま入力しても構いません。",
    voucher_parts: "18桁の番号がない場合は、市区町村コードと券番号を入力してください",
    voucher_municipality: "市区町村コード（6桁）",
    voucher_number: "券番号（10桁）",
    voucher_give: "接種券を登録する",
    voucher_done: "接種券の番号を受け付けました。",
    voucher_collected: "この接種券は会場で回収済みのため、変更していません。",
    voucher_camera: "QRコードをカメラで読み取る",
    voucher_camera_stop: "カメラを止める",
    voucher_camera_on: "接種券のQRコードをカメラに向けてください。",
    voucher_camera_read: "読み取りました。番号を確かめてから「接種券を登録する」を押してください。",
    voucher_camera_failed: "カメラを使えません。番号を入力してください。",
    vaccine: "ワクチン",
    dose_label: "回",
    first_dose: "1回目",
    second_dose: "2回目",
    date_time: "日時",
    venue: "会場",
    lane: "レーン",
    change_deadline: "変更・取消の締切：",
    change_time: "日時を変更する",
    cancel_reservation: "予約を取り消す",
    after_deadline: "変更・取消の締切を過ぎました。変更・取消は事務局のみ行えます。次の連絡先にお問い合わせください。",
    contact_office: "問い合わせ先",
    contact_mail: "メール",
    contact_phone: "電話",
    contact_page: "ウェブページ",
    booked_done: "予約しました。",
    changed_done: "予約を変更しました。",
    cancelled_done: "予約を取り消しました。",
    cancel_title: "予約の取消",
    cancel_question: "次の予約（1回目・2回目とも）を取り消します。よろしいですか。",
    cancel_confirm: "取り消す",
    cancel_keep: "取り消さずに戻る",
    you_have_reservation: "予約済みです。",
    not_found_title: "ページが見つかりません",
    not_found: "お探しのページは見つかりませんでした。",
    error_title: "エラー",
    error_generic: "処理中にエラーが発生しました。しばらくしてからもう一度お試しください。",
    error_forbidden: "この操作は受け付けられませんでした。ページを開き直してからもう一度お試しください。",
    error_busy: "ただいま混み合っています。少し待ってからもう一度お試しください。",
    busy_title: "混雑しています",
    second_dose_note: "2回目",
    after_deadline_short: "変更・取消の締切を過ぎたため、変更は事務局のみ行えます。",
    your_day: "予約中",
    consent_title: "個人情報提供の同意",
    consent_intro: "予約のため、所属機関から次の情報を受け取り保存します。内容を確認し、同意する場合は「同意する」を押してください。",
    consent_received: "受け取る情報",
    consent_version: "版",
    consent_accept: "同意する",
    consent_decline: "同意しない",
    consent_expired: "同意の確認の有効期限が切れました。もう一度ログインしてください。",
    declined_title: "同意されませんでした",
    declined_text: "同意されなかったため、所属機関から受け取った情報は保存せず、ログアウトしました。オンライン以外での予約については、次の連絡先にお問い合わせください。",
    attribute_name: "氏名",
    attribute_mail: "メールアドレス",
    attribute_affiliation: "職種・身分（教職員・学生の別）",
    attribute_department: "所属部局",
    missing_user_type: "所属機関から教職員・学生の別が提供されなかったため、予約できません。所属機関の窓口にお問い合わせください。",
    missing_mail: "所属機関からメールアドレスが提供されなかったため、予約確認メールはお送りできません。",
    saml_failed_title: "ログインできませんでした",
    saml_failed: "所属機関からのログイン情報を確認できませんでした。もう一度最初からログインしてください。",
    login_elsewhere: "この機関のログインは、現在このサーバーでは利用できません。",
    history: &JA_HISTORY,
};

pub static EN: Texts = Texts {
    lang: Language::En,
    other_language: "日本語",
    app_name: "Vaccination booking",
    tagline: "University vaccination appointments",
    choose_institution: "Choose your institution to log in.",
    login_title: "Log in",
    login_intro: "Log in with your institution account.",
    login_field: "Login ID",
    password_field: "Password",
    login_button: "Log in",
    login_failed: "The login ID or password is not correct.",
    login_throttled: "Too many failed logins. Please wait a while and try again.",
    logout_button: "Log out",
    logged_in_as: "Logged in",
    days_title: "Choose a day",
    days_intro: "Choose the day of your first dose. The second dose is booked with it, at the same venue and time four weeks later.",
    days_intro_change: "Choose the new day of your first dose. The second dose moves with it.",
    no_days: "There are no days to book at the moment.",
    day_full: "Full",
    day_title_suffix: ": free places",
    back_to_days: "Back to the days",
    book_button: "Book this time",
    change_button: "Change to this time",
    time_full: "Full",
    time_not_open: "Not open yet",
    time_closed_online: "Closed online",
    book_note: "Booking also books your second dose.",
    my_reservation: "My reservation",
    no_reservation: "You have no reservation.",
    go_book: "Book",
    reservation_number: "Reservation number",
    check_in_title: "Your check-in code",
    check_in_hint: "Show this code at the venue's desk. If it cannot be read, give your reservation number.",
    check_in_renewed: "A change of the reservation gives a new code; the earlier one no longer works.",
    voucher_title: "Vaccination voucher",
    voucher_intro: "Enter the 18-digit number printed on your vaccination voucher (the OCR line), or read the voucher's QR code with your camera. Bring the voucher itself to the venue as well.",
    voucher_missing: "Not given yet.",
    voucher_given: "Number received:",
    voucher_collected_state: "Collected at the venue:",
    voucher_collected_note: "The voucher was collected at the venue: its number can no longer be changed.",
    voucher_again_note: "Giving the voucher again replaces the number given before.",
    voucher_line: "The 18-digit number (OCR line)",
    voucher_line_hint: "Spaces and hyphens may be typed as printed.",
    voucher_parts: "No 18-digit number? Type the municipality code and the voucher number",
    voucher_municipality: "Municipality code (6 digits)",
    voucher_number: "Voucher number (10 digits)",
    voucher_give: "Give the voucher",
    voucher_done: "Your voucher's number has been received.",
    voucher_collected: "This voucher was already collected at the venue: nothing was changed.",
    voucher_camera: "Read the QR code with the camera",
    voucher_camera_stop: "Stop the camera",
    voucher_camera_on: "Hold the voucher's QR code up to the camera.",
    voucher_camera_read: "Read. Check the number, then press \"Give the voucher\".",
    voucher_camera_failed: "The camera cannot be used: please type the number.",
    vaccine: "Vaccine",
    dose_label: "Dose",
    first_dose: "1st dose",
    second_dose: "2nd dose",
    date_time: "Date and time",
    venue: "Venue",
    lane: "Lane",
    change_deadline: "You can change or cancel until",
    change_time: "Change the time",
    cancel_reservation: "Cancel the reservation",
    after_deadline: "The deadline for changes has passed. Only the office can change or cancel your reservation now. Please contact:",
    contact_office: "Contact",
    contact_mail: "Mail",
    contact_phone: "Phone",
    contact_page: "Web page",
    booked_done: "Your reservation is booked.",
    changed_done: "Your reservation has been changed.",
    cancelled_done: "Your reservation has been cancelled.",
    cancel_title: "Cancel the reservation",
    cancel_question: "This cancels the following reservation (both doses). Are you sure?",
    cancel_confirm: "Cancel it",
    cancel_keep: "Keep it and go back",
    you_have_reservation: "You have a reservation.",
    not_found_title: "Page not found",
    not_found: "The page you asked for was not found.",
    error_title: "Error",
    error_generic: "Something went wrong. Please try again in a moment.",
    error_forbidden: "This request was refused. Please reload the page and try again.",
    error_busy: "We are very busy right now. Please try again in a moment.",
    busy_title: "Busy",
    second_dose_note: "2nd dose",
    after_deadline_short: "The deadline for changes has passed: only the office can change your reservation.",
    your_day: "your booking",
    consent_title: "Consent to receive your personal information",
    consent_intro: "To book, we receive the following information from your institution and keep it. Please read the text and choose \"I agree\" if you agree.",
    consent_received: "Information received",
    consent_version: "Version",
    consent_accept: "I agree",
    consent_decline: "I do not agree",
    consent_expired: "The consent step has expired. Please log in again.",
    declined_title: "You did not agree",
    declined_text: "As you did not agree, nothing received from your institution was kept, and you have been logged out. To book another way, please contact:",
    attribute_name: "Name",
    attribute_mail: "Mail address",
    attribute_affiliation: "Affiliation (staff or student)",
    attribute_department: "Department",
    missing_user_type: "Your institution did not tell us whether you are staff or a student, so you cannot book. Please contact your institution's office.",
    missing_mail: "Your institution did not give us your mail address, so we cannot send you confirmation mails.",
    saml_failed_title: "Login failed",
    saml_failed: "We could not verify the login from your institution. Please start again from the beginning.",
    login_elsewhere: "This institution's login is not available on this server at the moment.",
    history: &EN_HISTORY,
};

impl Texts {
    sesshu_http::language_lookup!();

    /// A Tokyo date: `12月10日(木)` / `Thu 10 Dec`.
    pub fn date(&self, day: NaiveDate) -> String {
        match self.lang {
            Language::Ja => format!(
                "{}年{}月{}日({})",
                day.year(),
                day.month(),
                day.day(),
                weekday_ja(day.weekday())
            ),
            Language::En => day.format("%a %-d %b %Y").to_string(),
        }
    }

    /// A short date for lists: `12/10(木)` / `Thu 10 Dec`.
    pub fn short_date(&self, day: NaiveDate) -> String {
        match self.lang {
            Language::Ja => format!(
                "{}/{}({})",
                day.month(),
                day.day(),
                weekday_ja(day.weekday())
            ),
            Language::En => day.format("%a %-d %b").to_string(),
        }
    }

    /// A Tokyo time of day: `09:30`.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&TOKYO).format("%H:%M").to_string()
    }

    /// A Tokyo date and time.
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&TOKYO);
        format!("{} {}", self.date(local.date_naive()), self.time(at))
    }

    /// The busy page of a page that reloads itself in `seconds`.
    pub fn busy_retrying(&self, seconds: u64) -> String {
        match self.lang {
            Language::Ja => format!(
                "ただいま混み合っています。{seconds}秒後にこのページを自動で読み込み直します。"
            ),
            Language::En if seconds == 1 => {
                "We are very busy right now. This page will retry in 1 second.".to_owned()
            }
            Language::En => {
                format!("We are very busy right now. This page will retry in {seconds} seconds.")
            }
        }
    }

    /// The busy page after a form: nothing was done, send it again.
    pub fn busy_resend(&self, seconds: u64) -> String {
        match self.lang {
            Language::Ja => format!(
                "ただいま混み合っているため、送信は受け付けられませんでした（何も変更されていません）。{seconds}秒ほど待ってから、前のページに戻ってもう一度送信してください。"
            ),
            Language::En => format!(
                "We are very busy right now, so your request was not taken (nothing was changed). Please wait about {seconds} seconds, go back and send it again."
            ),
        }
    }

    pub fn places_left(&self, n: u32) -> String {
        match self.lang {
            Language::Ja => format!("残り{n}人"),
            Language::En if n == 1 => "1 place left".to_owned(),
            Language::En => format!("{n} places left"),
        }
    }
}

fn weekday_ja(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "月",
        Weekday::Tue => "火",
        Weekday::Wed => "水",
        Weekday::Thu => "木",
        Weekday::Fri => "金",
        Weekday::Sat => "土",
        Weekday::Sun => "日",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally_in_each_language() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        assert_eq!(JA.date(day), "2026年12月10日(木)");
        assert_eq!(EN.date(day), "Thu 10 Dec 2026");
        assert_eq!(JA.short_date(day), "12/10(木)");
    }

    #[test]
    fn times_are_tokyo_times() {
        let at = DateTime::parse_from_rfc3339("2026-12-10T00:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(EN.time(at), "09:30");
    }

    #[test]
    fn the_busy_page_says_when_it_retries() {
        assert_eq!(
            Texts::of(Language::En).busy_retrying(1),
            "We are very busy right now. This page will retry in 1 second."
        );
        assert!(
            Texts::of(Language::En)
                .busy_retrying(5)
                .contains("in 5 seconds")
        );
        assert!(Texts::of(Language::Ja).busy_retrying(5).contains("5秒後"));
        assert!(Texts::of(Language::Ja).busy_resend(5).contains("5秒"));
    }

    #[test]
    fn counts_agree_in_english() {
        assert_eq!(EN.places_left(1), "1 place left");
        assert_eq!(EN.places_left(3), "3 places left");
        assert_eq!(JA.places_left(3), "残り3人");
    }
}
