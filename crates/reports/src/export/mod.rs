//! A generic titled document — a title, meta lines, and sections each with paragraphs and
//! a table — and its two exports: [`xlsx`] (one sheet per section, or all on one sheet)
//! and [`pdf`] (typeset by typst with the Noto CJK fonts, so Chinese text is correct).
//! Every report builds one [`Document`] and the page, the xlsx and the PDF show the same
//! content.

pub mod pdf;
pub mod xlsx;

use serde::Serialize;
use utoipa::ToSchema;

/// A table cell: text or an integer (figures are integers; rates and hours are
/// formatted as text by the report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
}

impl Cell {
    /// The cell as shown.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

/// A table: Chinese headers and rows of cells.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Table {
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows; each as long as `headers`.
    pub rows: Vec<Vec<Cell>>,
    /// For pages only: a link for each row's first cell (same length as `rows` when
    /// any row links; empty otherwise). Exports show the text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Option<String>>,
}

impl Table {
    /// A table with these headers and no rows.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            links: Vec::new(),
        }
    }

    /// Add a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
        if !self.links.is_empty() {
            self.links.push(None);
        }
    }

    /// Add a row whose first cell links to `href` on the page.
    pub fn linked_row(&mut self, cells: Vec<Cell>, href: String) {
        if self.links.is_empty() {
            self.links = vec![None; self.rows.len()];
        }
        self.rows.push(cells);
        self.links.push(Some(href));
    }

    /// The link of row `i`, if any (for templates).
    pub fn link(&self, i: usize) -> Option<&str> {
        self.links.get(i).and_then(|l| l.as_deref())
    }
}

/// A section: a heading, paragraphs of text, and an optional table.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Section {
    /// The heading (also the sheet name in xlsx, shortened).
    pub heading: String,
    /// Paragraphs before the table.
    pub paragraphs: Vec<String>,
    /// The table, if any.
    pub table: Option<Table>,
}

/// A titled document.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Document {
    /// The title.
    pub title: String,
    /// Lines under the title (unit, period, generated at…).
    pub meta: Vec<String>,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// How the xlsx lays a document out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheets {
    /// Everything on one sheet, sections one under another.
    One,
    /// A sheet per section (after a first sheet with the title and meta lines).
    PerSection,
}
