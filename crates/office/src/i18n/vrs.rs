//! The back office's texts for the VRS file (ワクチン接種記録システム):
//! the period, its counts, the download and the doses whose voucher was
//! not collected: each line is `key: ("日本語", "English")`.

macro_rules! vrs {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            nav_vrs: ("VRS 登録", "VRS records"),
            vrs_title: ("VRS（ワクチン接種記録システム）登録用ファイル", "Records for VRS (the Vaccination Record System)"),
            vrs_intro: ("期間内の接種を、接種1回につき1行で出力します。接種券を回収した接種だけが含まれます。列と文字コードは設定ファイルで受け取り側の様式に合わせられます（docs/vrs.md）。出力した行は出力済みとして記録され、出力は監査ログに残ります。", "The doses given in the period, one row each; only doses whose voucher was collected are in it. The columns and the encoding follow the receiving side's layout through a settings file (docs/vrs.md). Each row written is marked as exported, and each download is recorded in the audit trail."),
            vrs_only_new: ("未出力の接種のみ（出力済みは含めない）", "Only doses not exported yet"),
            vrs_counts: ("この期間の接種", "Doses given in the period"),
            vrs_new: ("未出力", "Not exported yet"),
            vrs_exported_before: ("出力済み", "Exported before"),
            vrs_without_voucher: ("接種券が未回収（出力されません）", "Voucher not collected (not exported)"),
            vrs_file_rows: ("ファイルの行数", "Rows in the file"),
            vrs_encoding: ("文字コード", "Encoding"),
            vrs_encoding_utf8: ("UTF-8（BOM付き）", "UTF-8 with a BOM"),
            vrs_encoding_cp932: ("Shift_JIS（CP932）", "Shift_JIS (CP932)"),
            vrs_download: ("ダウンロードして出力済みにする", "Download and mark as exported"),
            vrs_download_note: ("ダウンロードした行は出力済みとして記録されます。出力済みの行は「出力済み」の列に最初の出力日が入ります。", "The rows downloaded are marked as exported; a row exported before shows its first export's day in the \"exported\" column."),
            vrs_missing_title: ("接種券が未回収の接種（VRS に登録できません）", "Doses whose voucher was not collected (VRS cannot take them)"),
            vrs_missing_intro: ("接種券を回収すると、次の出力に含まれます。氏名と督促の状況は次の一覧で確認できます：", "Once the voucher is collected, the dose is in the next file. The names and the reminders sent are in the follow-up list:"),
            vrs_missing_none: ("接種券が未回収の接種はありません。", "Every dose given has its voucher."),
            vrs_unmappable: ("設定ファイルは Shift_JIS を指定していますが、次のセルの文字は Shift_JIS にありません。何も出力せず、出力済みにもしていません。データを直すか、設定ファイルの encoding を \"utf8\" にしてください。", "The settings file asks for Shift_JIS, which these cells' characters are not in. Nothing was handed out or marked as exported: correct the data, or set the file's encoding to \"utf8\"."),
        }
    };
}
