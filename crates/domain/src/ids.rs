//! Typed ids: a [`SlotId`] cannot be passed where a [`PersonId`] is expected.
//!
//! These are the database's surrogate keys. They never leave the system for
//! series (people see a [`crate::ReservationNumber`]), but slot ids are public:
//! the availability API lists them.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}
pub(crate) use id;

id!(
    /// An institution of the consortium.
    InstitutionId
);
id!(
    /// A vaccination venue.
    VenueId
);
id!(
    /// A lane (レーン) of a venue.
    LaneId
);
id!(
    /// A vaccine product with its dose schedule.
    VaccineId
);
id!(
    /// An appointment slot (予約枠).
    SlotId
);
id!(
    /// A person: one institution login, nothing personal.
    PersonId
);
id!(
    /// A reservation series (the doses booked together).
    SeriesId
);
