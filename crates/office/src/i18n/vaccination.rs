//! The back office's texts for the vaccination day after the check-in (a
//! dose's questionnaire, decision, vaccination and correction; the lot
//! register): each line is `key: ("日本語", "English")`.

macro_rules! vaccination {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            step_questionnaire: ("予診票", "Questionnaire"),
            step_decision: ("医師の判断", "Doctor's decision"),
            step_vaccination: ("接種", "Vaccination"),
            step_done: ("完了", "Done"),
            next_step: ("次の手順", "Next step"),
            record_checked_in: ("受付", "Checked in"),
            record_questionnaire: ("予診票の回収", "Questionnaire collected"),
            record_decision: ("判断", "Decision"),
            record_vaccinated: ("接種", "Vaccinated"),
            record_not_yet: ("未", "Not yet"),
            record_back: ("受付画面へ戻る", "Back to the desk"),
            q_intro: ("予診票（紙）の体温と、医師の確認が必要な項目の回答を転記します。用紙は予診票の原本として保管します。", "Copy the temperature and the answers a doctor must look at from the paper questionnaire; the paper stays the record of the full form."),
            q_temperature: ("体温（℃）", "Temperature (°C)"),
            q_yes: ("はい", "Yes"),
            q_no: ("いいえ", "No"),
            q_collected: ("予診票（用紙）を回収した", "The paper questionnaire was collected"),
            q_button: ("予診票を記録する", "Record the questionnaire"),
            q_answers: ("予診票の回答", "Questionnaire answers"),
            q_answered_yes: ("「はい」の項目", "Answered yes"),
            q_for_doctor: ("医師の確認が必要です（37.5℃以上の発熱、または「はい」の項目があります）。", "For the doctor: a fever of 37.5 °C or more, or an item answered yes."),
            q_no_concern: ("発熱なし、「はい」の項目なし。", "No fever, no item answered yes."),
            concern_unwell_today: ("今日、体に具合の悪いところがある", "Feels unwell today"),
            concern_under_treatment: ("現在、何らかの病気で治療（投薬など）を受けている", "Under treatment (medication, etc.) for an illness"),
            concern_severe_allergy: ("薬や食品などで、重いアレルギー症状（アナフィラキシーなど）を起こしたことがある", "Has had a severe allergic reaction (anaphylaxis, etc.) to a medicine or food"),
            concern_earlier_reaction: ("以前の予防接種で具合が悪くなったことがある", "Felt unwell after an earlier vaccination"),
            concern_other_vaccine_recently: ("2週間以内に他の予防接種を受けた", "Had another vaccination within two weeks"),
            concern_pregnant: ("妊娠している、または可能性がある", "Is or may be pregnant"),
            concern_bleeding: ("血が止まりにくい病気がある、または抗凝固薬を飲んでいる", "Has a bleeding disorder or takes anticoagulants"),
            concern_seizures: ("けいれんを起こしたことがある", "Has had seizures"),
            decision_vaccinate: ("接種する", "Vaccinate"),
            decision_postpone: ("延期する", "Postpone"),
            decision_contraindicated: ("接種しない：禁忌", "Not vaccinated: contraindicated"),
            decision_refused: ("接種しない：本人の辞退", "Not vaccinated: refused"),
            decision_unwell: ("接種しない：体調不良", "Not vaccinated: unwell"),
            decision_reason: ("理由（延期のときは必須。次の予約のために、いつまで・なぜ）", "Reason (required to postpone: until when and why, for the next appointment)"),
            decision_button: ("判断を記録する", "Record the decision"),
            v_at: ("接種日時（日本時間）", "Time given (Tokyo)"),
            v_vaccine: ("ワクチン", "Vaccine"),
            v_lot: ("ロット番号", "Lot"),
            v_given_by: ("接種者（医師・看護師の氏名または職員番号）", "Given by (name or staff code)"),
            v_site: ("接種部位", "Site"),
            site_left_arm: ("左腕", "Left arm"),
            site_right_arm: ("右腕", "Right arm"),
            v_button: ("接種を記録する", "Record the vaccination"),
            v_no_lots: ("この会場には、本日このワクチンに使えるロットが登録されていません。", "No lot of this vaccine that gives a dose today is registered at this venue."),
            v_lot_choice: ("ロットを選んでください", "Choose a lot"),
            done_questionnaire: ("予診票を記録しました。", "The questionnaire was recorded."),
            done_decision: ("判断を記録しました。", "The decision was recorded."),
            done_vaccinated: ("接種を記録しました。", "The vaccination was recorded."),
            done_corrected: ("記録を訂正しました。", "The record was corrected."),
            done_all: ("この回の記録は完了しています。", "This dose's record is complete."),
            postponed_first: ("1回目を延期しました。予約は取り消され、2回目の枠も解放されました。本人には再予約の案内をメールで送ります。", "Dose 1 was postponed: the reservation is cancelled and its second dose's place released. The person is mailed how to book again."),
            postponed_second: ("2回目を延期しました。本人にメールで案内します。日時の変更は事務局が行います。", "Dose 2 was postponed: the person is mailed, and the office moves the appointment."),
            not_vaccinated: ("接種しないと記録しました。この予約は終了し、本人にメールで案内します。", "Recorded as not vaccinated: the reservation ends, and the person is mailed."),
            rebook_link: ("この人の予約を事務局で取り直す", "Book again for this person (office)"),
            rebook_login: ("ログインID", "Login ID"),
            move_link: ("この予約の日時を変更する", "Move this reservation"),
            correct_title: ("記録の訂正", "Correct the record"),
            correct_intro: ("誤った判断や接種の記録を正しい内容に置き換えます。訂正前の内容と理由は監査ログに残り、記録は削除されません。判断で取り消された予約は取り消されたままです。", "Replace a wrong decision or vaccination with the right one. What it was and the reason stay in the audit trail; nothing is deleted. A reservation a decision cancelled stays cancelled."),
            correct_no_decision: ("（判断なし）", "(no decision)"),
            correct_no_vaccination: ("（接種なし）", "(not vaccinated)"),
            correct_reason: ("訂正の理由（必須）", "Reason for the correction (required)"),
            correct_button: ("訂正する", "Correct"),
            refused_not_checked_in: ("まだ受付されていません。先に受付してください。", "Not checked in yet: check in first."),
            refused_not_active: ("この予約は有効ではありません（取り消し済み）。", "This reservation is no longer active (cancelled)."),
            refused_no_questionnaire: ("先に予診票を記録してください。", "Record the questionnaire first."),
            refused_already_decided: ("判断はすでに記録されています。変えるときは「記録の訂正」を使ってください。", "A decision was recorded already: to change it, use “Correct the record”."),
            refused_not_to_vaccinate: ("判断が「接種する」ではないため、接種は記録できません。", "The decision was not to vaccinate: no vaccination can be recorded."),
            refused_already_vaccinated: ("接種はすでに記録されています。変えるときは「記録の訂正」を使ってください。", "The vaccination was recorded already: to change it, use “Correct the record”."),
            refused_reason_missing: ("延期には理由が必要です。", "A postponement needs its reason."),
            refused_given_by_missing: ("接種者を入力してください。", "Enter who gave the vaccine."),
            refused_lot_expired: ("このロットは有効期限が切れています。接種に使えません。", "This lot has expired: it gives no dose."),
            refused_lot_empty: ("このロットは残りがありません。", "This lot has no dose left."),
            refused_lot_other_vaccine: ("このロットは別のワクチンのものです。", "This lot is of another vaccine."),
            refused_lot_other_venue: ("このロットは別の会場に登録されています。", "This lot is registered at another venue."),
            refused_duplicate_lot: ("このロット番号はこの会場にすでに登録されています。", "This lot number is registered at this venue already."),
            error_temperature: ("体温を 35.0〜42.0 の数値で入力してください（例：36.5）。", "Enter the temperature between 35.0 and 42.0 (such as 36.5)."),
            error_answers: ("すべての項目に「はい」か「いいえ」で答えてください。", "Answer every item yes or no."),
            error_collected: ("予診票を回収したことを確かめてください。", "Confirm that the questionnaire was collected."),
            error_decision: ("判断を選んでください。", "Choose a decision."),
            error_lot: ("ロットを選んでください。", "Choose a lot."),
            error_time: ("接種日時を入力してください。", "Enter the time given."),
            error_site: ("接種部位を選んでください。", "Choose the site."),
            error_reason: ("訂正の理由を入力してください。", "Enter the reason for the correction."),
            error_lot_number: ("ロット番号は英数字とハイフンで20文字以内です。", "A lot number is up to 20 letters, digits and hyphens."),
            error_expires: ("有効期限を日付で入力してください。", "Enter the expiry date."),
            error_doses: ("回数を 1〜100000 の数で入力してください。", "Enter the number of doses, 1 to 100000."),
            error_vaccine: ("ワクチンを選んでください。", "Choose a vaccine."),
            nav_lots: ("ロット", "Lots"),
            lots_title: ("ワクチンのロット", "Vaccine lots"),
            lots_intro: ("会場で使うワクチンのロット（ロット番号・製品・有効期限・回数）を登録します。有効期限を過ぎたロットと、残りのないロットは接種に使えません。", "Register the vaccine lots used at the venue (lot number, product, expiry, doses). A lot past its expiry date or with no dose left gives no dose."),
            lots_register: ("ロットを登録する", "Register a lot"),
            lots_show: ("表示", "Show"),
            lots_none: ("登録されたロットはありません。", "No lot is registered."),
            lot_number: ("ロット番号", "Lot number"),
            lot_expires: ("有効期限（この日まで使用可）", "Expires (last day of use)"),
            lot_expiry: ("期限", "expires"),
            lot_doses: ("回数", "Doses"),
            lot_used: ("使用済み", "Used"),
            lot_left: ("残り", "Left"),
            lot_state: ("状態", "State"),
            lot_usable: ("使用可", "In use"),
            lot_expired: ("期限切れ", "Expired"),
            lot_empty: ("使い切り", "Used up"),
            lot_button: ("登録する", "Register"),
            lot_registered: ("ロットを登録しました。", "The lot was registered."),
        }
    };
}

