//! The back office's texts for the vaccination rates' dashboards (接種率):
//! each line is `key: ("日本語", "English")`. The column titles are the
//! page's and the CSV files' headers alike ([`Texts::rates_header`]).

macro_rules! rates {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            nav_rates: ("接種率", "Vaccination rates"),
            rates_home_link: ("接種率のダッシュボード（機関別・部局別・日別、リアルタイム）", "The vaccination rates' dashboards (per institution, department and day, live)"),
            rates_title: ("接種率", "Vaccination rates"),
            rates_intro: ("予約・受付・接種の記録から数えた集計です（個人は表示しません）。このページは数秒ごとに自動で更新されます（JavaScript が無効なときは再読み込みしてください）。各表は CSV でダウンロードできます。", "Counts from the records of reservations, check-ins and vaccinations (no person is shown). The page updates itself every few seconds (without JavaScript, reload it). Each table can be downloaded as CSV."),
            rates_all: ("すべての機関", "All institutions"),
            rates_day_label: ("予約枠の日", "Day of the slots"),
            rates_show: ("表示", "Show"),
            rates_counted_at: ("集計時刻", "Counted at"),
            rates_live_stopped: ("自動更新が止まりました。ページを再読み込みしてください。", "Live updates stopped: reload the page."),
            rates_csv_utf8: ("CSV（UTF-8）", "CSV (UTF-8)"),
            rates_csv_sjis: ("CSV（Shift_JIS）", "CSV (Shift_JIS)"),
            rates_total: ("合計", "Total"),
            rates_none: ("まだありません。", "None yet."),
            rates_unknown_type: ("不明", "Unknown"),
            rates_population_roster: ("名簿", "Roster"),
            rates_population_logins: ("ログイン実績", "Logins seen"),
            rates_no_department: ("（部局なし）", "(no department)"),
            rates_closed: ("締切", "closed"),
            rates_col_institution: ("機関", "Institution"),
            rates_col_user_type: ("利用者区分", "User type"),
            rates_col_population: ("母数", "Counted from"),
            rates_col_members: ("対象者", "Members"),
            rates_col_reserved: ("予約中", "Reserved"),
            rates_col_first: ("1回目接種済", "Dose 1"),
            rates_col_second: ("2回目接種済", "Dose 2"),
            rates_col_completed: ("接種完了", "Fully vaccinated"),
            rates_col_rate: ("接種率（%）", "Rate (%)"),
            rates_col_department_code: ("部局コード", "Department code"),
            rates_col_department: ("部局", "Department"),
            rates_col_roster: ("名簿の人数", "On the roster"),
            rates_col_eligible: ("接種対象者", "Eligible"),
            rates_col_here: ("当会場で接種完了", "Vaccinated here"),
            rates_col_elsewhere: ("他所で接種完了", "Vaccinated elsewhere"),
            rates_col_confirmed: ("うち確認済み", "Of which confirmed"),
            rates_col_day: ("日付", "Day"),
            rates_col_slots: ("枠数", "Slots"),
            rates_col_places: ("定員", "Places"),
            rates_col_booked: ("予約済み", "Booked"),
            rates_col_free: ("空き", "Free"),
            rates_col_checked_in: ("受付済み", "Checked in"),
            rates_col_no_shows: ("未接種で取消", "No-shows"),
            rates_col_not_checked_in: ("未受付（開始済み）", "Not checked in (started)"),
            rates_col_time: ("時刻", "Time"),
            rates_col_venue: ("会場", "Venue"),
            rates_col_lane: ("レーン", "Lane"),
            rates_col_dose: ("回", "Dose"),
            rates_col_bookings: ("予約（申込）", "Bookings made"),
            rates_col_given: ("接種", "Doses given"),
            rates_col_vaccinated: ("接種回数", "Doses given"),
            rates_col_collected: ("接種券回収済み", "Vouchers collected"),
            rates_col_missing: ("接種券未回収", "Vouchers missing"),
            rates_col_missing_given: ("うち番号提出済み", "Of which number given"),
            rates_col_collected_rate: ("回収率（%）", "Collected (%)"),
            rates_members_title: ("機関・利用者区分別", "Per institution and user type"),
            rates_members_rule: ("対象者：名簿のある機関は名簿の有効な人、ない機関はログインしたことのある人。予約中：有効な予約がある人。1回目・2回目：当会場での接種と他所での接種（申告・事務局登録・取込、確認の有無を問わず）を1人1回として数えます（2回目があれば1回目も済み）。接種完了：2回目、または1回接種のワクチンの接種。接種率＝接種完了÷対象者。", "Members: the roster's enabled members where the institution has a roster, else the people who have logged in. Reserved: with an active reservation. Dose 1 and 2: given here or recorded elsewhere (declared, entered or imported, confirmed or not), once per person (a second dose implies the first). Fully vaccinated: a second dose, or the one dose of a single-dose vaccine. Rate = fully vaccinated ÷ members."),
            rates_members_chart: ("機関・利用者区分別の接種率", "Vaccination rate per institution and user type"),
            rates_departments_title: ("部局別（名簿のある機関）", "Per department (institutions with a roster)"),
            rates_departments_rule: ("接種対象者：名簿の有効な人のうち、機関が接種対象とする利用者区分の人。当会場で接種完了：最後の回を当会場で受けた人。他所で接種完了：他所での2回目の記録がある人（当会場分を除く）。接種率＝（当会場＋他所）÷接種対象者。", "Eligible: the roster's enabled members of a user type the institution admits. Vaccinated here: fully vaccinated, the last dose given here. Vaccinated elsewhere: a second dose recorded elsewhere (and not fully vaccinated here). Rate = (here + elsewhere) ÷ eligible."),
            rates_departments_chart: ("部局別の接種率", "Vaccination rate per department"),
            rates_days_title: ("日別の予約枠", "Slots per day"),
            rates_days_rule: ("定員・予約済み・空きは予約枠の数（空きは全機関共通。締切の枠は空きなし）。機関を選ぶと予約済み・受付済み・取消・未受付はその機関の人の数です。未接種で取消：未接種者予約取消で取り消された予約の、受付のない回。未受付：開始した枠の有効な予約で、まだ受付のない回。", "Places, booked and free are the slots' (free places are shared by every institution; a closed slot has none). With an institution chosen, booked, checked in, no-shows and not checked in count its people. No-shows: doses not checked in of reservations the no-show cancellation cancelled. Not checked in: doses of active reservations whose slot has started, not checked in yet."),
            rates_days_chart: ("日別の予約済み／定員", "Booked of places per day"),
            rates_slots_title: ("予約枠別", "Per slot"),
            rates_slots_chart: ("予約枠別の予約済み／定員", "Booked of places per slot"),
            rates_no_slots: ("この日の予約枠はありません。", "No slots that day."),
            rates_campaign_title: ("日ごとの予約と接種", "Bookings and vaccinations day by day"),
            rates_campaign_rule: ("予約：その日に申し込まれた予約（後で取り消されたものを含む）。接種：その日に当会場で接種した回数。", "Bookings made: reservations made that day (cancelled later or not). Doses given: doses given here that day."),
            rates_campaign_chart: ("日ごとの予約（棒）と接種（線）", "Bookings made (columns) and doses given (line) per day"),
            rates_vouchers_title: ("接種券の回収（機関別）", "Vouchers per institution"),
            rates_vouchers_rule: ("当会場で接種した回のうち、接種券を回収した回と未回収の回（未回収一覧の行数と同じ）。番号提出済み：番号はオンラインまたは受付で登録済みで、用紙が未回収。", "Doses given here whose voucher was collected, and those whose voucher is missing (the lines of the missing-vouchers list). Number given: the number is on file (online or at the desk), the paper is missing."),
            rates_vouchers_chart: ("機関別の接種券回収率", "Vouchers collected per institution"),
            rates_missing_link: ("接種券が未回収の接種の一覧", "The vaccinations whose voucher is missing"),
        }
    };
}

