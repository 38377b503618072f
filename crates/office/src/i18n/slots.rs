//! The back office's texts for slots: each line is `key: ("日本語", "English")`.

macro_rules! slots {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            lane: ("レーン", "Lane"),
            slots_title: ("予約枠の一括登録", "Register slots"),
            slots_intro: ("期間・曜日・時間帯・枠の長さ・レーンから予約枠をまとめて作ります。確認画面で内容を確かめてから登録します（すべて登録されるか、何も登録されないかのどちらかです）。", "Make slots from a date range, weekdays, time ranges, a slot length and lanes. Check the preview, then create them: all of them are created, or none."),
            slots_from: ("開始日", "First day"),
            slots_to: ("終了日", "Last day"),
            slots_weekdays: ("曜日", "Weekdays"),
            slots_excluded: ("除外日（YYYY-MM-DD、改行またはカンマ区切り）", "Days to leave out (YYYY-MM-DD, one per line or comma-separated)"),
            slots_times: ("時間帯（1行に1つ、例：09:00-12:00）", "Time ranges (one per line, e.g. 09:00-12:00)"),
            slots_length: ("枠の長さ（分）", "Slot length (minutes)"),
            slots_lanes: ("レーン（同じ会場から）", "Lanes (of one venue)"),
            slots_capacity: ("1枠の定員", "Places per slot"),
            slots_vaccine: ("ワクチン", "Vaccine"),
            slots_institutions: ("予約できる機関（選ばなければすべて）", "Institutions that may book (none: all)"),
            slots_user_types: ("予約できる身分（選ばなければすべて）", "Who may book (none: everyone)"),
            slots_opens_at: ("予約受付開始（日本時間）", "Booking opens (Tokyo time)"),
            slots_preview: ("確認する", "Preview"),
            slots_create: ("この内容で登録する", "Create these slots"),
            slots_preview_title: ("登録内容の確認", "Preview"),
            slots_total: ("作成する枠の数", "Slots to create"),
            slots_first_last: ("最初と最後", "First and last"),
            slots_per_day: ("日ごとの枠数", "Slots per day"),
            slots_conflicts: ("既存の枠と重なるため登録できません：", "These overlap slots that exist, so nothing can be created:"),
            slots_conflict: ("登録の直前に同じ時間の枠が作られたため、登録しませんでした。内容を確認してください。", "Slots were created at these times meanwhile; nothing was created. Check the plan again."),
            slots_problems: ("次の点を直してください：", "Please fix:"),
            slots_bad_date: ("日付の形式が正しくありません", "not a valid date"),
            slots_bad_number: ("数値を入力してください", "enter a number"),
            slots_choose: ("選択してください", "choose one"),
            slots_one_venue: ("レーンは同じ会場から選んでください", "choose lanes of one venue"),
            plan_backwards: ("終了日が開始日より前です", "the last day is before the first"),
            plan_too_long: ("期間は366日までです", "at most 366 days"),
            plan_no_weekday: ("曜日を選んでください", "choose at least one weekday"),
            plan_no_lane: ("レーンを選んでください", "choose at least one lane"),
            plan_no_times: ("時間帯を入力してください", "enter at least one time range"),
            plan_empty_range: ("終了が開始より前の時間帯があります", "a time range ends before it starts"),
            plan_overlap: ("時間帯が重なっています", "time ranges overlap"),
            plan_length: ("枠の長さは5〜240分です", "the slot length is 5 to 240 minutes"),
            plan_capacity: ("定員は1〜1000です", "the capacity is 1 to 1000"),
            plan_nothing: ("この条件では枠ができません", "this makes no slot"),
            plan_too_many: ("一度に作れる枠は50000件までです", "at most 50 000 slots at once"),
            slot_day_title: ("予約枠（日別）", "Slots of a day"),
            slot_booked: ("予約数 / 定員", "Booked / places"),
            slot_state: ("受付", "Booking"),
            slot_open: ("受付中", "Open"),
            slot_closed: ("停止", "Closed"),
            slot_edit: ("予約枠の修正", "Change slot"),
            slot_none: ("この日の予約枠はありません。", "No slots on this day."),
            slot_close: ("受付を停止する", "Close for booking"),
            slot_saved: ("変更しました。", "Saved."),
            slot_move_people: ("予約者を別の枠へ移す", "Move its people to another slot"),
            slot_move_hint: ("この枠を停止・削除する前に、予約している人を別の日時へ移します。1人ずつ変更し、それぞれに変更のメールが届きます。移せなかった人は一覧で示します。", "Before closing this slot, move the people booked in it. Each reservation moves on its own and each person gets the usual mail; those that could not move are listed."),
            slot_move_button: ("全員を移す", "Move them all"),
            slot_not_moved: ("移せなかった予約", "Not moved"),
            slots_csv_title: ("CSV で登録", "Register from a CSV"),
            slots_csv_intro: ("一行が一つの枠です。ファイル全体を検査し (重なりも含めて)、件数を確認してから、一つのトランザクションで全部を登録します。一行でも誤りがあれば何も登録しません。", "One row per slot. The whole file is checked (overlaps too); after you confirm the count, all slots are created in one transaction. With any error, nothing is created."),
            slots_csv_columns: ("列: date, start, end, venue, lane, capacity, vaccine, dose (必須)、institutions, user_types, opens_at (任意)。会場・レーン・ワクチンは名前で、機関はコードで書きます。", "Columns: date, start, end, venue, lane, capacity, vaccine, dose (required); institutions, user_types, opens_at (optional). Venues, lanes and vaccines by name, institutions by code."),
            slots_csv_check: ("検査する", "Check"),
            slots_csv_create: ("この枠をすべて登録する", "Create all these slots"),
            slot_delete: ("この枠を削除する", "Delete this slot"),
            slot_delete_hint: ("予約のない枠だけ削除できます。予約がある枠は、先に上で予約を移してください。", "Only a slot without reservations can be deleted. Move its people first (above)."),
            slot_deleted: ("枠を削除しました。", "The slot was deleted."),
            slot_quotas: ("機関ごとの上限 (割り当て。空欄は上限なし)", "Places per institution at most (allocation; empty: no limit)"),
            day_quotas: ("この日この会場の機関ごとの上限 (割り当て。空欄は上限なし。1回目・2回目の合計)", "Places per institution this day at this venue (allocation; empty: no limit; both doses)"),
            day_quotas_held: ("予約済み", "held"),
            day_quotas_save: ("上限を保存", "Save the quotas"),
            day_quotas_saved: ("上限を保存しました。", "Quotas saved."),
        }
    };
}

