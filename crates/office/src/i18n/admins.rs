//! The back office's texts for admins: each line is `key: ("日本語", "English")`.

macro_rules! admins {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            admin_role_needed: ("役割を選んでください。", "Choose a role."),
            admins_title: ("管理者アカウント", "Administrator accounts"),
            admin_login: ("ログインID", "Login ID"),
            admin_directory: ("認証先", "Logs in with"),
            admin_role: ("役割", "Role"),
            admin_scope: ("範囲", "Scope"),
            admin_state: ("状態", "State"),
            admin_last_login: ("最終ログイン", "Last login"),
            admin_enabled: ("有効", "Enabled"),
            admin_disabled: ("無効", "Disabled"),
            admin_new: ("アカウントを追加", "Add an account"),
            admin_edit: ("編集", "Edit"),
            admin_create: ("追加する", "Add"),
            admin_save: ("保存する", "Save"),
            admin_disable: ("無効にする", "Disabled"),
            admin_new_password: ("新しいパスワード（Sesshu のアカウントのみ。変えない場合は空欄）", "New password (Sesshu accounts only; leave empty to keep)"),
            admin_password_rule: ("パスワードは12文字以上にしてください。", "Passwords have at least 12 characters."),
            admin_created: ("アカウントを追加しました。", "The account was added."),
            admin_saved: ("アカウントを保存しました。", "The account was saved."),
            admin_last_system_admin: ("有効なシステム管理者が一人もいなくなるため、この変更はできません。", "Not possible: no enabled system administrator would be left."),
            admin_login_taken: ("この認証先には同じログインIDのアカウントがあります。", "This directory already has an account with this login ID."),
            admin_scope_needed: ("機関担当者には機関を、会場スタッフには会場を選んでください（それ以外の役割では選ばないでください）。", "Choose an institution for institution staff and a venue for venue staff (and neither for other roles)."),
            admin_password_needed: ("Sesshu のアカウントには12文字以上のパスワードが必要です。", "A Sesshu account needs a password of at least 12 characters."),
            admin_no_password_here: ("機関のディレクトリで認証するアカウントにはパスワードを設定しません。", "Accounts that log in with an institution's directory have no password here."),
            admin_bad_login: ("ログインIDを入力してください（制御文字は使えません）。", "Enter a login ID (no control characters)."),
        }
    };
}
