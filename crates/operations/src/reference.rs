//! What every office page reads: the venues and vaccines, the institutions
//! an account may act on, and the overview's counts.

use crate::{Actor, OperationError, Operations};
use sesshu_domain::{Catalog, Duty, Institution, InstitutionId, Scope};
use sesshu_store::OfficeCounts;

/// The venues, lanes and vaccines (nothing personal; every role reads them).
pub async fn catalog(ops: &Operations) -> Result<Catalog, OperationError> {
    Ok(ops.store().catalog().await?)
}

/// Every institution of the consortium (names and codes, for forms).
pub async fn institutions(ops: &Operations) -> Result<Vec<Institution>, OperationError> {
    Ok(ops.store().institutions().await?)
}

/// The institutions whose objects `actor` may do `duty` to.
pub async fn institutions_for(
    ops: &Operations,
    actor: &Actor,
    duty: Duty,
) -> Result<Vec<Institution>, OperationError> {
    Ok(institutions(ops)
        .await?
        .into_iter()
        .filter(|i| actor.may(duty, Scope::Institution(i.id)).is_ok())
        .collect())
}

/// One institution; [`OperationError::NotFound`] if there is none.
pub async fn institution(
    ops: &Operations,
    id: InstitutionId,
) -> Result<Institution, OperationError> {
    ops.store()
        .institution(id)
        .await?
        .ok_or(OperationError::NotFound)
}

/// What the overview shows to `actor`: the whole consortium, or the one
/// institution its role is tied to (with that institution).
pub async fn overview(
    ops: &Operations,
    actor: &Actor,
) -> Result<(Option<Institution>, OfficeCounts), OperationError> {
    actor.may(Duty::Overview, Scope::Any)?;
    let institution = match actor.role.institution() {
        None => None,
        Some(id) => Some(institution(ops, id).await?),
    };
    let counts = ops
        .store()
        .office_counts(institution.as_ref().map(|i| i.id), ops.now())
        .await?;
    Ok((institution, counts))
}
