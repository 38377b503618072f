//! The export: a period's summary, the file of its doses given, and the doses marked as exported.

use super::cells::{Row, Shown};
use super::layout::VrsColumns;
use crate::export::{self, Encoding, Unmappable};
use crate::lists::{Names, Period};
use crate::{Actor, OperationError, Operations, personal};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    AuditAction, AuditObject, DoseNumber, Duty, InstitutionId, Person, ReservationNumber, Scope,
    SeriesId, Voucher, day_start,
};
use sesshu_store::RegisteredDose;
use sesshu_vault::{Field, Owner};
use sesshu_vault_open::Keyring;
use std::collections::BTreeMap;
use std::fmt;

/// A dose given whose voucher was not collected: not in the file, to be
/// chased (the follow-up list, `/vouchers/missing`, has the names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithoutVoucher {
    pub number: ReservationNumber,
    pub dose: DoseNumber,
    /// When it was given.
    pub at: DateTime<Utc>,
    pub institution: InstitutionId,
}

/// What a period holds for VRS, before anything is opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrsSummary {
    /// Doses given with their voucher collected, never handed to VRS.
    pub new: usize,
    /// Doses given with their voucher collected, handed to VRS before.
    pub exported_before: usize,
    pub without_voucher: Vec<WithoutVoucher>,
}

impl VrsSummary {
    /// The rows a file would have.
    pub fn rows(&self, only_new: bool) -> usize {
        if only_new {
            self.new
        } else {
            self.new + self.exported_before
        }
    }
}

/// Which file: the period's doses, all of them or only those never
/// handed to VRS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VrsRequest {
    pub period: Period,
    pub only_new: bool,
}

/// The file handed out. Its bytes hold personal data: never logged.
#[derive(Clone)]
pub struct VrsFile {
    pub bytes: Vec<u8>,
    pub encoding: Encoding,
    /// The rows written (each now marked as exported).
    pub rows: usize,
    /// Of the doses that could be exported, how many had been before: in
    /// the file again, or left out with `only_new`.
    pub exported_before: usize,
    pub without_voucher: Vec<WithoutVoucher>,
}

impl fmt::Debug for VrsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VrsFile")
            .field("encoding", &self.encoding)
            .field("rows", &self.rows)
            .field("exported_before", &self.exported_before)
            .field("without_voucher", &self.without_voucher.len())
            .finish_non_exhaustive()
    }
}

/// How an export ended.
#[derive(Debug)]
pub enum VrsExported {
    /// The file, its rows marked and the export audited.
    File(VrsFile),
    /// The layout asks for Shift_JIS and these cells cannot be written in
    /// it: nothing was marked, nothing handed out.
    Unmappable(Vec<Unmappable>),
}

/// The period's doses given, split: those with their voucher collected
/// (in time order) and those without.
async fn doses(
    ops: &Operations,
    period: Period,
) -> Result<(Vec<RegisteredDose>, Vec<WithoutVoucher>), OperationError> {
    let (from, to) = (period.from(), period.to());
    let registered = ops
        .store()
        .registered_doses(
            day_start(from),
            day_start(to.succ_opt().unwrap_or(to)),
            None,
        )
        .await?;
    let mut collected = Vec::new();
    let mut without = Vec::new();
    for dose in registered {
        let Some((given, _, _)) = &dose.given else {
            continue;
        };
        if dose.voucher_collected {
            collected.push(dose);
        } else {
            without.push(WithoutVoucher {
                number: dose.number.clone(),
                dose: dose.dose,
                at: given.at,
                institution: dose.institution,
            });
        }
    }
    Ok((collected, without))
}

/// The counts of the period and its doses without a collected voucher
/// (no names, nothing opened).
pub async fn summary(
    ops: &Operations,
    actor: &Actor,
    period: Period,
) -> Result<VrsSummary, OperationError> {
    actor.may(Duty::VrsExport, Scope::Any)?;
    let (collected, without_voucher) = doses(ops, period).await?;
    let exported_before = collected
        .iter()
        .filter(|d| d.vrs_exported.is_some())
        .count();
    Ok(VrsSummary {
        new: collected.len() - exported_before,
        exported_before,
        without_voucher,
    })
}

