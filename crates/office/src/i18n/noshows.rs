//! The back office's texts for the no-show cancellation: each line is
//! `key: ("日本語", "English")`; texts with a value are the methods below.

macro_rules! noshows {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            nav_noshows: ("未接種者の予約取消", "No-shows"),
            noshows_title: ("未接種者の予約取消", "Cancelling the no-shows of a day"),
            noshows_intro: ("選んだ日に予約がありながら受付されなかった人の予約を取り消します。1回目に来なかった人は2回目の予約も取り消され、その枠はすぐに他の人が予約できるようになります。1回目を受けて2回目に来なかった人は、1回目の記録がそのまま残ります。一人ひとりに、予約のし直し方を書いたメールが届きます。その日の最後の枠が終わってから使えます。", "Cancels the reservations of the chosen day whose dose nobody checked in. Someone who missed their first dose loses the second dose's place too, and that place is free for others at once; someone who had the first dose and missed the second keeps the first one's record. Each person gets a mail saying how to book again. Available once the day's last slot has ended."),
            noshows_day: ("日付", "Day"),
            noshows_all_venues: ("すべての会場", "All venues"),
            noshows_show: ("表示", "Show"),
            noshows_none: ("この日の予約で、受付されなかったものはありません。", "Every reservation of this day was checked in: there is nothing to cancel."),
            noshows_total: ("受付されなかった予約", "Reservations without a check-in"),
            noshows_per_venue: ("会場ごとの件数", "Per venue"),
            noshows_count: ("件数", "Count"),
            noshows_effect: ("取り消されるもの", "What is cancelled"),
            noshows_effect_first: ("1回目と2回目の予約 (2回目の枠は空きに戻ります)", "both doses (the second dose's place is freed)"),
            noshows_effect_second: ("2回目の予約 (1回目の記録は残ります)", "the second dose (the first one's record stays)"),
            noshows_confirm_note: ("すべて一つのトランザクションで取り消され、監査ログに件数が残ります。確認から取消までの間に受付された人は取り消されません。", "All are cancelled in one transaction, with the count in the audit log. Anyone checked in between this list and the cancellation is not cancelled."),
            noshows_cancelled_title: ("取り消した予約", "Cancelled"),
            noshows_skipped_title: ("取り消さなかった予約", "Not cancelled"),
            noshows_why: ("理由", "Why"),
            noshows_skip_checked_in: ("この間に受付されました", "checked in meanwhile"),
            noshows_skip_not_active: ("すでに取り消されていました", "cancelled meanwhile"),
            noshows_skip_moved: ("日時が変更されていました", "moved to another time meanwhile"),
            noshows_skip_missing: ("見つかりません", "not found"),
            noshows_back: ("別の日を選ぶ", "Choose another day"),
        }
    };
}

impl super::Texts {
    /// The heading of one group: 「駅前会場 · 〇〇大学 (3件: 1回目 2, 2回目 1)」.
    pub fn noshows_group(
        &self,
        venue: &str,
        institution: &str,
        first: usize,
        second: usize,
    ) -> String {
        match self.lang {
            sesshu_domain::Language::Ja => format!(
                "{venue} · {institution} ({}件：1回目 {first}、2回目 {second})",
                first + second
            ),
            sesshu_domain::Language::En => format!(
                "{venue} · {institution} ({}: dose 1 {first}, dose 2 {second})",
                first + second
            ),
        }
    }

    /// The confirmation button.
    pub fn noshows_confirm(&self, n: usize) -> String {
        match self.lang {
            sesshu_domain::Language::Ja => {
                format!("この {n} 件の予約を取り消し、各人にメールする")
            }
            sesshu_domain::Language::En => {
                format!("Cancel these {n} reservations and mail each person")
            }
        }
    }

    /// A day whose last slot has not ended.
    pub fn noshows_not_yet(&self, from: chrono::DateTime<chrono::Utc>) -> String {
        let from = self.time(from);
        match self.lang {
            sesshu_domain::Language::Ja => {
                format!("この日の未接種者は、最後の枠が終わる {from} から取り消せます。")
            }
            sesshu_domain::Language::En => format!(
                "The no-shows of this day can be cancelled from {from}, when its last slot has ended."
            ),
        }
    }

    /// What the batch did.
    pub fn noshows_done(&self, cancelled: usize, skipped: usize) -> String {
        match self.lang {
            sesshu_domain::Language::Ja => format!(
                "{cancelled} 件の予約を取り消し、各人へのメールを送信待ちにしました (取り消さなかったもの {skipped} 件)。"
            ),
            sesshu_domain::Language::En => format!(
                "Cancelled {cancelled} reservations and queued a mail to each person ({skipped} not cancelled)."
            ),
        }
    }

    /// Why a listed no-show was not cancelled.
    pub fn noshows_skip(&self, why: sesshu_operations::noshows::NoShowSkip) -> &'static str {
        match why {
            sesshu_operations::noshows::NoShowSkip::CheckedIn => self.noshows_skip_checked_in,
            sesshu_operations::noshows::NoShowSkip::NotActive => self.noshows_skip_not_active,
            sesshu_operations::noshows::NoShowSkip::Moved => self.noshows_skip_moved,
            sesshu_operations::noshows::NoShowSkip::Missing => self.noshows_skip_missing,
        }
    }
}
