//! Applying a planned file: every change with its audit entry, in one
//! transaction.

use super::{FixAuditor, FixError, FixPlan, Planned};
use crate::bookings::Bookings;
use sesshu_domain::upload::UploadError;
use sesshu_domain::{AuditObject, Language, Series, SlotId};
use sesshu_store::{BatchOp, NewSeries, Reschedule, StoreError};

impl Bookings {
    /// audit entry, then one entry for the file. People of the built-in
    /// directory who never signed in are made from the roster first (as
    /// their first sign-in would).
    pub async fn apply_fixes(
        &self,
        plan: &FixPlan,
        lang: Language,
        auditor: &dyn FixAuditor,
    ) -> Result<Vec<Series>, FixError> {
        let mut ops = Vec::new();
        let mut lines = Vec::new();
        for fix in &plan.fixes {
            let why = format!("reason: {}; bulk fix line {}", fix.reason, fix.line);
            let op = match &fix.op {
                Planned::Nothing => continue,
                Planned::Move {
                    request,
                    institution,
                } => {
                    let objects = vec![
                        AuditObject::Series(request.series),
                        AuditObject::Slot(fix.slot.unwrap_or(SlotId::new(0))),
                        AuditObject::Institution(*institution),
                    ];
                    BatchOp::Move(Reschedule {
                        audit: Some(auditor.entry(fix.kind.action(), objects, why)),
                        now: self.now(),
                        ..request.clone()
                    })
                }
                Planned::Cancel {
                    series,
                    language,
                    institution,
                } => BatchOp::Cancel {
                    series: *series,
                    language: *language,
                    audit: auditor.entry(
                        fix.kind.action(),
                        vec![
                            AuditObject::Series(*series),
                            AuditObject::Institution(*institution),
                        ],
                        why,
                    ),
                },
                Planned::Book {
                    request,
                    new_person,
                    institution,
                } => {
                    let person = match new_person {
                        Some(login) => self.store().person_for_login(login).await?.id,
                        None => request.person,
                    };
                    let objects = vec![
                        AuditObject::Person(person),
                        AuditObject::Slot(fix.slot.unwrap_or(SlotId::new(0))),
                        AuditObject::Institution(*institution),
                    ];
                    BatchOp::Book(NewSeries {
                        person,
                        audit: Some(auditor.entry(fix.kind.action(), objects, why)),
                        now: self.now(),
                        ..request.clone()
                    })
                }
            };
            ops.push(op);
            lines.push(fix.line);
        }
        let (moved, cancelled, booked) = plan.counts();
        let summary = auditor.entry(
            sesshu_domain::AuditAction::ReservationsApply,
            Vec::new(),
            format!("moved {moved}, cancelled {cancelled}, booked {booked}"),
        );
        match self.store().apply_batch(&ops, &summary).await {
            Ok(done) => Ok(done),
            Err(StoreError::InBatch { index, source }) => {
                let line = lines.get(index).copied().unwrap_or_default();
                let message = match *source {
                    StoreError::Rejected(r) => r.message(lang).to_owned(),
                    other => return Err(other.into()),
                };
                Err(FixError::Invalid(vec![UploadError {
                    line,
                    column: None,
                    message,
                }]))
            }
            Err(e) => Err(e.into()),
        }
    }
}
