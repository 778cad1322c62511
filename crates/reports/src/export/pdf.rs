//! A [`Document`] as PDF, typeset by typst (used as a library) with the Noto Sans CJK
//! fonts of Debian's `fonts-noto-cjk` — every face of the TTC collections is loaded, so
//! Chinese text shapes and embeds correctly. User text only ever enters the typst source
//! as string literals ([`lit`]), never as markup, so no name or narrative can inject
//! markup or code.

use std::sync::OnceLock;

use kernel::{Error, Result};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use super::{Cell, Document};

/// Where the fonts are looked for, in order; `CIVICGRID_CJK_FONT` (a file path) first.
pub const FONT_FILES: [&str; 2] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
];

/// The family the document is set in.
const FAMILY: &str = "Noto Sans CJK SC";

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn load_fonts() -> std::result::Result<Fonts, String> {
    let mut paths: Vec<String> = Vec::new();
    if let Ok(p) = std::env::var("CIVICGRID_CJK_FONT")
        && !p.trim().is_empty()
    {
        paths.push(p);
    }
    paths.extend(FONT_FILES.iter().map(|p| (*p).to_owned()));
    let mut fonts = Vec::new();
    for p in &paths {
        if let Ok(data) = std::fs::read(p) {
            fonts.extend(Font::iter(Bytes::new(data)));
        }
    }
    if !fonts.iter().any(|f| f.info().family == FAMILY) {
        return Err(format!(
            "找不到中文字体 {FAMILY}（{}）：请安装 Debian 软件包 fonts-noto-cjk，或用环境变量 \
             CIVICGRID_CJK_FONT 指明 NotoSansCJK-Regular.ttc 的位置",
            FONT_FILES[0]
        ));
    }
    Ok(Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    })
}

/// The fonts, read once per process.
fn fonts() -> Result<&'static Fonts> {
    static FONTS: OnceLock<std::result::Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(load_fonts)
        .as_ref()
        .map_err(|e| Error::Internal(e.clone()))
}

fn library() -> &'static LazyHash<Library> {
    static LIB: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIB.get_or_init(|| LazyHash::new(Library::default()))
}

struct OneFile {
    source: Source,
    fonts: &'static Fonts,
}

impl World for OneFile {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }
    fn main(&self) -> FileId {
        self.source.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.source.id() {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, _id: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

/// A typst string literal holding `s` exactly (quotes, backslashes and control
/// characters escaped).
pub fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The typst source of a document.
pub fn markup(doc: &Document) -> String {
    let mut m = String::new();
    m.push_str(&format!(
        "#set document(title: {})\n\
         #set page(paper: \"a4\", margin: (x: 1.6cm, y: 1.8cm), \
         footer: context align(center, text(size: 8pt, counter(page).display(\"1 / 1\", both: true))))\n\
         #set text(font: {}, size: 10pt, lang: \"zh\", region: \"cn\", cjk-latin-spacing: none)\n\
         #set smartquote(enabled: false)\n\
         #set par(leading: 0.75em, spacing: 0.9em)\n\
         #show heading: set text(size: 12pt)\n\
         #show heading: set block(above: 1.3em, below: 0.7em)\n",
        lit(&doc.title),
        lit(FAMILY),
    ));
    m.push_str(&format!(
        "#align(center, text(size: 17pt, weight: \"bold\", {}))\n",
        lit(&doc.title)
    ));
    for line in &doc.meta {
        m.push_str(&format!(
            "#align(center, text(size: 9pt, fill: luma(90), {}))\n",
            lit(line)
        ));
    }
    for s in &doc.sections {
        m.push_str(&format!("#heading(level: 1, {})\n", lit(&s.heading)));
        for p in &s.paragraphs {
            for line in p.split('\n').filter(|l| !l.trim().is_empty()) {
                m.push_str(&format!("#block({})\n", lit(line)));
            }
        }
        if let Some(t) = s.table.as_ref().filter(|t| !t.rows.is_empty()) {
            let n = t.headers.len().max(1);
            m.push_str(&format!(
                "#table(columns: {n}, stroke: 0.5pt + luma(150), inset: 5pt, \
                 fill: (x, y) => if y == 0 {{ luma(235) }}, \
                 align: (x, y) => if x == 0 {{ left }} else {{ center }},\n  table.header("
            ));
            for h in &t.headers {
                m.push_str(&format!("text(weight: \"bold\", {}), ", lit(h)));
            }
            m.push_str("),\n");
            for r in &t.rows {
                m.push_str("  ");
                for i in 0..n {
                    let c = r.get(i).map(Cell::text).unwrap_or_default();
                    m.push_str(&lit(&c));
                    m.push_str(", ");
                }
                m.push('\n');
            }
            m.push_str(")\n");
        }
    }
    m
}

/// The document as PDF bytes. Fails with a clear message when the CJK fonts are missing.
pub fn write(doc: &Document) -> Result<Vec<u8>> {
    let fonts = fonts()?;
    let world = OneFile {
        source: Source::detached(markup(doc)),
        fonts,
    };
    let compiled = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errs| {
            Error::Internal(format!(
                "pdf: {}",
                errs.iter()
                    .map(|e| e.message.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?;
    typst_pdf::pdf(&compiled, &typst_pdf::PdfOptions::default()).map_err(|errs| {
        Error::Internal(format!(
            "pdf: {}",
            errs.iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Document {
        let mut t = super::super::Table::new(&["指标", "数值", "说明"]);
        t.row(vec![
            "按期结案率".into(),
            "93.5%".into(),
            "结案数 ÷ 应结案数".into(),
        ]);
        t.row(vec![
            "服务时长（小时）".into(),
            12.into(),
            "#注入 *不是* 标记 ] [ \\ \"".into(),
        ]);
        Document {
            title: "甲社区2026年10月工作通报".into(),
            meta: vec!["统计期：2026年10月".into()],
            sections: vec![super::super::Section {
                heading: "一、案件办理".into(),
                paragraphs: vec!["第一段：$x$ 与 @ref 和 <label>。\n第二行".into()],
                table: Some(t),
            }],
        }
    }

    #[test]
    fn typesets_chinese_and_user_text_stays_text() {
        let pdf = write(&sample()).expect("pdf");
        assert!(pdf.starts_with(b"%PDF"));
        if let Ok(dir) = std::env::var("REPORTS_SAMPLE_DIR") {
            std::fs::write(format!("{dir}/sample.pdf"), &pdf).expect("write sample");
        }
    }

    #[test]
    fn markup_quotes_user_text() {
        let m = markup(&sample());
        assert!(m.contains("\"#注入 *不是* 标记 ] [ \\\\ \\\"\""), "{m}");
        assert!(m.contains("#block(\"第二行\")"), "{m}");
    }

    #[test]
    fn literals_escape_everything() {
        assert_eq!(lit("a\"b\\c\nd#[x]"), "\"a\\\"b\\\\c\\nd#[x]\"");
        assert_eq!(lit("\u{7}"), "\"\\u{7}\"");
    }
}
