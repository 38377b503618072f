//! The back office's texts for mail: each line is `key: ("日本語", "English")`.

macro_rules! mail {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            mail: ("メールアドレス", "Mail"),
            mail_title: ("メール送信状況", "Mail"),
            mail_intro: ("予約・変更・取消の通知と前日のリマインダーの送信状況です。送信に失敗したメールは理由を確認して再送できます。", "Confirmations, changes, cancellations and the day-before reminders, as sent. A mail that failed shows why and can be sent again."),
            mail_all: ("すべて", "All"),
            mail_id: ("番号", "No."),
            mail_kind: ("種類", "Kind"),
            mail_language: ("言語", "Language"),
            mail_state: ("状態", "State"),
            mail_attempts: ("試行回数", "Tries"),
            mail_queued: ("登録日時", "Queued"),
            mail_sent_at: ("送信日時", "Sent"),
            mail_reason: ("理由", "Reason"),
            mail_next_try: ("次回", "Next try"),
            mail_resend: ("再送する", "Send again"),
            mail_resent: ("再送を登録しました。まもなく送信されます。", "Queued again: it goes out shortly."),
            mail_not_resent: ("このメールは送信待ちか送信済みのため、再送しませんでした。", "Not queued again: the mail is already waiting or sent."),
            mail_none: ("メールはありません。", "No mails."),
            mail_outbox_title: ("送信フォルダー", "Outbox folder"),
            mail_outbox_intro: ("メールサーバーを使わない設定では、メールは1通ずつ .eml ファイルとしてここに保存されます。ファイルを開くと宛先が表示されるため、閲覧は監査ログに記録されます。", "Without a mail server, each mail is saved here as an .eml file. A file shows its recipient: opening one is recorded in the audit trail."),
            mail_written: ("保存日時", "Written"),
            mail_subject: ("件名", "Subject"),
            mail_file: ("ファイル", "File"),
            mail_preview_title: ("メールのプレビュー", "Mail preview"),
            mail_preview_intro: ("この予約について、各種類のメールが現在の内容でどう届くかを表示します（宛先は表示しません）。", "How each kind of mail about this reservation reads now (without the address)."),
            mail_of_reservation: ("この予約のメール", "Mails of this reservation"),
            mail_text_part: ("テキスト", "Text"),
            mail_html_part: ("HTML（ソース）", "HTML (source)"),
            mail_state_pending: ("送信待ち", "Waiting"),
            mail_state_sent: ("送信済み", "Sent"),
            mail_state_failed: ("送信失敗", "Failed"),
            mail_state_skipped: ("送信不要", "Not needed"),
            mail_kind_booked: ("予約受付", "Booked"),
            mail_kind_changed: ("予約変更", "Changed"),
            mail_kind_cancelled: ("予約取消", "Cancelled"),
            mail_kind_reminder: ("前日リマインダー", "Reminder"),
            mail_link: ("送信メール", "Mails"),
        }
    };
}
