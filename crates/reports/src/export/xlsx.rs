//! A [`Document`] as an xlsx workbook (rust_xlsxwriter).

use kernel::{Error, Result};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{Cell, Document, Section, Sheets};

fn err(e: XlsxError) -> Error {
    Error::Internal(format!("xlsx: {e}"))
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`, unique in the workbook.
fn sheet_name(heading: &str, taken: &mut Vec<String>) -> String {
    let clean: String = heading
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(28)
        .collect();
    let base = if clean.trim().is_empty() {
        "表".to_owned()
    } else {
        clean.trim().trim_matches('\'').to_owned()
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t == &name) {
        name = format!("{base}{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

struct Formats {
    title: Format,
    heading: Format,
    header: Format,
    cell: Format,
}

fn formats() -> Formats {
    Formats {
        title: Format::new().set_bold().set_font_size(16),
        heading: Format::new().set_bold().set_font_size(12),
        header: Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_background_color("#EDEDED"),
        cell: Format::new().set_border(FormatBorder::Thin),
    }
}

/// Write the section at `row`; returns the next free row.
fn write_section(ws: &mut Worksheet, f: &Formats, s: &Section, mut row: u32) -> Result<u32> {
    ws.write_string_with_format(row, 0, &s.heading, &f.heading)
        .map_err(err)?;
    row += 1;
    for p in &s.paragraphs {
        ws.write_string(row, 0, p).map_err(err)?;
        row += 1;
    }
    if let Some(t) = s.table.as_ref().filter(|t| !t.rows.is_empty()) {
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, h, &f.header)
                .map_err(err)?;
        }
        row += 1;
        for r in &t.rows {
            for (c, cell) in r.iter().enumerate() {
                match cell {
                    Cell::Text(s) => ws.write_string_with_format(row, c as u16, s, &f.cell),
                    Cell::Int(n) => ws.write_number_with_format(row, c as u16, *n as f64, &f.cell),
                }
                .map_err(err)?;
            }
            row += 1;
        }
    }
    Ok(row + 1)
}

fn widths(ws: &mut Worksheet, doc: &Document) -> Result<()> {
    let cols = doc
        .sections
        .iter()
        .filter_map(|s| s.table.as_ref().map(|t| t.headers.len()))
        .max()
        .unwrap_or(1)
        .max(1);
    for c in 0..cols {
        ws.set_column_width(c as u16, if c == 0 { 24 } else { 14 })
            .map_err(err)?;
    }
    Ok(())
}

/// The document as xlsx bytes.
pub fn write(doc: &Document, sheets: Sheets) -> Result<Vec<u8>> {
    let f = formats();
    let mut wb = Workbook::new();
    let mut taken = Vec::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&doc.title, &mut taken))
            .map_err(err)?;
        widths(ws, doc)?;
        ws.write_string_with_format(0, 0, &doc.title, &f.title)
            .map_err(err)?;
        let mut row = 1;
        for m in &doc.meta {
            ws.write_string(row, 0, m).map_err(err)?;
            row += 1;
        }
        row += 1;
        if sheets == Sheets::One {
            for s in &doc.sections {
                row = write_section(ws, &f, s, row)?;
            }
        }
    }
    if sheets == Sheets::PerSection {
        for s in &doc.sections {
            let ws = wb.add_worksheet();
            ws.set_name(sheet_name(&s.heading, &mut taken))
                .map_err(err)?;
            widths(ws, doc)?;
            write_section(ws, &f, s, 0)?;
        }
    }
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_clean_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(sheet_name("一、学习/培训", &mut taken), "一、学习培训");
        assert_eq!(sheet_name("一、学习/培训", &mut taken), "一、学习培训2");
        assert_eq!(sheet_name("", &mut taken), "表");
        let long = "很".repeat(40);
        assert_eq!(sheet_name(&long, &mut taken).chars().count(), 28);
    }
}
