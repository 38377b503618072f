//! The back office's texts for vouchers (接種券): a dose's voucher at the
//! desk (its state, collected, entered there) and the follow-up list of
//! the vouchers still missing: each line is `key: ("日本語", "English")`.

macro_rules! vouchers {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            voucher_title: ("接種券", "Voucher (接種券)"),
            voucher_state: ("接種券", "Voucher"),
            voucher_not_given: ("未提出（番号がありません）", "Not given (no number on file)"),
            voucher_given: ("番号あり・用紙は未回収", "Number on file, paper not collected yet"),
            voucher_collect_button: ("接種券を回収した", "Voucher collected"),
            voucher_collect_hint: ("接種券のシールを予診票に貼ったら押してください。", "Press once the voucher's sticker is on the questionnaire."),
            voucher_enter_title: ("接種券を入力する（オンラインで未提出のとき）", "Enter the voucher (not given online)"),
            voucher_enter_intro: ("接種券のOCR行（18桁の数字）を入力するか、QRコードをスキャナーで読み取ります。または市区町村コード（6桁）と券番号（10桁）を入力します。空白とハイフンは無視されます。", "Type the voucher's OCR line (18 digits) or read its QR code with the scanner; or type the municipality code (6 digits) and the voucher number (10 digits). Spaces and hyphens are ignored."),
            voucher_line: ("OCR行（18桁）", "OCR line (18 digits)"),
            voucher_or: ("または", "or"),
            voucher_municipality: ("市区町村コード（6桁）", "Municipality code (6 digits)"),
            voucher_number: ("券番号（10桁）", "Voucher number (10 digits)"),
            voucher_enter_button: ("接種券を記録する", "Record the voucher"),
            done_voucher_entered: ("接種券の番号を記録しました。", "The voucher was recorded."),
            done_voucher_collected: ("接種券を回収済みにしました。", "The voucher was marked as collected."),
            done_voucher_before: ("この接種券は前に回収済みです。記録は変わりません。", "This voucher was collected before: nothing changed."),
            error_voucher_not_given: ("この回の接種券の番号がまだありません。先に接種券を入力してください。", "No voucher was given for this dose: enter it first."),
            error_voucher_collected: ("接種券はすでに回収済みのため、置き換えられません。", "The voucher was collected already: it is not replaced."),
            error_voucher_empty: ("OCR行、または市区町村コードと券番号を入力してください。", "Enter the OCR line, or the municipality code and the voucher number."),
            nav_vouchers: ("接種券の未回収", "Missing vouchers"),
            missing_title: ("接種券が未回収の接種", "Vaccinations whose voucher is missing"),
            missing_intro: ("接種を受けたのに、その回の接種券が回収されていない人の一覧です（フォローアップ用）。本人には接種の数日後から督促メールが送られます。氏名の表示は監査ログに記録されます。", "The people vaccinated whose voucher for that dose was not collected, for the follow-up. They are mailed a reminder some days after the vaccination. Showing the names is recorded in the audit trail."),
            missing_days: ("接種からの日数（以上）", "Days since the vaccination (at least)"),
            missing_all_institutions: ("すべての機関", "All institutions"),
            missing_vaccinated: ("接種日", "Vaccinated on"),
            missing_given: ("番号の提出", "Number given"),
            missing_given_yes: ("提出済み（用紙は未回収）", "Given (paper missing)"),
            missing_given_no: ("未提出", "Not given"),
            missing_reminders: ("督促メール", "Reminders sent"),
            missing_none: ("未回収の接種券はありません。", "No voucher is missing."),
        }
    };
}

use super::Texts;
use chrono::{DateTime, Utc};
use sesshu_domain::{Language, TOKYO};

impl Texts {
    /// 「10:05 に回収済み」, "Collected at 10:05": the time alone on the
    /// day itself, the date too after it.
    pub fn voucher_collected_at(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let local = at.with_timezone(&TOKYO);
        let when = if local.date_naive() == now.with_timezone(&TOKYO).date_naive() {
            local.format("%H:%M").to_string()
        } else {
            local.format("%Y-%m-%d %H:%M").to_string()
        };
        match self.lang {
            Language::Ja => format!("{when} に回収済み"),
            Language::En => format!("Collected at {when}"),
        }
    }
}
