//! The back office's texts for lists: each line is `key: ("日本語", "English")`.

macro_rules! lists {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            list_title: ("接種者リスト", "Recipient list"),
            list_day: ("日付", "Day"),
            list_time: ("時刻", "Time"),
            list_all_lanes: ("すべてのレーン", "All lanes"),
            list_show: ("表示", "Show"),
            list_csv: ("CSV（UTF-8）", "CSV (UTF-8)"),
            list_csv_cp932: ("CSV（Excel用 Shift_JIS）", "CSV (Shift_JIS for older Excel)"),
            list_print: ("印刷はブラウザーの印刷機能で（A4）", "Print with the browser (A4)"),
            list_none: ("この日の予約はありません。", "No reservations on this day."),
            list_first_dose: ("1回目", "Dose 1"),
            list_second_dose: ("2回目", "Dose 2"),
            list_institution_title: ("機関の予約者一覧（CSV）", "The institution's reservation list (CSV)"),
            list_download: ("ダウンロード", "Download"),
            list_encoding_utf8: ("UTF-8（推奨）", "UTF-8 (recommended)"),
            list_encoding_cp932: ("Shift_JIS（古い Excel 用）", "Shift_JIS (older Excel)"),
        }
    };
}
