//! The back office's texts for vaccination histories and doses received
//! elsewhere: a person's history on the reservation page, the declarations
//! waiting for confirmation, and the history import. Each line is
//! `key: ("日本語", "English")`; texts with a value are the methods below.

macro_rules! elsewhere {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            nav_elsewhere: ("他所での接種", "Doses elsewhere"),
            history_title: ("接種歴", "Vaccination history"),
            history_none: ("接種歴はありません。", "No doses yet."),
            history_here: ("この接種会場で", "Here"),
            history_elsewhere: ("他所で", "Elsewhere"),
            history_where: ("どこで", "Where"),
            history_dose: ("回", "Dose"),
            history_date: ("接種日", "Date"),
            history_product: ("ワクチン", "Vaccine"),
            history_place: ("接種場所", "Place"),
            history_state: ("状態", "State"),
            history_source_declared: ("本人が申告", "Declared by the person"),
            history_source_office: ("事務局が記録", "Recorded by the office"),
            history_source_import: ("一括登録", "Imported"),
            history_unconfirmed: ("未確認", "Not confirmed"),
            history_confirmed: ("確認済み", "Confirmed"),
            history_reservation: ("予約", "Reservation"),
            elsewhere_confirm_button: ("確認する", "Confirm"),
            elsewhere_correct: ("訂正する", "Correct"),
            elsewhere_correct_button: ("訂正を保存", "Save the correction"),
            elsewhere_remove_button: ("削除する", "Remove"),
            elsewhere_record_title: ("他所での接種を記録する", "Record a dose received elsewhere"),
            elsewhere_record_button: ("記録する", "Record"),
            elsewhere_record_hint: ("本人の申告を訂正すると、事務局の記録 (確認済み) になります。1回目を記録すると、本人はここで2回目だけを予約できます。2回とも記録すると予約するものはありません。", "Correcting a declaration makes it the office's record (confirmed). With a first dose recorded, the person books only a second dose here; with both, nothing."),
            done_elsewhere_confirmed: ("他所での接種を確認しました。", "The dose received elsewhere was confirmed."),
            done_elsewhere_recorded: ("他所での接種を記録しました。", "The dose received elsewhere was recorded."),
            done_elsewhere_removed: ("他所での接種を削除しました。", "The dose received elsewhere was removed."),
            done_elsewhere_nothing: ("変更はありません (すでに確認済みか、記録がありません)。", "Nothing changed (confirmed already, or no such dose)."),
            error_elsewhere_form: ("接種回と接種日を正しく入力してください。", "Enter the dose and a valid date."),
            waiting_title: ("他所での接種 (確認待ちの申告)", "Doses received elsewhere: declarations to confirm"),
            waiting_intro: ("本人が申告した他所での接種のうち、まだ確認していないものです。申告は確認前から予約に反映されています (1回目の申告で2回目だけ、2回の申告で予約なし)。内容が違うときは予約ページから訂正してください。", "The doses people declared as received elsewhere that the office has not confirmed yet. A declaration counts for booking at once (a first dose: only a second is booked; both: nothing). To correct one, open the reservation's page."),
            waiting_none: ("確認待ちの申告はありません。", "No declaration waits for confirmation."),
            waiting_member: ("利用者ID", "Login id"),
            waiting_declared_at: ("申告日時", "Declared at"),
            waiting_all_institutions: ("すべての機関", "All institutions"),
            waiting_show: ("表示", "Show"),
            import_link: ("接種歴の一括登録 (CSV)", "Import a vaccination history (CSV)"),
            import_title: ("接種歴の一括登録", "Importing a vaccination history"),
            import_intro: ("機関が把握している他所での接種を CSV で登録します。ファイル全体を確認し、問題があれば行と列を示して何も登録しません。問題がなければ内容を確認してから、一つのトランザクションで登録します。登録した接種は確認済みになり、同じ人の同じ回の記録は置き換えられます。", "Registers the doses an institution knows were received elsewhere, from a CSV. The whole file is checked: any problem is shown with its line and column, and nothing is written. Otherwise, check the preview, then apply it in one transaction. Imported doses are confirmed, and replace the entry of the same person's same dose."),
            import_file: ("CSV ファイル", "CSV file"),
            import_check: ("確認する", "Check"),
            import_preview: ("登録される内容", "What will be written"),
            import_applied: ("登録しました", "Imported"),
            import_apply: ("すべて登録する", "Import all"),
            import_replaces: ("置き換え", "Replaces"),
            import_new: ("新規", "New"),
            import_line: ("行", "Line"),
            import_columns: ("列", "Columns"),
            import_col_institution: ("機関コード", "The institution's code"),
            import_col_member: ("利用者ID (ログインID)", "The member's login id"),
            import_col_date: ("接種日 (2026-11-02 または 2026/11/02)、未来の日付は不可", "The day given (2026-11-02 or 2026/11/02), not in the future"),
            import_col_dose: ("1 または 2 (2回目は1回目より前にはできません)", "1 or 2 (a second dose not before the first)"),
            import_col_product: ("ワクチンの名前 (必須、100文字まで)", "The vaccine's name (required, at most 100 characters)"),
            import_col_place: ("接種場所 (任意、200文字まで)", "Where (optional, at most 200 characters)"),
        }
    };
}

use super::Texts;
use sesshu_domain::Language;
use sesshu_domain::elsewhere::Source;

impl Texts {
    /// Who said a dose was received elsewhere.
    pub fn elsewhere_source(&self, source: Source) -> &'static str {
        match source {
            Source::Declared => self.history_source_declared,
            Source::Office => self.history_source_office,
            Source::Import => self.history_source_import,
        }
    }

    /// What is wrong with a dose the office entered, by the code of its
    /// problem (`sesshu_domain::elsewhere::Problem::code`).
    pub fn elsewhere_problem(&self, code: &str) -> Option<&'static str> {
        use Language::{En, Ja};
        Some(match (code, self.lang) {
            ("date_in_future", Ja) => "接種日が未来の日付です。",
            ("date_in_future", En) => "The date is in the future.",
            ("before_first_dose", Ja) => "2回目の接種日が1回目より前です。",
            ("before_first_dose", En) => "The second dose is dated before the first.",
            ("after_second_dose", Ja) => "1回目の接種日が2回目より後です。",
            ("after_second_dose", En) => "The first dose is dated after the second.",
            ("no_product", Ja) => "ワクチンの種類を入力してください。",
            ("no_product", En) => "Name the vaccine.",
            ("product_invalid", Ja) => "ワクチンの種類は100文字以内で、改行を含めないでください。",
            ("product_invalid", En) => {
                "The vaccine's name: at most 100 characters, no line breaks."
            }
            ("place_invalid", Ja) => "接種場所は200文字以内で、改行を含めないでください。",
            ("place_invalid", En) => "The place: at most 200 characters, no line breaks.",
            ("dose_held_here", Ja) => {
                "この回はこのシステムで予約済みか接種済みです。先に予約を変更してください。"
            }
            ("dose_held_here", En) => {
                "This dose is booked or was given here: change the reservation first."
            }
            _ => return None,
        })
    }
}