use super::Texts;
use sesshu_domain::Language;
use sesshu_operations::rates::{Population, Rate, Table};

impl Texts {
    /// The columns of `table`: the page's titles and the CSV's header.
    pub fn rates_header(&self, table: Table) -> Vec<&'static str> {
        match table {
            Table::Members => vec![
                self.rates_col_institution,
                self.rates_col_user_type,
                self.rates_col_population,
                self.rates_col_members,
                self.rates_col_reserved,
                self.rates_col_first,
                self.rates_col_second,
                self.rates_col_completed,
                self.rates_col_rate,
            ],
            Table::Departments => vec![
                self.rates_col_institution,
                self.rates_col_department_code,
                self.rates_col_department,
                self.rates_col_roster,
                self.rates_col_eligible,
                self.rates_col_here,
                self.rates_col_elsewhere,
                self.rates_col_confirmed,
                self.rates_col_rate,
            ],
            Table::Days => vec![
                self.rates_col_day,
                self.rates_col_slots,
                self.rates_col_places,
                self.rates_col_booked,
                self.rates_col_free,
                self.rates_col_checked_in,
                self.rates_col_no_shows,
                self.rates_col_not_checked_in,
            ],
            Table::Slots => vec![
                self.rates_col_day,
                self.rates_col_time,
                self.rates_col_venue,
                self.rates_col_lane,
                self.rates_col_dose,
                self.rates_col_places,
                self.rates_col_booked,
                self.rates_col_free,
                self.rates_col_checked_in,
                self.rates_col_no_shows,
                self.rates_col_not_checked_in,
            ],
            Table::Campaign => vec![
                self.rates_col_day,
                self.rates_col_bookings,
                self.rates_col_given,
            ],
            Table::Vouchers => vec![
                self.rates_col_institution,
                self.rates_col_vaccinated,
                self.rates_col_collected,
                self.rates_col_missing,
                self.rates_col_missing_given,
                self.rates_col_collected_rate,
            ],
        }
    }

    pub fn rates_population(&self, population: Population) -> &'static str {
        match population {
            Population::Roster => self.rates_population_roster,
            Population::Logins => self.rates_population_logins,
        }
    }

    /// `81.5%`, or `-` of nothing.
    pub fn rates_percent(&self, rate: Rate) -> String {
        match rate.tenths() {
            Some(_) => format!("{}%", rate.percent()),
            None => "-".to_owned(),
        }
    }

    /// `12 / 40` (the same in both languages).
    pub fn rates_of(&self, part: u64, whole: u64) -> String {
        format!("{part} / {whole}")
    }

    /// 「2回目」, "dose 2".
    pub fn rates_dose(&self, dose: u8) -> String {
        match self.lang {
            Language::Ja => format!("{dose}回目"),
            Language::En => format!("dose {dose}"),
        }
    }
}
