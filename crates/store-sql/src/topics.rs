// The topic modules that both backends compile, each against its own sqlx
// types: `include!`d at the root of `store-sqlite` and `store-postgres`, so
// a `#[path]` here is relative to their `src/` (see this folder's README).
// A new topic is one line here; a topic split into a folder is named by its
// `mod.rs`, whose parts are plain `mod`s beside it (see `vaccinations/`).
#[path = "../../store-sql/src/audit.rs"]
mod audit;
#[path = "../../store-sql/src/bookings.rs"]
mod bookings;
#[path = "../../store-sql/src/check_ins.rs"]
mod check_ins;
#[path = "../../store-sql/src/elsewhere.rs"]
mod elsewhere;
#[path = "../../store-sql/src/logins.rs"]
mod logins;
#[path = "../../store-sql/src/mail.rs"]
mod mail;
#[path = "../../store-sql/src/members.rs"]
mod members;
#[path = "../../store-sql/src/no_shows.rs"]
mod no_shows;
#[path = "../../store-sql/src/persons.rs"]
mod persons;
#[path = "../../store-sql/src/pool.rs"]
mod pool;
#[path = "../../store-sql/src/rates.rs"]
mod rates;
#[path = "../../store-sql/src/reference.rs"]
mod reference;
#[path = "../../store-sql/src/registers.rs"]
mod registers;
#[path = "../../store-sql/src/retention.rs"]
mod retention;
#[path = "../../store-sql/src/slots.rs"]
mod slots;
#[path = "../../store-sql/src/staff.rs"]
mod staff;
#[path = "../../store-sql/src/vaccinations/mod.rs"]
mod vaccinations;
#[path = "../../store-sql/src/vouchers.rs"]
mod vouchers;
