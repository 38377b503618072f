//! The outbox folder as the office reads it: the `.eml` files, newest
//! first, with their subjects; one file by its plain name only.

use chrono::{DateTime, Utc};
use mail_parser::MessageParser;
use std::io;
use std::path::Path;

/// A mail in the outbox folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub name: String,
    pub modified: DateTime<Utc>,
    pub size: u64,
    pub subject: String,
}

/// A plain `*.eml` file name: no path, no hidden file.
fn plain_name(name: &str) -> bool {
    name.ends_with(".eml")
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.contains("..")
}

/// The newest `limit` mails of `dir`.
pub fn list(dir: &Path, limit: usize) -> io::Result<Vec<OutboxEntry>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata()?;
        if !meta.is_file() || !plain_name(&name) {
            continue;
        }
        entries.push((meta.modified()?, name, meta.len()));
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    entries
        .into_iter()
        .take(limit)
        .map(|(modified, name, size)| {
            let raw = std::fs::read(dir.join(&name))?;
            let subject = MessageParser::default()
                .parse_headers(&raw)
                .and_then(|m| m.subject().map(str::to_owned))
                .unwrap_or_default();
            Ok(OutboxEntry {
                name,
                modified: modified.into(),
                size,
                subject,
            })
        })
        .collect()
}

/// The raw mail `name` of `dir`; `NotFound` for anything but a plain
/// `.eml` file name of that folder.
pub fn read(dir: &Path, name: &str) -> io::Result<Vec<u8>> {
    if !plain_name(name) {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "not an outbox mail",
        ));
    }
    let path = dir.join(name);
    if !std::fs::symlink_metadata(&path)?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "not an outbox mail",
        ));
    }
    std::fs::read(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_mail_file_names_are_read() {
        let dir = std::env::temp_dir().join(format!("sesshu_outbox_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("a1b2.eml"),
            "Subject: =?utf-8?b?5LqI57SE?=\r\n\r\nx\r\n",
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        assert!(read(&dir, "a1b2.eml").is_ok());
        for bad in [
            "../a1b2.eml",
            "/etc/passwd",
            "notes.txt",
            ".hidden.eml",
            "a/../a1b2.eml",
            "..eml",
        ] {
            assert!(read(&dir, bad).is_err(), "{bad}");
        }
        let listed = list(&dir, 10).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].subject, "予約");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
