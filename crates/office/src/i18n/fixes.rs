//! The back office's texts for fixes: each line is `key: ("日本語", "English")`.

macro_rules! fixes {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            fixes_title: ("予約の一括修正 (CSV)", "Bulk reservation fixes (CSV)"),
            fixes_intro: ("CSV の一行が一件の変更・取消・予約です。ファイル全体を検査して変更内容を表示し、確認のあと一つのトランザクションで反映します。一行でも反映できなければ、何も変わりません。締切後でも変更できます。本人には通常どおりメールが届きます。", "Each line of the CSV moves, cancels or books one reservation. The whole file is checked and every change shown; once confirmed, all are made in one transaction. If any line cannot be made, nothing changes. The change deadline does not apply. People get the usual mail."),
            fixes_columns: ("列 (見出し行に列名、順序は自由。UTF-8 または CP932)", "Columns (named in a header row, in any order; UTF-8 or CP932)"),
            fixes_col_action: ("move (変更)、cancel (取消)、book (予約)", "move, cancel or book"),
            fixes_col_reservation: ("予約番号 (変更・取消)", "the reservation number (move, cancel)"),
            fixes_col_member: ("機関コードと利用者ID (予約。予約番号の代わりにも使えます)", "the institution's code and the member's login id (book; or instead of the number)"),
            fixes_col_slot: ("移す先・予約する枠の番号 (枠の画面の #)", "the id of the slot to move to or book (the # on the slots page)"),
            fixes_col_reason: ("理由 (監査ログに残ります。300 文字まで)", "why (kept in the audit trail; up to 300 characters)"),
            fixes_file: ("CSV ファイル", "CSV file"),
            fixes_check: ("検査して変更内容を見る", "Check and preview"),
            fixes_problems: ("このファイルは反映できません。次の行を直してください (何も変わっていません)。", "This file cannot be applied; fix these lines (nothing has changed)."),
            fixes_line: ("行", "Line"),
            fixes_column: ("列", "Column"),
            fixes_problem: ("内容", "Problem"),
            fixes_preview: ("変更内容", "What will change"),
            fixes_action: ("操作", "Action"),
            fixes_whom: ("予約・利用者", "Reservation or member"),
            fixes_now: ("現在", "Now"),
            fixes_to: ("変更後", "After"),
            fixes_unchanged: ("変更なし (すでにその枠)", "no change (already there)"),
            fixes_apply: ("すべて反映する", "Apply all"),
            fixes_applied: ("反映しました", "Applied"),
            fixes_counts_moved: ("変更", "moved"),
            fixes_counts_cancelled: ("取消", "cancelled"),
            fixes_counts_booked: ("予約", "booked"),
            fixes_result_number: ("予約番号", "Reservation number"),
        }
    };
}
