//! A person's vaccination history as the office reads it: the doses given
//! here (in any of their reservations) and those received elsewhere, with
//! who declared, recorded or confirmed each.

use crate::reservations::read_failed;
use crate::{Actor, OperationError, Operations};
use sesshu_core::elsewhere::History;
use sesshu_domain::{Duty, Person, Scope};

/// The history of `person`, if `actor` may view their institution's
/// reservations (the caller found the person through a scoped lookup;
/// the scope is checked again here).
pub async fn of_person(
    ops: &Operations,
    actor: &Actor,
    person: &Person,
) -> Result<History, OperationError> {
    actor.may(
        Duty::ViewReservations,
        Scope::Institution(person.institution),
    )?;
    ops.bookings().history(person).await.map_err(read_failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use sesshu_domain::{Denied, InstitutionId, Role};

    #[tokio::test]
    async fn another_institutions_staff_read_no_history() {
        let office = fixture::office("history-other").await;
        let other = actor(Role::InstitutionStaff {
            institution: InstitutionId::new(office.institution.get() + 1),
        });
        let refused = of_person(&office.ops, &other, &office.person).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::NotFound))),
            "{refused:?}"
        );
        let own = actor(Role::InstitutionStaff {
            institution: office.institution,
        });
        let history = of_person(&office.ops, &own, &office.person).await.unwrap();
        assert_eq!(history, History::default());
    }
}
