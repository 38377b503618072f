//! The back office's people: administrator accounts, their roles, and what
//! each role may do to which objects.
//!
//! Every office route asks [`Role::may`] about the object it touches (an
//! institution's reservation, a venue's check-in), never only about the
//! menu. An object outside the role's scope is answered as if it did not
//! exist ([`Denied::NotFound`]), so staff of one institution cannot even
//! learn which reservation numbers another one has.

use crate::{InstitutionId, ParseError, Subject, VenueId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

crate::ids::id!(
    /// An administrator account of the back office.
    AdminId
);

/// What an administrator is allowed to do, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Everything, including administrator accounts and login settings.
    SystemAdmin,
    /// Operator staff: every institution's data, no accounts.
    Operator,
    /// Staff of one institution: its members, reservations, lists, rates.
    InstitutionStaff { institution: InstitutionId },
    /// Staff at one venue: check-in only.
    VenueStaff { venue: VenueId },
}

/// The kinds of work an office page does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Duty {
    /// The home page's counts.
    Overview,
    /// Reading the audit trail.
    ReadAudit,
    /// Creating and changing administrator accounts.
    ManageAdmins,
    /// Looking up reservations and the personal data of their people.
    ViewReservations,
    /// Checking people in at a venue.
    CheckIn,
    /// The mail outbox: failed mails, sending again, the outbox folder.
    ManageMail,
    /// Registering and changing slots.
    ManageSlots,
    /// Changing or cancelling a reservation for its person, at any time.
    ChangeReservations,
    /// The prefecture's list of everyone vaccinated (operators).
    PrefectureList,
    /// Moving, cancelling and booking many reservations from one file
    /// (system administrators).
    BulkFixes,
    /// Uploading an institution's member roster, and its counts.
    ManageMembers,
    /// The institution master: names, contact, notices, consent, deadline,
    /// eligibility, attribute mapping.
    ManageInstitutions,
    /// An institution's login settings (system administrators).
    ManageLogins,
    /// The vaccination rates' dashboards and their files (aggregates, no
    /// person named).
    Rates,
    /// The file for the national Vaccination Record System (operators).
    VrsExport,
    /// Retention: the campaign's end and the months personal data is kept,
    /// and the purge after them (system administrators: it cannot be undone).
    Retention,
}

/// The object a duty is done to, as far as scope is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Nothing in particular (a list filtered by the role, a form).
    Any,
    Institution(InstitutionId),
    Venue(VenueId),
}

/// Why a role may not do something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The role never does this kind of work (403).
    #[error("this role may not do that")]
    Forbidden,
    /// The object is outside the role's scope: answered as absent (404).
    #[error("outside this role's scope")]
    NotFound,
}

impl Role {
    pub const CODES: [&'static str; 4] = [
        "system_admin",
        "operator",
        "institution_staff",
        "venue_staff",
    ];

    /// The stored and logged name of the role.
    pub fn code(&self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::Operator => "operator",
            Role::InstitutionStaff { .. } => "institution_staff",
            Role::VenueStaff { .. } => "venue_staff",
        }
    }

    /// Builds a role from its code and the scope it needs.
    pub fn from_parts(
        code: &str,
        institution: Option<InstitutionId>,
        venue: Option<VenueId>,
    ) -> Result<Self, ParseError> {
        let scoped =
            |what: &str| ParseError::new("role", format!("{code} needs {what} and nothing else"));
        match (code, institution, venue) {
            ("system_admin", None, None) => Ok(Role::SystemAdmin),
            ("operator", None, None) => Ok(Role::Operator),
            ("institution_staff", Some(institution), None) => {
                Ok(Role::InstitutionStaff { institution })
            }
            ("venue_staff", None, Some(venue)) => Ok(Role::VenueStaff { venue }),
            ("system_admin" | "operator", _, _) => Err(scoped("no institution or venue")),
            ("institution_staff", _, _) => Err(scoped("an institution")),
            ("venue_staff", _, _) => Err(scoped("a venue")),
            _ => Err(ParseError::new(
                "role",
                format!("unknown role {code:?}; expected one of {:?}", Role::CODES),
            )),
        }
    }

    pub fn institution(&self) -> Option<InstitutionId> {
        match self {
            Role::InstitutionStaff { institution } => Some(*institution),
            _ => None,
        }
    }

    pub fn venue(&self) -> Option<VenueId> {
        match self {
            Role::VenueStaff { venue } => Some(*venue),
            _ => None,
        }
    }

    /// Whether this role does `duty` on an object in `scope`.
    pub fn may(&self, duty: Duty, scope: Scope) -> Result<(), Denied> {
        use Duty::*;
        let does = match self {
            Role::SystemAdmin => true,
            Role::Operator => !matches!(duty, ManageAdmins | BulkFixes | ManageLogins | Retention),
            Role::InstitutionStaff { .. } => {
                matches!(
                    duty,
                    Overview | ViewReservations | ChangeReservations | ManageMembers | Rates
                )
            }
            Role::VenueStaff { .. } => duty == CheckIn,
        };
        if !does {
            return Err(Denied::Forbidden);
        }
        let within = match (self, scope) {
            (Role::SystemAdmin | Role::Operator, _) | (_, Scope::Any) => true,
            (Role::InstitutionStaff { institution }, Scope::Institution(of)) => *institution == of,
            (Role::VenueStaff { venue }, Scope::Venue(at)) => *venue == at,
            (Role::InstitutionStaff { .. }, Scope::Venue(_))
            | (Role::VenueStaff { .. }, Scope::Institution(_)) => false,
        };
        if within {
            Ok(())
        } else {
            Err(Denied::NotFound)
        }
    }
}

