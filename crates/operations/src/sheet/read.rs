//! The uploaded workbook read: its unpacked size bounded, its header checked, its rows as typed.

use super::columns::COLUMNS;
use super::problem::{Located, Problem};

/// One row as typed.
#[derive(Debug)]
pub(super) struct Row {
    pub(super) line: usize,
    pub(super) cells: Vec<String>,
}

/// The rows of the workbook's first sheet, after its header.
pub(super) fn read(file: &[u8]) -> Result<Vec<Row>, Located> {
    use calamine::{Data, Reader, Xlsx};
    let whole = |problem| Located {
        line: 1,
        column: None,
        problem,
    };
    unpacked_size_within(file, UNPACKED_LIMIT).map_err(whole)?;
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(file))
        .map_err(|_| whole(Problem::NotAWorkbook))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| whole(Problem::NotAWorkbook))?
        .map_err(|_| whole(Problem::NotAWorkbook))?;
    let text = |data: &Data| -> String {
        match data {
            Data::Empty => String::new(),
            Data::String(s) | Data::DateTimeIso(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => if *b { "1" } else { "" }.to_owned(),
            // A time typed into a cell Excel formats as a time: its fraction
            // of the day.
            Data::DateTime(t) => {
                let minutes = (t.as_f64().fract() * 1440.0).round() as u32;
                format!("{:02}:{:02}", minutes / 60 % 24, minutes % 60)
            }
            Data::DurationIso(s) => s.clone(),
            Data::Error(_) => "#ERROR".to_owned(),
        }
    };
    let Some((first_row, first_col)) = range.start() else {
        return Err(whole(Problem::Header));
    };
    let (last_row, _) = range.end().unwrap_or((first_row, first_col));
    let row_cells = |r: u32| -> Vec<String> {
        (0..u32::try_from(COLUMNS.len()).unwrap_or(0))
            .map(|c| range.get_value((r, c)).map(text).unwrap_or_default())
            .collect()
    };
    let header = row_cells(first_row);
    let header_ok = first_col == 0
        && header
            .iter()
            .zip(COLUMNS)
            .all(|(h, (ja, en))| h.contains(ja) || h.contains(en));
    if !header_ok {
        return Err(whole(Problem::Header));
    }
    let mut rows = Vec::new();
    for r in first_row + 1..=last_row {
        let cells = row_cells(r);
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(Row {
            line: usize::try_from(r).unwrap_or(usize::MAX).saturating_add(1),
            cells,
        });
    }
    Ok(rows)
}

/// The most a sheet may hold once unpacked, all its parts together: a
/// day's sheet of a few thousand rows is well under 10 MiB.
const UNPACKED_LIMIT: u64 = 64 * 1024 * 1024;

/// Unpacks every part of the workbook (a zip) into nothing, counting, and
/// stops as soon as `limit` is passed: what the parts' headers say of their
/// size is not trusted.
fn unpacked_size_within(file: &[u8], limit: u64) -> Result<(), Problem> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(file)).map_err(|_| Problem::NotAWorkbook)?;
    let mut left = limit;
    for index in 0..zip.len() {
        let part = zip.by_index(index).map_err(|_| Problem::NotAWorkbook)?;
        let read = std::io::copy(
            &mut std::io::Read::take(part, left + 1),
            &mut std::io::sink(),
        )
        .map_err(|_| Problem::NotAWorkbook)?;
        left = left.checked_sub(read).ok_or(Problem::TooLarge)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::columns::{DOSE, NUMBER, TIME};

    #[test]
    fn a_workbook_without_the_header_is_refused_at_line_one() {
        let file = crate::export::xlsx("x", &["a", "b"], &[vec!["1".into(), "2".into()]]).unwrap();
        assert_eq!(read(&file).unwrap_err().problem, Problem::Header);
        assert_eq!(
            read(b"not a zip").unwrap_err().problem,
            Problem::NotAWorkbook
        );
    }

    #[test]
    fn a_file_that_unpacks_without_end_is_refused_before_it_is_read() {
        use std::io::Write;
        let mut packed = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut packed);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..3 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
        let file = packed.into_inner();
        assert!(file.len() < 64 * 1024, "packed small: {} bytes", file.len());
        assert_eq!(
            unpacked_size_within(&file, 2 * 1024 * 1024),
            Err(Problem::TooLarge)
        );
        assert_eq!(unpacked_size_within(&file, 4 * 1024 * 1024), Ok(()));
        let sheet = crate::export::xlsx("x", &["a"], &[vec!["1".into()]]).unwrap();
        assert_eq!(unpacked_size_within(&sheet, UNPACKED_LIMIT), Ok(()));
    }

    #[test]
    fn a_row_reads_back_from_the_sheet_it_was_written_in() {
        let header: Vec<String> = COLUMNS.iter().map(|(j, e)| format!("{j} {e}")).collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut row: Vec<String> = vec![String::new(); COLUMNS.len()];
        row[NUMBER] = "ABCD-2345".into();
        row[DOSE] = "1".into();
        row[TIME] = "10:05".into();
        let file = crate::export::xlsx("2026-12-10", &header, &[row]).unwrap();
        let rows = read(&file).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].cells[NUMBER], "ABCD-2345");
        assert_eq!(rows[0].cells[TIME], "10:05");
    }
}