use sesshu_domain::{Concern, Decision, DoseRefusal, LotRefusal, Site};

use super::Texts;

impl Texts {
    /// An item of the questionnaire, as the paper form asks it.
    pub fn concern(&self, concern: Concern) -> &'static str {
        match concern {
            Concern::UnwellToday => self.concern_unwell_today,
            Concern::UnderTreatment => self.concern_under_treatment,
            Concern::SevereAllergy => self.concern_severe_allergy,
            Concern::EarlierReaction => self.concern_earlier_reaction,
            Concern::OtherVaccineRecently => self.concern_other_vaccine_recently,
            Concern::Pregnant => self.concern_pregnant,
            Concern::Bleeding => self.concern_bleeding,
            Concern::Seizures => self.concern_seizures,
        }
    }

    pub fn decision(&self, decision: Decision) -> &'static str {
        match decision {
            Decision::Vaccinate => self.decision_vaccinate,
            Decision::Postpone => self.decision_postpone,
            Decision::Contraindicated => self.decision_contraindicated,
            Decision::Refused => self.decision_refused,
            Decision::Unwell => self.decision_unwell,
        }
    }

    pub fn site(&self, site: Site) -> &'static str {
        match site {
            Site::LeftArm => self.site_left_arm,
            Site::RightArm => self.site_right_arm,
        }
    }

    /// Why a step of a dose (or a lot) was refused, as the form says it.
    pub fn dose_refusal(&self, refusal: DoseRefusal) -> &'static str {
        match refusal {
            DoseRefusal::NotCheckedIn => self.refused_not_checked_in,
            DoseRefusal::NotActive => self.refused_not_active,
            DoseRefusal::NoQuestionnaire => self.refused_no_questionnaire,
            DoseRefusal::AlreadyDecided => self.refused_already_decided,
            DoseRefusal::NotToVaccinate => self.refused_not_to_vaccinate,
            DoseRefusal::AlreadyVaccinated => self.refused_already_vaccinated,
            DoseRefusal::ReasonMissing => self.refused_reason_missing,
            DoseRefusal::GivenByMissing => self.refused_given_by_missing,
            DoseRefusal::Lot(LotRefusal::Expired) => self.refused_lot_expired,
            DoseRefusal::Lot(LotRefusal::Empty) => self.refused_lot_empty,
            DoseRefusal::Lot(LotRefusal::OtherVaccine) => self.refused_lot_other_vaccine,
            DoseRefusal::Lot(LotRefusal::OtherVenue) => self.refused_lot_other_venue,
            DoseRefusal::DuplicateLot => self.refused_duplicate_lot,
        }
    }
}
