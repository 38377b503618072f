//! Typed ids: a [`SlotId`] cannot be passed where a [`PersonId`] is expected.
//!
//! These are the database's surrogate keys. They never leave the system for
//! series (people see a [`crate::ReservationNumber`]), but slot ids are public:
//! the availability API lists them.
//!
//! An id comes from the database's key (`SlotId::new`, in the store) or from
//! text (`"12".parse::<SlotId>()`, for paths and forms: decimal digits only);
//! the key itself is read back with `get`.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id of the database's key `key`.
            pub const fn new(key: i64) -> Self {
                Self(key)
            }

            /// The database's key.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        /// The id written in decimal, as in a path or a form (`/slots/12`);
        /// no sign, no padding.
        impl std::str::FromStr for $name {
            type Err = $crate::ParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err($crate::ParseError::new("id", "not a decimal number"));
                }
                s.parse().map($name).map_err(|_| $crate::ParseError::new("id", "out of range"))
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

#[cfg(test)]
mod tests {
    use super::SlotId;

    #[test]
    fn an_id_reads_from_its_decimal_text_only() {
        assert_eq!("12".parse::<SlotId>(), Ok(SlotId(12)));
        for bad in ["", "-1", "+1", "1e3", "abc", " 1", "1234567890123456789"] {
            assert!(bad.parse::<SlotId>().is_err(), "{bad:?}");
        }
    }
}
