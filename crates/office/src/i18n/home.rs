//! The back office's texts for home: each line is `key: ("日本語", "English")`.

macro_rules! home {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            home_title: ("概要", "Overview"),
            count_institutions: ("機関", "Institutions"),
            count_members: ("登録メンバー（内蔵ディレクトリ）", "Members (built-in directory)"),
            count_persons: ("ログインした人", "People who logged in"),
            count_active: ("有効な予約", "Active reservations"),
            count_cancelled: ("取り消された予約", "Cancelled reservations"),
            count_checked_in: ("受付済みの接種", "Doses checked in"),
            count_upcoming_slots: ("今後の予約枠", "Upcoming slots"),
            count_free_places: ("今後の空き", "Upcoming free places"),
        }
    };
}