/// Where an administrator's password is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "directory", rename_all = "snake_case")]
pub enum StaffDirectory {
    /// Sesshu's own: an Argon2id hash on the account.
    Builtin,
    /// The directory people of this institution log in with (its LDAP
    /// server); the account names a login there.
    Institution { institution: InstitutionId },
}

impl StaffDirectory {
    /// The stored form: `builtin`, or the institution's id.
    pub fn key(&self) -> String {
        match self {
            StaffDirectory::Builtin => "builtin".to_owned(),
            StaffDirectory::Institution { institution } => institution.to_string(),
        }
    }

    pub fn from_key(key: &str) -> Result<Self, ParseError> {
        if key == "builtin" {
            return Ok(StaffDirectory::Builtin);
        }
        key.parse::<i64>()
            .map(|id| StaffDirectory::Institution {
                institution: InstitutionId::new(id),
            })
            .map_err(|_| {
                ParseError::new("staff directory", "expected builtin or an institution id")
            })
    }
}

/// The shortest password a built-in administrator account may have.
pub const ADMIN_PASSWORD_MIN_CHARS: usize = 12;

/// Whether an enabled system administrator is left if account `id` gets
/// `role` and `disabled` (nobody could manage accounts otherwise).
pub fn keeps_a_system_admin(
    accounts: &[AdminAccount],
    id: AdminId,
    role: &Role,
    disabled: bool,
) -> bool {
    accounts.iter().any(|a| {
        let (role, disabled) = if a.id == id {
            (role, disabled)
        } else {
            (&a.role, a.disabled)
        };
        *role == Role::SystemAdmin && !disabled
    })
}

/// An administrator account. No personal data: a login and a role.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminAccount {
    pub id: AdminId,
    pub directory: StaffDirectory,
    pub login: Subject,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl AdminAccount {
    /// How the audit trail names the account.
    pub fn actor(&self) -> String {
        format!("admin:{}", self.id)
    }
}