use std::fmt::Display;

use sesshu_domain::Language;

use super::Texts;

impl Texts {
    pub fn slots_created(&self, n: impl Display) -> String {
        match self.lang {
            Language::Ja => format!("{n} 件の予約枠を登録しました。"),
            Language::En => format!("{n} slots created."),
        }
    }

    pub fn slot_below_booked(&self, n: impl Display) -> String {
        match self.lang {
            Language::Ja => format!("定員は予約済みの {n} 人より少なくできません。"),
            Language::En => format!("The capacity cannot be below the {n} places already booked."),
        }
    }

    pub fn slot_has_bookings(&self, n: impl Display) -> String {
        match self.lang {
            Language::Ja => format!(
                "{n} 件の予約がある枠は停止できません。先に予約を別の枠へ移すか取り消してください。"
            ),
            Language::En => {
                format!("A slot with {n} bookings cannot be closed: move or cancel them first.")
            }
        }
    }

    pub fn slot_moved(&self, n: impl Display) -> String {
        match self.lang {
            Language::Ja => format!("{n} 件の予約を移しました。"),
            Language::En => format!("{n} reservations moved."),
        }
    }

    pub fn slot_delete_has_bookings(&self, n: impl Display) -> String {
        match self.lang {
            Language::Ja => {
                format!("{n} 人の予約があるため削除できません。先に予約を移してください。")
            }
            Language::En => format!("{n} people hold places in it: move them first."),
        }
    }

    pub fn slot_delete_has_history(&self, n: impl Display) -> String {
        match self.lang {
            Language::Ja => format!(
                "取り消し・変更済みの予約 {n} 件の記録がこの枠を指しているため削除できません。受付を停止してください。"
            ),
            Language::En => format!(
                "{n} cancelled or moved reservations still name this slot in their history: it cannot be deleted; close it instead."
            ),
        }
    }

    pub fn slot_quota_below(&self, institution: impl Display, n: impl Display) -> String {
        match self.lang {
            Language::Ja => format!(
                "{institution} の人がすでに {n} 人予約しています。上限をそれより小さくはできません。"
            ),
            Language::En => format!(
                "{institution}'s people already hold {n} places: the quota cannot be below that."
            ),
        }
    }
}
