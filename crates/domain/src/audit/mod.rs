//! The audit trail: who did what to which objects, when, from where. Each
//! entry carries the hash of the one before, so altering or removing an
//! entry breaks the chain at that point.
//!
//! Personal data never goes into an entry: objects are internal ids and
//! codes (`person:12`, `institution:aoba`), details are counts.

mod object;

pub use object::AuditObject;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry records. The code is what the chain stores and hashes:
/// it never changes once written, so that existing chains still verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// A staff sign-in to the back office (password, LDAP or SAML).
    OfficeLogin,
    /// A person's personal data opened on a page (names, contact).
    PersonalView,
    AdminCreate,
    AdminUpdate,
    InstitutionCreate,
    InstitutionChange,
    /// An institution master file imported (CLI).
    InstitutionsImport,
    MembersImport,
    /// A member upload applied in part (the rows that passed).
    MembersImportPartial,
    SlotsCreate,
    SlotsImport,
    SlotChange,
    SlotDelete,
    SlotsDayQuotas,
    ReservationBook,
    ReservationMove,
    ReservationCancel,
    /// A file of reservation fixes applied (one entry for the whole file).
    ReservationsApply,
    CheckIn,
    /// A vaccine lot registered at a venue.
    LotRegister,
    /// A dose's questionnaire (予診票) collected, its answers sealed.
    DoseQuestionnaire,
    /// The doctor's decision on a dose.
    DoseDecision,
    /// A vaccination given.
    DoseVaccinate,
    /// A dose's record corrected (with the reason).
    DoseCorrect,
    /// A voucher (接種券) given or entered.
    VoucherGive,
    /// A voucher collected at the desk.
    VoucherCollect,
    /// The reservations of a day with no check-in cancelled (one entry for
    /// the batch, with the count).
    NoShowsCancel,
    /// The day's sheet uploaded back after working offline.
    SheetApply,
    MailSent,
    MailResend,
    ExportRecipients,
    ExportReservations,
    ExportPrefecture,
    /// The list of vaccinations whose voucher is missing, as a file.
    ExportMissingVouchers,
    /// The doses given in a period, as a file for the national Vaccination
    /// Record System (VRS); the doses it held are marked as exported.
    ExportVrs,
    /// The vaccinations of a period as a FHIR R4 bundle.
    ExportFhir,
    /// A dose received elsewhere, entered or corrected by the office.
    ElsewhereRecord,
    /// A dose received elsewhere (declared by its person) confirmed.
    ElsewhereConfirm,
    /// A dose received elsewhere, removed by the office.
    ElsewhereRemove,
    /// An institution's vaccination history imported from a file.
    ElsewhereImport,
    KeysRotate,
    /// An institution's retention set: its campaign's end day, its months.
    RetentionSet,
    /// An institution's personal data purged after its retention (one
    /// entry per institution, with the counts of each kind).
    RetentionPurge,
}

impl AuditAction {
    pub const ALL: [AuditAction; 43] = [
        AuditAction::OfficeLogin,
        AuditAction::PersonalView,
        AuditAction::AdminCreate,
        AuditAction::AdminUpdate,
        AuditAction::InstitutionCreate,
        AuditAction::InstitutionChange,
        AuditAction::InstitutionsImport,
        AuditAction::MembersImport,
        AuditAction::MembersImportPartial,
        AuditAction::SlotsCreate,
        AuditAction::SlotsImport,
        AuditAction::SlotChange,
        AuditAction::SlotDelete,
        AuditAction::SlotsDayQuotas,
        AuditAction::ReservationBook,
        AuditAction::ReservationMove,
        AuditAction::ReservationCancel,
        AuditAction::ReservationsApply,
        AuditAction::CheckIn,
        AuditAction::LotRegister,
        AuditAction::DoseQuestionnaire,
        AuditAction::DoseDecision,
        AuditAction::DoseVaccinate,
        AuditAction::DoseCorrect,
        AuditAction::VoucherGive,
        AuditAction::VoucherCollect,
        AuditAction::NoShowsCancel,
        AuditAction::SheetApply,
        AuditAction::MailSent,
        AuditAction::MailResend,
        AuditAction::ExportRecipients,
        AuditAction::ExportReservations,
        AuditAction::ExportPrefecture,
        AuditAction::ExportMissingVouchers,
        AuditAction::ExportVrs,
        AuditAction::ExportFhir,
        AuditAction::ElsewhereRecord,
        AuditAction::ElsewhereConfirm,
        AuditAction::ElsewhereRemove,
        AuditAction::ElsewhereImport,
        AuditAction::KeysRotate,
        AuditAction::RetentionSet,
        AuditAction::RetentionPurge,
    ];

