//! The schema's migrations, each written once where the two databases
//! agree: a file of `crates/store-sql/migrations/` holds both backends'
//! text, the lines that differ marked with the backend they belong to:
//!
//! ```sql
//! CREATE TABLE venues (
//! --pg       id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
//! --lite     id      INTEGER PRIMARY KEY,
//!     name_ja TEXT NOT NULL
//! --pg   );
//! --lite ) STRICT;
//! ```
//!
//! A backend's text is the file with its own marker taken off its lines and
//! the other backend's lines left out ([`render`]), so each backend runs
//! (and sqlx checksums) exactly the SQL it ran when its migrations were two
//! files: the backends' tests pin those checksums, which databases migrated
//! by earlier releases hold in `_sqlx_migrations`. A migration only one
//! database needs (PostgreSQL's roles, its history table, …) stays in that
//! backend's `migrations/` folder, unmarked. Each backend lists its steps, in
//! order, with their versions (which differ: PostgreSQL has more of them).

use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

/// The markers of the lines that belong to one backend only. A marker
/// alone on a line stands for an empty line of that backend.
pub(crate) const MARKERS: [&str; 2] = [POSTGRES, SQLITE];
pub(crate) const POSTGRES: &str = "--pg   ";
pub(crate) const SQLITE: &str = "--lite ";

/// The migrations both databases have, marked where they differ.
pub(crate) mod shared {
    pub(crate) const BOOKING_CORE: &str = include_str!("../migrations/booking_core.sql");
    pub(crate) const SLOT_QUOTAS: &str = include_str!("../migrations/slot_quotas.sql");
    pub(crate) const VACCINATION_DAY: &str = include_str!("../migrations/vaccination_day.sql");
    pub(crate) const RECORDS: &str = include_str!("../migrations/records.sql");
    pub(crate) const RETENTION: &str = include_str!("../migrations/retention.sql");
}

/// One migration of a backend.
#[derive(Debug)]
pub(crate) struct Step {
    version: i64,
    /// As sqlx wrote it from the file names (`booking core`).
    description: &'static str,
    /// The file's text, marked or not.
    text: &'static str,
}

impl Step {
    pub(crate) const fn new(version: i64, description: &'static str, text: &'static str) -> Self {
        Self {
            version,
            description,
            text,
        }
    }
}

/// The SQL of `template` for the backend whose marker is `own`. A line that
/// starts like a marker but is none (`--pgx`) is refused rather than guessed.
pub(crate) fn render(template: &str, own: &str) -> Result<String, String> {
    let mut lines = Vec::new();
    for (n, line) in template.split('\n').enumerate() {
        let marked = MARKERS.iter().find(|m| {
            line.starts_with(**m) || line == m.trim_end() || line.starts_with(m.trim_end())
        });
        match marked {
            None => lines.push(line),
            Some(m) if !(line.starts_with(*m) || line == m.trim_end()) => {
                return Err(format!(
                    "line {}: {line:?} starts like the marker {m:?} but is not one",
                    n + 1
                ));
            }
            Some(m) if *m == own => lines.push(line.get(m.len()..).unwrap_or("")),
            Some(_) => {}
        }
    }
    Ok(lines.join("\n"))
}

/// The migrator of a backend's steps.
pub(crate) async fn migrator(
    steps: &'static [Step],
    own: &'static str,
) -> Result<Migrator, MigrateError> {
    Migrator::new(Steps { steps, own }).await
}

#[derive(Debug)]
struct Steps {
    steps: &'static [Step],
    own: &'static str,
}

impl Steps {
    fn migrations(&self) -> Result<Vec<Migration>, BoxDynError> {
        self.steps
            .iter()
            .map(|step| {
                let sql = render(step.text, self.own).map_err(|e| {
                    format!("migration {} ({}): {e}", step.version, step.description)
                })?;
                let no_tx = sql.starts_with("-- no-transaction");
                Ok(Migration::new(
                    step.version,
                    Cow::Borrowed(step.description),
                    MigrationType::Simple,
                    AssertSqlSafe(sql).into_sql_str(),
                    no_tx,
                ))
            })
            .collect()
    }
}

type Resolved = Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send>>;

impl MigrationSource<'static> for Steps {
    fn resolve(self) -> Resolved {
        let migrations = self.migrations();
        Box::pin(async move { migrations })
    }
}

/// The SHA-384 of each step's SQL, in hex, for the backends' tests.
/// Fails unless each released migration (`applied`: version and the
/// SHA-384 sqlx recorded for it, in hex) still renders to the same text for
/// this backend: the test that keeps a released migration from being edited.
#[cfg(test)]
pub(crate) fn assert_applied_as(
    steps: &'static [Step],
    own: &'static str,
    applied: &[(i64, &str)],
) {
    let rendered: Vec<(i64, String)> = Steps { steps, own }
        .migrations()
        .expect("every migration renders")
        .iter()
        .map(|m| {
            let hex = m.checksum.iter().map(|b| format!("{b:02x}")).collect();
            (m.version, hex)
        })
        .collect();
    let applied: Vec<(i64, String)> = applied.iter().map(|(v, h)| (*v, h.to_string())).collect();
    assert_eq!(rendered[..applied.len()], applied[..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_keeps_its_own_lines_and_drops_the_others() {
        let template = "CREATE TABLE t (\n--pg       id BIGINT,\n--lite     id INTEGER,\n--pg\n    x TEXT\n--pg   );\n--lite ) STRICT;\n";
        assert_eq!(
            render(template, POSTGRES).unwrap(),
            "CREATE TABLE t (\n    id BIGINT,\n\n    x TEXT\n);\n"
        );
        assert_eq!(
            render(template, SQLITE).unwrap(),
            "CREATE TABLE t (\n    id INTEGER,\n    x TEXT\n) STRICT;\n"
        );
    }

    #[test]
    fn an_unmarked_file_is_the_same_for_both() {
        let text = "-- a comment\nCREATE TABLE t (id INTEGER);\n";
        assert_eq!(render(text, POSTGRES).unwrap(), text);
        assert_eq!(render(text, SQLITE).unwrap(), text);
    }

    #[test]
    fn a_line_that_looks_like_a_marker_is_refused() {
        let e = render("SELECT 1;\n--pgcrypto is needed\n", POSTGRES).unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
    }
}