/// The VRS file of `request`'s period in `layout`: one row per dose given
/// with its voucher collected (with `only_new`, only those never handed to
/// VRS), in time order. The names the layout asks for are opened with one
/// `personal.view` entry, the vouchers with another, each written before
/// anything is opened; then the rows are marked as exported and the
/// `export.vrs` entry written, in one transaction.
pub async fn export(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    layout: &VrsColumns,
    request: VrsRequest,
) -> Result<VrsExported, OperationError> {
    actor.may(Duty::VrsExport, Scope::Any)?;
    let VrsRequest { period, only_new } = request;
    let objects = vec![AuditObject::Period(period.from(), period.to())];
    let (collected, without_voucher) = doses(ops, period).await?;
    let exported_before = collected
        .iter()
        .filter(|d| d.vrs_exported.is_some())
        .count();
    let chosen: Vec<RegisteredDose> = collected
        .into_iter()
        .filter(|d| !only_new || d.vrs_exported.is_none())
        .collect();

    let mut people = Vec::with_capacity(chosen.len());
    for dose in &chosen {
        people.push(
            ops.store()
                .person(dose.person)
                .await?
                .ok_or(OperationError::NotFound)?,
        );
    }
    let wanted = layout.name_fields();
    let opened = if wanted.is_empty() {
        vec![BTreeMap::new(); people.len()]
    } else {
        personal::open_list(
            ops,
            keys,
            actor,
            &people.iter().collect::<Vec<_>>(),
            &wanted,
            "vrs export",
            objects.clone(),
        )
        .await?
    };
    let vouchers = if layout.needs_voucher() {
        open_vouchers(ops, keys, actor, &chosen, &people, objects.clone()).await?
    } else {
        vec![None; chosen.len()]
    };
    let rows: Vec<Row> = chosen
        .into_iter()
        .zip(opened)
        .zip(vouchers)
        .map(|((dose, mut fields), voucher)| Row {
            dose,
            names: Names {
                kanji: fields.remove(&Field::NameKanji).unwrap_or_default(),
                kana: fields.remove(&Field::NameKana).unwrap_or_default(),
                roman: fields.remove(&Field::NameRoman).unwrap_or_default(),
            },
            voucher,
        })
        .collect();

    let shown = Shown {
        catalog: &crate::reference::catalog(ops).await?,
        institutions: &crate::reference::institutions(ops).await?,
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            layout
                .columns
                .iter()
                .map(|c| shown.cell(&c.cell, row))
                .collect()
        })
        .collect();
    let bytes = match export::csv(&layout.headers(), &cells, layout.encoding) {
        Ok(bytes) => bytes,
        Err(unmappable) => return Ok(VrsExported::Unmappable(unmappable)),
    };
    let marked: Vec<(SeriesId, DoseNumber)> =
        rows.iter().map(|r| (r.dose.series, r.dose.dose)).collect();
    let entry = actor.entry(
        ops.now(),
        AuditAction::ExportVrs,
        objects,
        format!(
            "{} rows, {} without voucher, {}, {}",
            rows.len(),
            without_voucher.len(),
            layout.encoding.code(),
            if only_new { "only new" } else { "all" }
        ),
    );
    ops.store()
        .mark_vrs_exported(&marked, ops.now(), &entry)
        .await?;
    Ok(VrsExported::File(VrsFile {
        bytes,
        encoding: layout.encoding,
        rows: rows.len(),
        exported_before,
        without_voucher,
    }))
}