    /// The code stored in the chain.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::OfficeLogin => "office.login",
            AuditAction::PersonalView => "personal.view",
            AuditAction::AdminCreate => "admin.create",
            AuditAction::AdminUpdate => "admin.update",
            AuditAction::InstitutionCreate => "institution.create",
            AuditAction::InstitutionChange => "institution.change",
            AuditAction::InstitutionsImport => "institutions.import",
            AuditAction::MembersImport => "members.import",
            AuditAction::MembersImportPartial => "members.import.partial",
            AuditAction::SlotsCreate => "slots.create",
            AuditAction::SlotsImport => "slots.import",
            AuditAction::SlotChange => "slot.change",
            AuditAction::SlotDelete => "slot.delete",
            AuditAction::SlotsDayQuotas => "slots.day_quotas",
            AuditAction::ReservationBook => "reservation.book",
            AuditAction::ReservationMove => "reservation.move",
            AuditAction::ReservationCancel => "reservation.cancel",
            AuditAction::ReservationsApply => "reservations.apply",
            AuditAction::CheckIn => "checkin",
            AuditAction::LotRegister => "lot.register",
            AuditAction::DoseQuestionnaire => "dose.questionnaire",
            AuditAction::DoseDecision => "dose.decision",
            AuditAction::DoseVaccinate => "dose.vaccinate",
            AuditAction::DoseCorrect => "dose.correct",
            AuditAction::VoucherGive => "voucher.give",
            AuditAction::VoucherCollect => "voucher.collect",
            AuditAction::NoShowsCancel => "noshows.cancel",
            AuditAction::SheetApply => "sheet.apply",
            AuditAction::MailSent => "mail.sent",
            AuditAction::MailResend => "mail.resend",
            AuditAction::ExportRecipients => "export.recipients",
            AuditAction::ExportReservations => "export.reservations",
            AuditAction::ExportPrefecture => "export.prefecture",
            AuditAction::ExportMissingVouchers => "export.missing_vouchers",
            AuditAction::ExportVrs => "export.vrs",
            AuditAction::ExportFhir => "export.fhir",
            AuditAction::ElsewhereRecord => "elsewhere.record",
            AuditAction::ElsewhereConfirm => "elsewhere.confirm",
            AuditAction::ElsewhereRemove => "elsewhere.remove",
            AuditAction::ElsewhereImport => "elsewhere.import",
            AuditAction::KeysRotate => "keys.rotate",
            AuditAction::RetentionSet => "retention.set",
            AuditAction::RetentionPurge => "retention.purge",
        }
    }

    /// The action of a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl PartialEq<&str> for AuditAction {
    fn eq(&self, other: &&str) -> bool {
        self.code() == *other
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// Who: an admin account (`admin:3`) or a command (`cli:root`).
    pub actor: String,
    pub role: String,
    /// What (stored as its code, e.g. `members.import`).
    pub action: AuditAction,
    /// Which objects, by id or code.
    pub objects: Vec<AuditObject>,
    /// A non-personal summary (counts).
    pub detail: String,
    /// Where from: an address, or `local`.
    pub origin: String,
}