impl fmt::Debug for AdminAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminAccount")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: InstitutionId = InstitutionId::new(1);
    const B: InstitutionId = InstitutionId::new(2);
    const HALL: VenueId = VenueId::new(1);
    const GYM: VenueId = VenueId::new(2);

    const ALL_DUTIES: [Duty; 15] = [
        Duty::Overview,
        Duty::ReadAudit,
        Duty::ManageAdmins,
        Duty::ViewReservations,
        Duty::CheckIn,
        Duty::ManageMail,
        Duty::ManageSlots,
        Duty::ChangeReservations,
        Duty::PrefectureList,
        Duty::BulkFixes,
        Duty::ManageMembers,
        Duty::ManageInstitutions,
        Duty::ManageLogins,
        Duty::Rates,
        Duty::VrsExport,
    ];

    #[test]
    fn a_system_administrator_does_everything_everywhere() {
        for duty in ALL_DUTIES {
            for scope in [Scope::Any, Scope::Institution(B), Scope::Venue(GYM)] {
                assert_eq!(Role::SystemAdmin.may(duty, scope), Ok(()));
            }
        }
    }

    #[test]
    fn operators_do_everything_but_accounts_and_bulk_fixes() {
        assert_eq!(
            Role::Operator.may(Duty::ManageAdmins, Scope::Any),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            Role::Operator.may(Duty::BulkFixes, Scope::Any),
            Err(Denied::Forbidden),
            "システム管理者による予約修正"
        );
        assert_eq!(
            Role::Operator.may(Duty::ManageLogins, Scope::Any),
            Err(Denied::Forbidden),
            "login settings are the system administrators'"
        );
        assert_eq!(
            Role::Operator.may(Duty::ManageInstitutions, Scope::Any),
            Ok(())
        );
        assert_eq!(
            Role::Operator.may(Duty::ViewReservations, Scope::Institution(B)),
            Ok(())
        );
        assert_eq!(Role::Operator.may(Duty::ReadAudit, Scope::Any), Ok(()));
        assert_eq!(Role::Operator.may(Duty::ManageMail, Scope::Any), Ok(()));
    }

    #[test]
    fn institution_staff_see_only_their_institution() {
        let staff = Role::InstitutionStaff { institution: A };
        assert_eq!(
            staff.may(Duty::ViewReservations, Scope::Institution(A)),
            Ok(())
        );
        assert_eq!(
            staff.may(Duty::ViewReservations, Scope::Institution(B)),
            Err(Denied::NotFound)
        );
        assert_eq!(
            staff.may(Duty::ReadAudit, Scope::Any),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            staff.may(Duty::ManageAdmins, Scope::Any),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            staff.may(Duty::CheckIn, Scope::Venue(HALL)),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            staff.may(Duty::ManageMail, Scope::Any),
            Err(Denied::Forbidden),
            "the outbox holds every institution's mails"
        );
        assert_eq!(staff.may(Duty::Rates, Scope::Institution(A)), Ok(()));
        assert_eq!(
            staff.may(Duty::Rates, Scope::Institution(B)),
            Err(Denied::NotFound)
        );
        assert_eq!(
            staff.may(Duty::VrsExport, Scope::Any),
            Err(Denied::Forbidden),
            "VRS is registered by the venues' operator, with every voucher"
        );
    }

    #[test]
    fn venue_staff_only_check_in_at_their_venue() {
        let staff = Role::VenueStaff { venue: HALL };
        assert_eq!(staff.may(Duty::CheckIn, Scope::Venue(HALL)), Ok(()));
        assert_eq!(
            staff.may(Duty::CheckIn, Scope::Venue(GYM)),
            Err(Denied::NotFound)
        );
        for duty in ALL_DUTIES.into_iter().filter(|d| *d != Duty::CheckIn) {
            assert_eq!(staff.may(duty, Scope::Any), Err(Denied::Forbidden));
        }
    }

    #[test]
    fn a_role_is_built_only_with_the_scope_it_needs() {
        assert_eq!(
            Role::from_parts("institution_staff", Some(A), None),
            Ok(Role::InstitutionStaff { institution: A })
        );
        assert!(Role::from_parts("institution_staff", None, None).is_err());
        assert!(Role::from_parts("operator", Some(A), None).is_err());
        assert!(Role::from_parts("venue_staff", Some(A), Some(HALL)).is_err());
        assert!(Role::from_parts("root", None, None).is_err());
        for code in Role::CODES {
            let role = Role::from_parts(
                code,
                (code == "institution_staff").then_some(A),
                (code == "venue_staff").then_some(HALL),
            )
            .unwrap();
            assert_eq!(role.code(), code);
        }
    }

    fn account(id: i64, role: Role, disabled: bool) -> AdminAccount {
        AdminAccount {
            id: AdminId(id),
            directory: StaffDirectory::Builtin,
            login: Subject::parse(&format!("admin{id}")).unwrap(),
            role,
            disabled,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            last_login_at: None,
        }
    }

    #[test]
    fn the_last_enabled_system_administrator_cannot_be_demoted_or_disabled() {
        let accounts = [
            account(1, Role::SystemAdmin, false),
            account(2, Role::SystemAdmin, true),
            account(3, Role::Operator, false),
        ];
        assert!(!keeps_a_system_admin(
            &accounts,
            AdminId(1),
            &Role::Operator,
            false
        ));
        assert!(!keeps_a_system_admin(
            &accounts,
            AdminId(1),
            &Role::SystemAdmin,
            true
        ));
        assert!(keeps_a_system_admin(
            &accounts,
            AdminId(1),
            &Role::SystemAdmin,
            false
        ));
        // Promoting another first makes it possible.
        assert!(keeps_a_system_admin(
            &accounts,
            AdminId(3),
            &Role::SystemAdmin,
            false
        ));
        assert!(keeps_a_system_admin(
            &accounts,
            AdminId(2),
            &Role::Operator,
            true
        ));
    }

    #[test]
    fn directories_round_trip_through_their_key() {
        for d in [
            StaffDirectory::Builtin,
            StaffDirectory::Institution { institution: A },
        ] {
            assert_eq!(StaffDirectory::from_key(&d.key()), Ok(d));
        }
        assert!(StaffDirectory::from_key("ldap").is_err());
    }
}
