//! The back office's texts for the day's sheet (working offline): each line
//! is `key: ("日本語", "English")`.

macro_rules! sheet {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            nav_sheet: ("当日シート", "Day sheet"),
            sheet_title: ("当日シート（オフライン用）", "The day's sheet (working offline)"),
            sheet_intro: ("ネットワークが使えないときのために、前日までにその日の予約の一覧を Excel（XLSX）でダウンロードしておきます。当日は紙またはシートに記入し、ネットワークが戻ったらアップロードします。アップロードしたシートは全体を確認してから、内容を確かめて一度に反映します。その間にオンラインで記録されたことと食い違う行は、上書きせずに表示します。", "Before the day, download the day's reservations as an Excel (XLSX) sheet, for when the network is down. On the day, fill it in (or the printed list) and upload it when the network is back. The whole sheet is checked first, then you see what it adds and apply it at once; where it says something else than what was recorded online meanwhile, that is shown and not overwritten."),
            sheet_download: ("シートをダウンロード（XLSX）", "Download the sheet (XLSX)"),
            sheet_upload: ("記入したシートをアップロード", "Upload the filled-in sheet"),
            sheet_file: ("シート（.xlsx）", "Sheet (.xlsx)"),
            sheet_check: ("確認する", "Check"),
            sheet_preview: ("反映される内容", "What the sheet adds"),
            sheet_nothing: ("このシートで新しく記録されるものはありません。", "The sheet adds nothing that is not recorded already."),
            sheet_adds: ("追加", "Adds"),
            sheet_conflicts: ("オンラインの記録と食い違う行（反映しません）", "Lines that differ from what was recorded online (not applied)"),
            sheet_online: ("オンラインの記録", "Recorded online"),
            sheet_in_sheet: ("シートの記入", "In the sheet"),
            sheet_apply: ("すべて反映する", "Apply all"),
            sheet_applied: ("反映しました", "Applied"),
            sheet_line_refused: ("確認の後にオンラインで記録された行があるため、何も反映しませんでした。もう一度確認してください。", "A line was recorded online after the check: nothing was applied. Check the sheet again."),
            sheet_columns: ("列と書き方", "Columns and how to fill them"),
            sheet_columns_help: ("来場・予診票・接種券回収：○（または ✓、1、はい）。判断：接種・延期・禁忌・辞退・体調不良（延期は理由も）。接種時刻：HH:MM。ロット番号：この会場に登録されたもの。部位：左・右。接種時刻・ロット・接種者・部位はそろえて書きます。", "Attended, questionnaire, voucher collected: ○ (or ✓, 1, yes). Decision: vaccinate, postpone (with the reason), contraindicated, refused, unwell. Time given: HH:MM. Lot: one registered at this venue. Arm: left or right. The time given, lot, given by and arm go together."),
        }
    };
}

impl super::Texts {
    /// How many lines were applied.
    pub fn sheet_applied_count(&self, n: usize) -> String {
        match self.lang {
            sesshu_domain::Language::Ja => format!("{n} 行を反映しました。"),
            sesshu_domain::Language::En => format!("{n} lines applied."),
        }
    }
}
