//! The back office's texts for login: each line is `key: ("日本語", "English")`.

macro_rules! login {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            login_title: ("事務局ログイン", "Back office login"),
            login_intro: ("事務局のアカウントでログインしてください。", "Log in with your back-office account."),
            directory_label: ("認証先", "Log in with"),
            builtin_directory: ("Sesshu の事務局アカウント", "Sesshu back-office account"),
            login_field: ("ログインID", "Login ID"),
            password_field: ("パスワード", "Password"),
            login_button: ("ログイン", "Log in"),
            login_failed: ("ログインIDまたはパスワードが正しくないか、事務局のアカウントがありません。", "Wrong login ID or password, or no back-office account."),
            login_throttled: ("ログインの失敗が続いたため、しばらく受け付けません。", "Too many failed logins: please wait a while."),
            login_failed_gakunin: ("学認でのログインを受け付けられませんでした。事務局のアカウントがないか、応答を確認できませんでした。", "The GakuNin login was not accepted: no back-office account, or the answer could not be verified."),
            login_with_gakunin: ("学認（GakuNin）でログイン", "Log in with GakuNin"),
            logout_button: ("ログアウト", "Log out"),
            logged_out: ("ログアウトしました。", "You have logged out."),
            login_id: ("ログインID", "Login ID"),
        }
    };
}