/// The vouchers of `doses` (each of `people`'s), opened after one
/// `personal.view` entry for all of them. A collected voucher always has
/// its number; one that does not open with the configured keys stops the
/// export (a row without its voucher would be refused by VRS, and the key
/// is the operator's to fix, not the person's).
async fn open_vouchers(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    doses: &[RegisteredDose],
    people: &[Person],
    objects: Vec<AuditObject>,
) -> Result<Vec<Option<Voucher>>, OperationError> {
    let entry = actor.entry(
        ops.now(),
        AuditAction::PersonalView,
        objects,
        format!("vrs export: {} doses: voucher", doses.len()),
    );
    ops.store().audit(&entry).await?;
    let mut vouchers = Vec::with_capacity(doses.len());
    for (dose, person) in doses.iter().zip(people) {
        let Some(sealed) = ops
            .store()
            .dose_data(dose.series, dose.dose, Field::Voucher)
            .await?
        else {
            tracing::error!(series = %dose.series, dose = dose.dose.get(), "a collected voucher has no number");
            return Err(OperationError::Unopenable);
        };
        let login = ops
            .store()
            .person_subject(person.id)
            .await?
            .ok_or(OperationError::NotFound)?;
        let owner = Owner::login(person.institution.get(), login.as_str())
            .dose(dose.number.compact(), dose.dose.get());
        let text = keys.open(&owner, Field::Voucher, &sealed).map_err(|e| {
            // Which dose and key, never the owner or the value.
            tracing::error!(series = %dose.series, dose = dose.dose.get(), key = %sealed.key_id, error = %e, "a voucher does not open");
            OperationError::Unopenable
        })?;
        let voucher = Voucher::from_text(&text).map_err(|e| {
            tracing::error!(series = %dose.series, dose = dose.dose.get(), error = %e, "a sealed voucher does not read back");
            OperationError::Unopenable
        })?;
        vouchers.push(Some(voucher));
    }
    Ok(vouchers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{actor, empty_office};
    use chrono::NaiveDate;
    use sesshu_domain::{Denied, Role, VenueId};

    #[tokio::test]
    async fn only_operators_and_system_administrators_export_and_nothing_is_audited_otherwise() {
        let ops = empty_office("vrs-denied").await;
        let period = Period::new(
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        )
        .unwrap();
        let request = VrsRequest {
            period,
            only_new: false,
        };
        for role in [
            Role::VenueStaff {
                venue: VenueId::new(1),
            },
            Role::InstitutionStaff {
                institution: InstitutionId::new(1),
            },
        ] {
            let staff = actor(role);
            let denied = export(
                &ops,
                &Keyring::default(),
                &staff,
                &VrsColumns::standard(),
                request,
            )
            .await;
            assert!(
                matches!(denied, Err(OperationError::Denied(Denied::Forbidden))),
                "{denied:?}"
            );
            assert!(summary(&ops, &staff, period).await.is_err());
        }
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_cell_shift_jis_cannot_hold_stops_the_export_before_anything_is_marked() {
        let ops = empty_office("vrs-unmappable").await;
        let layout = VrsColumns::parse(
            "encoding = \"cp932\"\n[[column]]\nheader = \"𠮷\"\nvalue = \"number\"\n",
        )
        .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let request = VrsRequest {
            period: Period::new(day, day).unwrap(),
            only_new: false,
        };
        let refused = export(
            &ops,
            &Keyring::default(),
            &actor(Role::Operator),
            &layout,
            request,
        )
        .await
        .unwrap();
        let VrsExported::Unmappable(cells) = refused else {
            panic!("{refused:?}");
        };
        assert_eq!(
            cells,
            [Unmappable {
                row: 1,
                column: 1,
                characters: "𠮷".into()
            }]
        );
        assert_eq!(
            ops.store().audit_head().await.unwrap(),
            None,
            "no export written"
        );
    }

    #[tokio::test]
    async fn an_empty_period_is_still_an_audited_export_with_its_header() {
        let ops = empty_office("vrs-empty").await;
        let operator = actor(Role::Operator);
        let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let request = VrsRequest {
            period: Period::new(day, day).unwrap(),
            only_new: true,
        };
        let VrsExported::File(file) = export(
            &ops,
            &Keyring::default(),
            &operator,
            &VrsColumns::standard(),
            request,
        )
        .await
        .unwrap() else {
            panic!("no cell to refuse");
        };
        assert_eq!(file.rows, 0);
        let header = VrsColumns::standard().headers().join(",");
        assert_eq!(file.bytes, format!("\u{feff}{header}\r\n").into_bytes());
        let trail = ops.store().audit_latest(None, 10).await.unwrap();
        let entries: Vec<_> = trail
            .iter()
            .map(|r| (r.entry.action, r.entry.detail.as_str()))
            .collect();
        assert_eq!(
            entries,
            [
                (
                    AuditAction::ExportVrs,
                    "0 rows, 0 without voucher, utf8, only new"
                ),
                (AuditAction::PersonalView, "vrs export: 0 doses: voucher"),
            ]
        );
        assert_eq!(
            trail[0].entry.objects,
            [AuditObject::Period(day, day)],
            "the period is named"
        );
    }
}
