//! The back office's texts for institutions: each line is `key: ("日本語", "English")`.

macro_rules! institutions {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            prefecture_title: ("県に提出する接種者一覧", "Vaccinations for the prefecture"),
            prefecture_intro: ("期間内に受付（接種）した人を、接種1回につき1行で出力します。列は設定ファイルで県の様式に合わせられます（docs/prefecture.md）。出力は監査ログに記録されます。", "Everyone checked in (vaccinated) in the period, one row per dose given. The columns follow the prefecture's form through a settings file (docs/prefecture.md). Each download is recorded in the audit trail."),
            prefecture_columns: ("列", "Columns"),
            inst_title: ("機関マスタ", "Institution master"),
            inst_intro: ("各機関の名称・連絡先・メールの案内文・同意文・変更締切・対象者・属性の対応・ログイン設定です。変更は検査してから保存し、監査ログに記録します。ログイン設定の変更はシステム管理者だけができます。`sesshu institutions import/export` と同じ項目です (docs/institutions.md)。", "Each institution's names, contact, mail notice, consent text, change deadline, eligible user types, attribute mapping and login settings. Changes are checked, then saved and recorded in the audit trail. Only system administrators change login settings. The same fields as `sesshu institutions import/export` (docs/institutions.md)."),
            inst_new: ("機関を追加", "Add an institution"),
            inst_code: ("機関コード", "Code"),
            inst_login_method: ("ログイン方式", "Login"),
            inst_edit: ("編集", "Edit"),
            inst_name_ja: ("名称 (日本語)", "Name (Japanese)"),
            inst_name_en: ("名称 (英語)", "Name (English)"),
            inst_eligible: ("接種対象", "Eligible user types"),
            inst_contact: ("問い合わせ先", "Contact"),
            inst_office_ja: ("窓口 (日本語)", "Office (Japanese)"),
            inst_office_en: ("窓口 (英語)", "Office (English)"),
            inst_mail: ("メール", "Mail"),
            inst_phone: ("電話", "Phone"),
            inst_url: ("ページ", "Page"),
            inst_mail_settings: ("メールの案内", "Mails"),
            inst_from: ("差出人 (空欄は既定)", "Sender (empty: the default)"),
            inst_notice_ja: ("案内文 (日本語: 持ち物・注意事項)", "Notice (Japanese: what to bring)"),
            inst_notice_en: ("案内文 (英語)", "Notice (English)"),
            inst_deadline: ("変更締切", "Change deadline"),
            inst_days_before: ("何日前", "Days before"),
            inst_at: ("時刻", "At"),
            inst_consent: ("同意", "Consent"),
            inst_consent_required: ("ログイン時に同意を求める", "Ask for consent at login"),
            inst_consent_version: ("版 (変えると全員に再度同意を求めます)", "Version (a new one asks everyone again)"),
            inst_consent_ja: ("同意文 (日本語)", "Text (Japanese)"),
            inst_consent_en: ("同意文 (英語)", "Text (English)"),
            inst_attributes: ("属性の対応と部局 (TOML)", "Attribute mapping and departments (TOML)"),
            inst_login: ("ログイン設定 (TOML)", "Login settings (TOML)"),
            inst_login_admin_only: ("ログイン設定はシステム管理者だけが変更できます。", "Only system administrators change login settings."),
            inst_save: ("検査して保存", "Check and save"),
            inst_saved: ("保存しました。", "Saved."),
            inst_problems: ("保存できません。次を直してください (何も変わっていません)。", "Not saved; fix these (nothing has changed)."),
        }
    };
}
