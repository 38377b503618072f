//! The back office's texts for members: each line is `key: ("日本語", "English")`.

macro_rules! members {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            unmappable_title: ("Shift_JIS で保存できない文字があります", "Characters Shift_JIS cannot hold"),
            unmappable_intro: ("次のセルの文字は Shift_JIS（CP932）にありません。置き換えずにお知らせします。UTF-8 の CSV をお使いください（Excel でそのまま開けます）。", "These cells hold characters that Shift_JIS (CP932) does not have. Rather than replace them, Sesshu tells you: use the UTF-8 CSV (Excel opens it as it is)."),
            unmappable_row: ("行", "Row"),
            unmappable_column: ("列", "Column"),
            unmappable_characters: ("文字", "Characters"),
            unmappable_utf8: ("UTF-8 の CSV をダウンロード", "Download the UTF-8 CSV"),
            members_title: ("名簿 (利用者の登録)", "Member roster"),
            members_intro: ("機関の利用者の CSV をアップロードすると、Sesshu が保持するディレクトリ (内蔵ディレクトリ、または運用者が用意した LDAP) に登録します。ファイル全体を検査し、変更内容を表示してから反映します。列: login, user_type (必須)、name_kanji, name_kana, name_roman, mail, department, password (新しい利用者には必須)。UTF-8 または CP932。", "Upload a CSV of the institution's members into the directory Sesshu holds for it (the built-in one, or the LDAP directory the operator hosts). The whole file is checked and every change shown before anything is written. Columns: login, user_type (required); name_kanji, name_kana, name_roman, mail, department, password (required for new members). UTF-8 or CP932."),
            members_counts: ("部局ごとの利用者数 (有効な利用者のみ)", "Members per department (enabled members)"),
            members_department: ("部局", "Department"),
            members_eligible: ("接種対象", "Eligible"),
            members_all: ("全員", "All"),
            members_no_department: ("(部局なし)", "(no department)"),
            members_not_held: ("この機関の利用者は機関自身のディレクトリ (LDAP・学認) にあり、ここでは登録しません。", "This institution's members are in its own directory (LDAP or GakuNin): nothing is uploaded here."),
            members_missing: ("名簿にない既存の利用者", "Members the file no longer lists"),
            members_missing_disable: ("ログインできなくする (既定)", "they can no longer log in (default)"),
            members_missing_remove: ("削除する", "delete them"),
            members_missing_keep: ("そのままにする (一部だけの名簿)", "leave them (a partial file)"),
            members_check: ("検査して変更内容を見る", "Check and preview"),
            members_add: ("追加", "Add"),
            members_update: ("更新", "Update"),
            members_disable: ("ログイン不可にする", "Disable"),
            members_remove: ("削除", "Delete"),
            members_unchanged: ("変更なし", "Unchanged"),
            members_nothing: ("変更はありません。", "Nothing to change."),
            members_apply: ("反映する", "Apply"),
            members_applied: ("反映しました", "Applied"),
            members_partial: ("ディレクトリへの書き込みが途中で失敗しました。次の変更は書き込み済みです。原因を直して、同じファイルをもう一度アップロードしてください (書き込み済みの分はそのままです)。", "Writing to the directory failed part way. These changes were written; fix the cause and upload the same file again (what is written stays as it is)."),
        }
    };
}
