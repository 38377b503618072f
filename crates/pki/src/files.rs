//! Writing the CA's files: new files are created with their final mode (a
//! key is never readable by others, not even between create and chmod), and
//! files that change are replaced whole by a rename, so a reader (the office
//! watching `crl.pem`) never sees half a file.

use crate::PkiError;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Private files: the CA key, the index (names of people).
pub(crate) const PRIVATE: u32 = 0o600;
/// Certificates and CRLs.
pub(crate) const PUBLIC: u32 = 0o644;

/// Creates `dir` (mode 0700) unless it exists.
pub(crate) fn create_dir(dir: &Path) -> Result<(), PkiError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(PkiError::io("create the folder", dir))
}

/// Writes a file that must not exist yet.
pub(crate) fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), std::io::Error> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Replaces `path` whole: writes `path.new`, then renames it over `path`.
pub(crate) fn replace(path: &Path, bytes: &[u8], mode: u32) -> Result<(), PkiError> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".new");
    let temporary = PathBuf::from(temporary);
    // A `.new` left by an interrupted run is ours to drop.
    match std::fs::remove_file(&temporary) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(PkiError::io("remove", &temporary)(e)),
    }
    write_new(&temporary, bytes, mode).map_err(PkiError::io("write", &temporary))?;
    std::fs::rename(&temporary, path).map_err(PkiError::io("replace", path))
}

pub(crate) fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(PkiError::io("read", path))
}