/// An entry as stored, in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of entry `seq` after `prev`: SHA-256 over every field, each
/// length-prefixed so that no two entries encode alike.
pub fn chain_hash(prev: &str, seq: i64, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let mut put = |part: &[u8]| {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    };
    put(prev.as_bytes());
    put(&seq.to_be_bytes());
    put(&e.at.timestamp_micros().to_be_bytes());
    put(e.actor.as_bytes());
    put(e.role.as_bytes());
    put(e.action.code().as_bytes());
    put(&(e.objects.len() as u64).to_be_bytes());
    for object in &e.objects {
        put(object.to_string().as_bytes());
    }
    put(e.detail.as_bytes());
    put(e.origin.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the chain breaks, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the audit chain breaks at entry {seq}: {reason}")]
pub struct Broken {
    pub seq: i64,
    pub reason: &'static str,
}

/// Follows the chain, in `seq` order, and checks it ends at `head` (the last
/// `(seq, hash)` recorded apart, which catches a removed tail). Returns the
/// number of entries.
#[derive(Debug, Default)]
pub struct Verifier {
    expected_seq: i64,
    prev: Option<String>,
    count: u64,
}

impl Verifier {
    pub fn check(&mut self, record: &AuditRecord) -> Result<(), Broken> {
        let seq = self.expected_seq + 1;
        let broken = |reason| Err(Broken { seq, reason });
        if record.seq != seq {
            return broken("an entry is missing");
        }
        let prev = self.prev.as_deref().unwrap_or(GENESIS);
        if record.prev_hash != prev {
            return broken("it does not follow the entry before");
        }
        if chain_hash(prev, record.seq, &record.entry) != record.hash {
            return broken("it was altered");
        }
        self.expected_seq = seq;
        self.prev = Some(record.hash.clone());
        self.count += 1;
        Ok(())
    }

    pub fn finish(self, head: Option<(i64, String)>) -> Result<u64, Broken> {
        let last = self.prev.map(|h| (self.expected_seq, h));
        if last != head {
            return Err(Broken {
                seq: self.expected_seq + 1,
                reason: "the last entries are missing",
            });
        }
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(action: AuditAction) -> AuditEntry {
        AuditEntry {
            at: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
            actor: "admin:1".into(),
            role: "operator".into(),
            action,
            objects: vec![AuditObject::InstitutionCode(
                crate::InstitutionCode::parse("aoba").unwrap(),
            )],
            detail: String::new(),
            origin: "192.0.2.1".into(),
        }
    }

    fn chain(actions: &[AuditAction]) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_owned();
        actions
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let seq = i as i64 + 1;
                let hash = chain_hash(&prev, seq, &entry(*a));
                let record = AuditRecord {
                    seq,
                    entry: entry(*a),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                record
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: Option<(i64, String)>) -> Result<u64, Broken> {
        let mut v = Verifier::default();
        for r in records {
            v.check(r)?;
        }
        v.finish(head)
    }

    fn head(records: &[AuditRecord]) -> Option<(i64, String)> {
        records.last().map(|r| (r.seq, r.hash.clone()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(&[
            AuditAction::OfficeLogin,
            AuditAction::PersonalView,
            AuditAction::SlotChange,
        ]);
        assert_eq!(verify(&c, head(&c)), Ok(3));
        assert_eq!(verify(&[], None), Ok(0));
    }

    #[test]
    fn altering_removing_or_truncating_is_found_where_it_happened() {
        let c = chain(&[
            AuditAction::OfficeLogin,
            AuditAction::PersonalView,
            AuditAction::SlotChange,
            AuditAction::CheckIn,
        ]);
        let mut altered = c.clone();
        altered[1]
            .entry
            .objects
            .push(AuditObject::Person(crate::PersonId::new(9)));
        assert_eq!(verify(&altered, head(&c)).unwrap_err().seq, 2);

        let mut removed = c.clone();
        removed.remove(2);
        assert_eq!(verify(&removed, head(&c)).unwrap_err().seq, 3);

        let truncated = &c[..3];
        let error = verify(truncated, head(&c)).unwrap_err();
        assert_eq!(error.reason, "the last entries are missing");

        let mut rehashed = c.clone();
        rehashed[1].entry.action = AuditAction::KeysRotate;
        rehashed[1].hash = chain_hash(&rehashed[1].prev_hash, 2, &rehashed[1].entry);
        assert_eq!(
            verify(&rehashed, head(&c)).unwrap_err().seq,
            3,
            "a rewritten entry breaks the link to the next"
        );
    }

    #[test]
    fn every_action_keeps_the_code_chains_already_hold() {
        let codes: Vec<&str> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        let unique: std::collections::BTreeSet<&str> = codes.iter().copied().collect();
        assert_eq!(unique.len(), codes.len(), "two actions share a code");
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.code()), Some(action));
        }
        // Written by earlier releases: renaming one would break their chains.
        assert_eq!(AuditAction::OfficeLogin.code(), "office.login");
        assert_eq!(AuditAction::CheckIn.code(), "checkin");
        assert_eq!(
            AuditAction::MembersImportPartial.code(),
            "members.import.partial"
        );
        assert_eq!(
            AuditAction::parse("slot.change"),
            Some(AuditAction::SlotChange)
        );
        assert_eq!(AuditAction::parse("slot.changed"), None);
    }
}
