//! Spreadsheet (xlsx) import and export of the organisation tree and of personnel lists.
//!
//! Imports are all-or-nothing: every row is checked and every problem is reported with its
//! row, column and a zh-CN hint; only a file without a single problem is written, in one
//! transaction, each node or person through the same service code the forms use (scope
//! checks and audit entries included). A file is first checked on a read connection, so a
//! file with mistakes never holds the write lock; a clean file is checked again inside the
//! write transaction before it is written.
//!
//! Exports use the template's columns, so an exported file can be imported elsewhere.
//! Phones and ID numbers are exported as the caller may see them (masked unless the caller
//! administers the person), party membership only where the caller may see it.

use std::collections::hash_map::Entry as MapEntry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, Xlsx};
use kernel::audit::{self, Entry};
use kernel::error::{Problems, required_text};
use kernel::{Db, Error, FieldError, Result};
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet,
};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, AssertSqlSafe};
use utoipa::ToSchema;

use crate::access::Access;
use crate::people::{self, PeopleQuery, PersonInput};
use crate::units::{self, NewUnit, Unit, UnitKind};
use crate::{availability, employers, skills};

/// The most data rows one import may hold.
pub const MAX_IMPORT_ROWS: usize = 20_000;
/// The most rows one export may hold.
pub const MAX_EXPORT_ROWS: usize = 50_000;
/// The most row errors an [`ImportReport`] lists; the rest are only counted.
pub const MAX_REPORTED_ERRORS: usize = 1_000;

/// Excel keeps 15 significant digits: an integer this large typed into a number cell may
/// already have lost its last digits.
const EXACT_DIGITS: f64 = 1e15;
/// Date serials accepted from plain number cells: 1950-01-01 ..= 2099-12-31.
const SERIAL_DATES: std::ops::Range<f64> = 18_264.0..73_051.0;
/// Excel's limit on the characters of one cell.
const CELL_MAX_CHARS: usize = 32_767;

// ---------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------

/// One problem in one cell of an imported file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    /// The spreadsheet row as the user sees it (the header is row 1).
    pub row: usize,
    /// The column's header (Chinese).
    pub column: String,
    /// What is wrong and how to fix it (zh-CN).
    pub message: String,
}

/// The outcome of an import: either every row was imported, or none and the errors say why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// What was imported: `units` or `people`.
    pub kind: String,
    /// Data rows in the file (empty rows not counted).
    pub rows: usize,
    /// Rows written: all of them, or 0 when there were errors.
    pub imported: usize,
    /// Row errors, by row (at most [`MAX_REPORTED_ERRORS`]).
    pub errors: Vec<RowError>,
    /// Further errors that were found but left off the list.
    pub omitted_errors: usize,
}

impl ImportReport {
    /// Whether the whole file was imported.
    pub fn ok(&self) -> bool {
        self.errors.is_empty() && self.omitted_errors == 0
    }

    /// The report of a file with problems: nothing imported, the errors by row.
    pub fn failed(kind: &str, rows: usize, errors: Errors) -> ImportReport {
        let mut list = errors.list;
        list.sort_by_key(|e| e.row);
        let omitted = list.len().saturating_sub(MAX_REPORTED_ERRORS);
        list.truncate(MAX_REPORTED_ERRORS);
        ImportReport {
            kind: kind.into(),
            rows,
            imported: 0,
            errors: list,
            omitted_errors: omitted,
        }
    }

    /// The report of a file imported whole.
    pub fn done(kind: &str, rows: usize) -> ImportReport {
        ImportReport {
            kind: kind.into(),
            rows,
            imported: rows,
            errors: vec![],
            omitted_errors: 0,
        }
    }
}

/// Row errors collected while a file is checked; one error per cell is kept (the first,
/// which is the most specific: a later "请填写" after a refused cell would only confuse).
#[derive(Debug, Default)]
pub struct Errors {
    list: Vec<RowError>,
    seen: HashSet<(usize, String)>,
}

impl Errors {
    /// Record a problem with one cell (the first per cell is kept).
    pub fn add(&mut self, row: usize, column: &str, message: impl Into<String>) {
        if self.seen.insert((row, column.to_owned())) {
            self.list.push(RowError {
                row,
                column: column.to_owned(),
                message: message.into(),
            });
        }
    }

    /// Record a service's field errors against the columns they come from.
    fn fields(&mut self, row: usize, fields: Vec<FieldError>, header_of: fn(&str) -> &str) {
        for f in fields {
            let column = header_of(&f.field).to_owned();
            self.add(row, &column, f.message);
        }
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// The field errors collected in `p`.
fn field_errors(p: Problems) -> Vec<FieldError> {
    match p.finish() {
        Err(Error::Invalid(fields)) => fields,
        _ => vec![],
    }
}

// ---------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Free text; numbers are written out.
    Text,
    /// Digits that must survive exactly (phones, ID numbers, codes): formatted as text in
    /// the template, numbers recovered when exact and refused when Excel rounded them.
    Digits,
    /// A date, read as `YYYY-MM-DD` from a date cell, a date serial or common text forms.
    Date,
}

/// One column of an import/export sheet.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The header (Chinese), matched loosely on import (spaces, `*` and notes in brackets
    /// ignored).
    pub header: &'static str,
    kind: CellKind,
    /// The header must be present in an imported file.
    required: bool,
    width: f64,
    /// Offered as a drop-down in the template.
    choices: &'static [&'static str],
    /// Whether only `choices` may be typed (otherwise Excel only warns).
    strict: bool,
    /// Shown on the 填写说明 sheet.
    note: &'static str,
}

/// A column: its header, how its cells are read, whether the header must be present, and
/// its width in the template.
pub const fn col(header: &'static str, kind: CellKind, required: bool, width: f64) -> Column {
    Column {
        header,
        kind,
        required,
        width,
        choices: &[],
        strict: false,
        note: "",
    }
}

/// The column with what to fill in, for the 填写说明 sheet.
pub const fn with_note(mut c: Column, note: &'static str) -> Column {
    c.note = note;
    c
}

/// The column with a drop-down of `choices` in the template (`strict`: only those).
pub const fn with_choices(mut c: Column, choices: &'static [&'static str], strict: bool) -> Column {
    c.choices = choices;
    c.strict = strict;
    c
}

const U_PARENT: usize = 0;
const U_KIND: usize = 1;
const U_NAME: usize = 2;
const U_CODE: usize = 3;
const U_LON: usize = 4;
const U_LAT: usize = 5;
const U_BOUNDARY: usize = 6;

const UNIT_COLUMNS: [Column; 7] = [
    with_note(
        col("上级编码", CellKind::Digits, true, 18.0),
        "必填。上级节点的编码：可以是系统中已有的节点，也可以是本表中写在上面的行（上级必须写在下级的上面）",
    ),
    with_note(
        with_choices(
            col("类型", CellKind::Text, true, 12.0),
            &["区县", "街道", "乡镇", "社区", "村", "联村社区", "网格"],
            false,
        ),
        "必填。区县、街道、乡镇、社区、村、联村社区 或 网格（也可写 主体网格、单元网格）。区县在市下，街道/乡镇在区县下，社区/联村社区在街道或乡镇下，村在街道、乡镇或联村社区下，网格在社区、村或上级网格下",
    ),
    with_note(
        col("名称", CellKind::Text, true, 24.0),
        "必填。最多 64 个字",
    ),
    with_note(
        col("编码", CellKind::Digits, true, 18.0),
        "必填。行政区划代码或本市的网格编码，全市唯一；只能包含数字、字母和连字符，最多 32 位。本列已设为文本格式，开头的 0 会保留",
    ),
    with_note(
        col("中心经度", CellKind::Text, false, 12.0),
        "选填。WGS-84 经度（-180～180），与中心纬度一起填写；都不填时取边界的中心",
    ),
    with_note(
        col("中心纬度", CellKind::Text, false, 12.0),
        "选填。WGS-84 纬度（-90～90）",
    ),
    with_note(
        col("边界GeoJSON", CellKind::Text, false, 48.0),
        "选填。GeoJSON 的 Polygon 或 MultiPolygon（也可以是包含它的 Feature），坐标为 WGS-84 经纬度",
    ),
];

const UNIT_EXAMPLES: [[&str; 7]; 2] = [
    [
        "110105001",
        "社区",
        "幸福里社区",
        "110105001001",
        "116.4434",
        "39.9219",
        "",
    ],
    [
        "110105001001",
        "网格",
        "幸福里第一网格",
        "110105001001-01",
        "",
        "",
        r#"{"type":"Polygon","coordinates":[[[116.440,39.920],[116.446,39.920],[116.446,39.924],[116.440,39.924],[116.440,39.920]]]}"#,
    ],
];

const P_NAME: usize = 0;
const P_PHONE: usize = 1;
const P_ID_CARD: usize = 2;
const P_KIND: usize = 3;
const P_EMPLOYER: usize = 4;
const P_PARTY: usize = 5;
const P_SKILLS: usize = 6;
const P_LIMITS: usize = 7;
const P_AVAILABILITY: usize = 8;
const P_HOME: usize = 9;
const P_EMPLOYER_ON: usize = 10;
const P_COMMUNITY: usize = 11;
const P_BASIS: usize = 12;
const P_COMMUNITY_ON: usize = 13;

const PEOPLE_COLUMNS: [Column; 14] = [
    with_note(
        col("姓名", CellKind::Text, true, 12.0),
        "必填。最多 32 个字",
    ),
    with_note(
        col("手机号", CellKind::Digits, true, 15.0),
        "下沉人员和社区工作者必填，居民选填。11 位手机号；本列已设为文本格式",
    ),
    with_note(
        col("身份证号", CellKind::Digits, false, 22.0),
        "选填。18 位，最后一位可以是 X。本列已设为文本格式：请勿改成数字格式，否则 Excel 会把后几位变成 0",
    ),
    with_note(
        with_choices(
            col("人员类型", CellKind::Text, true, 12.0),
            &["下沉人员", "居民", "社区工作者"],
            false,
        ),
        "必填。下沉人员、居民 或 社区工作者",
    ),
    with_note(
        col("派出单位", CellKind::Text, false, 24.0),
        "下沉人员必填。与系统中登记的派出单位名称完全一致",
    ),
    with_note(
        with_choices(col("党员", CellKind::Text, false, 8.0), &["是", "否"], true),
        "选填。是 或 否，不填视为否",
    ),
    with_note(
        col("专长", CellKind::Text, false, 24.0),
        "选填。本市专长目录中的名称，多项用“、”分隔，例如：医疗、法律咨询",
    ),
    with_note(
        col("身体限制", CellKind::Text, false, 18.0),
        "选填。例如：不宜重体力劳动。最多 200 个字",
    ),
    with_note(
        col("可服务时间", CellKind::Text, false, 32.0),
        "选填。星期几加时间段，多段用“；”分隔，例如：周六 09:00-17:00；周日 09:00-12:00",
    ),
    with_note(
        col("居住社区编码", CellKind::Digits, false, 18.0),
        "选填。居住的社区、村或联村社区的编码",
    ),
    with_note(
        col("单位报到日期", CellKind::Date, false, 14.0),
        "选填。向派出单位报到的日期，格式 YYYY-MM-DD，例如 2026-03-01；填写时须同时填写派出单位",
    ),
    with_note(
        col("报到社区编码", CellKind::Digits, false, 18.0),
        "选填。双报到：向社区报到的社区、村或联村社区的编码；填写时须同时填写社区报到日期",
    ),
    with_note(
        with_choices(
            col("报到依据", CellKind::Text, false, 10.0),
            &["居住地", "分派"],
            true,
        ),
        "选填。居住地（向居住的社区报到）或 分派（组织分派的社区），不填视为分派",
    ),
    with_note(
        col("社区报到日期", CellKind::Date, false, 14.0),
        "填写报到社区时必填。格式 YYYY-MM-DD，例如 2026-03-01",
    ),
];

const PEOPLE_EXAMPLES: [[&str; 14]; 2] = [
    [
        "张伟",
        "13812345678",
        "11010519491231002X",
        "下沉人员",
        "市卫生健康委员会",
        "是",
        "医疗、心理疏导",
        "",
        "周六 09:00-17:00；周日 09:00-12:00",
        "110105001001",
        "2026-03-01",
        "110105001001",
        "居住地",
        "2026-03-05",
    ],
    [
        "李娜",
        "13987654321",
        "",
        "居民",
        "",
        "否",
        "",
        "不宜重体力劳动",
        "",
        "110105001001",
        "",
        "",
        "",
        "",
    ],
];

/// The column a units field error belongs to.
fn unit_header(field: &str) -> &str {
    match field {
        "parent_id" => UNIT_COLUMNS[U_PARENT].header,
        "kind" => UNIT_COLUMNS[U_KIND].header,
        "name" => UNIT_COLUMNS[U_NAME].header,
        "code" => UNIT_COLUMNS[U_CODE].header,
        "center_lon" => UNIT_COLUMNS[U_LON].header,
        "center_lat" => UNIT_COLUMNS[U_LAT].header,
        "boundary" => UNIT_COLUMNS[U_BOUNDARY].header,
        other => other,
    }
}

/// The column a person field error belongs to.
fn person_header(field: &str) -> &str {
    match field {
        "name" => PEOPLE_COLUMNS[P_NAME].header,
        "phone" => PEOPLE_COLUMNS[P_PHONE].header,
        "id_card" => PEOPLE_COLUMNS[P_ID_CARD].header,
        "kind" => PEOPLE_COLUMNS[P_KIND].header,
        "employer_id" => PEOPLE_COLUMNS[P_EMPLOYER].header,
        "party_member" => PEOPLE_COLUMNS[P_PARTY].header,
        "skill_ids" => PEOPLE_COLUMNS[P_SKILLS].header,
        "physical_limits" => PEOPLE_COLUMNS[P_LIMITS].header,
        "availability" => PEOPLE_COLUMNS[P_AVAILABILITY].header,
        "home_community_id" => PEOPLE_COLUMNS[P_HOME].header,
        "employer_registered_on" => PEOPLE_COLUMNS[P_EMPLOYER_ON].header,
        "registered_community_id" => PEOPLE_COLUMNS[P_COMMUNITY].header,
        "registration_basis" => PEOPLE_COLUMNS[P_BASIS].header,
        "community_registered_on" => PEOPLE_COLUMNS[P_COMMUNITY_ON].header,
        other => other,
    }
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// The data rows of an imported sheet, cells in column order.
#[derive(Debug)]
pub struct Sheet {
    columns: &'static [Column],
    /// The data rows, in sheet order.
    pub rows: Vec<SheetRow>,
    is_1904: bool,
}

/// One data row of a [`Sheet`].
#[derive(Debug)]
pub struct SheetRow {
    /// The row number the user sees.
    pub number: usize,
    cells: Vec<Data>,
}

impl Sheet {
    /// The row's cells as text; cells that cannot be read are reported and read as empty.
    pub fn texts(&self, row: &SheetRow, errors: &mut Errors) -> Vec<String> {
        self.columns
            .iter()
            .zip(&row.cells)
            .map(
                |(c, v)| match cell_text(v, c.kind, c.header, self.is_1904) {
                    Ok(s) => s,
                    Err(m) => {
                        errors.add(row.number, c.header, m);
                        String::new()
                    }
                },
            )
            .collect()
    }
}

fn not_xlsx() -> Error {
    Error::field(
        "file",
        "文件不是有效的 Excel（.xlsx）文件：请用 Excel 或 WPS 打开后“另存为”.xlsx 格式再上传",
    )
}

/// Read the first worksheet: the first non-empty row is the header, later non-empty rows
/// are data. Only the columns in `columns` are kept (matched by header name, in any order).
pub fn read_sheet(bytes: &[u8], columns: &'static [Column]) -> Result<Sheet> {
    let mut wb = match Xlsx::new(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(calamine::XlsxError::Password) => {
            return Err(Error::field(
                "file",
                "文件设置了打开密码：请在 Excel 中取消密码后再上传",
            ));
        }
        Err(e) => {
            tracing::debug!(error = %e, "not an xlsx file");
            return Err(not_xlsx());
        }
    };
    let is_1904 = wb.has_1904_epoch();
    let first = wb.sheet_names().into_iter().next().ok_or_else(not_xlsx)?;
    let mut cells = wb.worksheet_cells_reader(&first).map_err(|e| {
        tracing::debug!(error = %e, "unreadable worksheet");
        not_xlsx()
    })?;
    let mut header_row: Option<u32> = None;
    let mut header: Vec<(u32, String)> = Vec::new();
    let mut col_of: Option<HashMap<u32, usize>> = None;
    let mut rows: BTreeMap<u32, Vec<Data>> = BTreeMap::new();
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                tracing::debug!(error = %e, "unreadable cell");
                return Err(not_xlsx());
            }
        };
        let (r, c) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if is_blank(&value) {
            continue;
        }
        match header_row {
            None => {
                header_row = Some(r);
                header.push((c, header_text(&value)));
            }
            Some(h) if r == h => header.push((c, header_text(&value))),
            Some(h) if r < h => {}
            Some(_) => {
                if col_of.is_none() {
                    col_of = Some(match_headers(&header, columns).map_err(file_error)?);
                }
                if let Some(&i) = col_of.as_ref().and_then(|m| m.get(&c)) {
                    let row = rows
                        .entry(r)
                        .or_insert_with(|| vec![Data::Empty; columns.len()]);
                    row[i] = value;
                    if rows.len() > MAX_IMPORT_ROWS {
                        return Err(Error::field(
                            "file",
                            format!(
                                "一次最多导入 {MAX_IMPORT_ROWS} 行，本文件超过了：请拆成几个文件分批导入"
                            ),
                        ));
                    }
                }
            }
        }
    }
    if header_row.is_none() {
        return Err(Error::field(
            "file",
            "表格是空的：第 1 行应为表头，从第 2 行起每行一条记录。请使用下载的模板填写",
        ));
    }
    if col_of.is_none() {
        match_headers(&header, columns).map_err(file_error)?;
    }
    Ok(Sheet {
        columns,
        rows: rows
            .into_iter()
            .map(|(r, cells)| SheetRow {
                number: r as usize + 1,
                cells,
            })
            .collect(),
        is_1904,
    })
}

fn file_error(message: String) -> Error {
    Error::field("file", message)
}

fn is_blank(v: &Data) -> bool {
    match v {
        Data::Empty => true,
        Data::String(s) => clean(s).is_empty(),
        _ => false,
    }
}

fn header_text(v: &Data) -> String {
    match v {
        Data::String(s) => clean(s),
        other => other.to_string(),
    }
}

/// A header as it is compared: no spaces, no required-marks, no note in brackets, ASCII
/// lower case (`手机号（必填）*` → `手机号`).
fn normalise_header(s: &str) -> String {
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊'))
        .collect();
    let cut = match s.find(['（', '(']) {
        Some(0) | None => s.len(),
        Some(i) => i,
    };
    s[..cut].to_ascii_lowercase()
}

/// Map sheet columns to `columns` by header name. Missing required headers and repeated
/// headers are refused with a message that names them.
fn match_headers(
    header: &[(u32, String)],
    columns: &[Column],
) -> std::result::Result<HashMap<u32, usize>, String> {
    let mut out = HashMap::new();
    let mut missing = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        let want = normalise_header(column.header);
        let found: Vec<u32> = header
            .iter()
            .filter(|(_, h)| normalise_header(h) == want)
            .map(|(c, _)| *c)
            .collect();
        match found.as_slice() {
            [] if column.required => missing.push(column.header),
            [] => {}
            [c] => {
                out.insert(*c, i);
            }
            _ => {
                return Err(format!(
                    "表头中“{}”出现了不止一次：请删除多余的列后再上传",
                    column.header
                ));
            }
        }
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "第 1 行的表头缺少必填列：{}。请使用下载的模板填写，不要改动表头",
            missing.join("、")
        ))
    }
}

/// Trimmed text without zero-width characters pasted from web pages.
fn clean(s: &str) -> String {
    let s = s.trim();
    if s.contains(['\u{200b}', '\u{feff}']) {
        s.replace(['\u{200b}', '\u{feff}'], "").trim().to_owned()
    } else {
        s.to_owned()
    }
}

/// A cell as text. `Err` carries a zh-CN message for the user.
fn cell_text(
    value: &Data,
    kind: CellKind,
    header: &str,
    is_1904: bool,
) -> std::result::Result<String, String> {
    let text = match value {
        Data::Empty => String::new(),
        Data::String(s) => clean(s),
        Data::Int(i) => match kind {
            CellKind::Date => serial_date(*i as f64, is_1904).unwrap_or_else(|| i.to_string()),
            _ => i.to_string(),
        },
        Data::Float(f) => match (kind, serial_date(*f, is_1904)) {
            (CellKind::Date, Some(d)) => d,
            _ => float_text(*f, kind, header)?,
        },
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::DateTime(dt) if dt.is_datetime() => ymd(dt),
        Data::DateTime(dt) => float_text(dt.as_f64(), CellKind::Text, header)?,
        Data::DateTimeIso(s) => {
            let s = s.trim();
            match s.get(..10) {
                Some(d) if kernel::time::parse_date(d).is_some() => d.to_owned(),
                _ => s.to_owned(),
            }
        }
        Data::DurationIso(s) => s.trim().to_owned(),
        Data::Error(e) => {
            return Err(format!("{header}单元格是错误值（{e}）：请改成要填写的内容"));
        }
    };
    Ok(match kind {
        CellKind::Date => normalise_date(&text),
        _ => text,
    })
}

/// A number cell as text: integers without a decimal point; digits Excel has rounded away
/// are refused rather than guessed.
fn float_text(f: f64, kind: CellKind, header: &str) -> std::result::Result<String, String> {
    if !f.is_finite() {
        return Err(format!("{header}不是有效的数字"));
    }
    if f.fract() == 0.0 {
        if f.abs() < EXACT_DIGITS {
            return Ok(format!("{}", f as i64));
        }
        if kind == CellKind::Digits {
            return Err(format!(
                "{header}被 Excel 存成了数字，末几位已丢失：请把该列设为文本后重新填写"
            ));
        }
    }
    Ok(format!("{f}"))
}

/// `YYYY-MM-DD` of an Excel date serial within [`SERIAL_DATES`].
fn serial_date(serial: f64, is_1904: bool) -> Option<String> {
    SERIAL_DATES.contains(&serial).then(|| {
        ymd(&ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            is_1904,
        ))
    })
}

fn ymd(dt: &ExcelDateTime) -> String {
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    format!("{y:04}-{m:02}-{d:02}")
}

/// Common ways to write a date, as `YYYY-MM-DD`: `2026/3/1`, `2026.3.1`, `2026年3月1日`,
/// `20260301`, with or without a time after it. Anything else is returned unchanged (the
/// service then says what the format should be).
fn normalise_date(s: &str) -> String {
    let s = s.trim();
    let head = s.split([' ', 'T']).next().unwrap_or(s);
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = if head.len() == 8 && all_digits(head) {
        vec![&head[..4], &head[4..6], &head[6..]]
    } else {
        head.split(['-', '/', '.', '年', '月', '日'])
            .filter(|p| !p.is_empty())
            .collect()
    };
    match parts.as_slice() {
        [y, m, d]
            if y.len() == 4
                && (1..=2).contains(&m.len())
                && (1..=2).contains(&d.len())
                && parts.iter().all(|p| all_digits(p)) =>
        {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => s.to_owned(),
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// A failure of the xlsx writer (ours, not the user's).
pub fn write_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(format!("xlsx: {e}"))
}

/// The text format (`@`): Excel keeps leading zeros and long digit strings as typed.
fn text_format() -> Format {
    Format::new().set_num_format("@")
}

/// Add the data sheet with its header row: bold, frozen, wide columns, digit and date
/// columns formatted as text, drop-downs where the values are a fixed list.
pub fn add_data_sheet<'a>(
    wb: &'a mut Workbook,
    name: &str,
    columns: &[Column],
) -> Result<&'a mut Worksheet> {
    let header = Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let text = text_format();
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(write_err)?;
    for (i, c) in columns.iter().enumerate() {
        let col = i as u16;
        ws.set_column_width(col, c.width).map_err(write_err)?;
        if c.kind != CellKind::Text {
            ws.set_column_format(col, &text).map_err(write_err)?;
        }
        ws.write_string_with_format(0, col, c.header, &header)
            .map_err(write_err)?;
        if !c.choices.is_empty() {
            let dv = DataValidation::new()
                .allow_list_strings(c.choices)
                .and_then(|dv| dv.set_error_title(c.header))
                .and_then(|dv| {
                    dv.set_error_message(format!("请从下拉列表中选择：{}", c.choices.join("、")))
                })
                .map_err(write_err)?
                .set_error_style(if c.strict {
                    DataValidationErrorStyle::Stop
                } else {
                    DataValidationErrorStyle::Warning
                });
            ws.add_data_validation(1, col, MAX_IMPORT_ROWS as u32, col, &dv)
                .map_err(write_err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(write_err)?;
    Ok(ws)
}

/// Write one data row; empty values leave the cell empty.
pub fn write_row(
    ws: &mut Worksheet,
    row: u32,
    columns: &[Column],
    values: &[String],
) -> Result<()> {
    let text = text_format();
    for (i, (c, v)) in columns.iter().zip(values).enumerate() {
        if v.is_empty() {
            continue;
        }
        if c.kind == CellKind::Text {
            ws.write_string(row, i as u16, v)
        } else {
            ws.write_string_with_format(row, i as u16, v, &text)
        }
        .map_err(write_err)?;
    }
    Ok(())
}

/// The 填写说明 sheet: general rules, then one line per column with what to fill in and
/// the example records (one example per column of this table).
pub fn add_notes_sheet(
    wb: &mut Workbook,
    what: &str,
    rules: &[&str],
    columns: &[Column],
    examples: &[&[&str]],
) -> Result<()> {
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_border(FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let wrap_text = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name("填写说明").map_err(write_err)?;
    for (i, width) in [16, 12, 60].into_iter().enumerate() {
        ws.set_column_width(i as u16, width).map_err(write_err)?;
    }
    for i in 0..examples.len() {
        ws.set_column_width(3 + i as u16, 30).map_err(write_err)?;
    }
    ws.write_string_with_format(0, 0, format!("{what}导入说明"), &title)
        .map_err(write_err)?;
    let mut r = 1u32;
    for rule in rules {
        ws.write_string(r, 0, *rule).map_err(write_err)?;
        r += 1;
    }
    r += 1;
    let mut heads = vec!["列名".to_owned(), "表头".to_owned(), "填写要求".to_owned()];
    heads.extend((1..=examples.len()).map(|i| format!("示例 {i}（仅供参考）")));
    for (i, h) in heads.iter().enumerate() {
        ws.write_string_with_format(r, i as u16, h, &bold)
            .map_err(write_err)?;
    }
    r += 1;
    for (ci, c) in columns.iter().enumerate() {
        ws.write_string_with_format(r, 0, c.header, &wrap)
            .map_err(write_err)?;
        let presence = if c.required {
            "必须有此列"
        } else {
            "此列可省略"
        };
        ws.write_string_with_format(r, 1, presence, &wrap)
            .map_err(write_err)?;
        ws.write_string_with_format(r, 2, c.note, &wrap)
            .map_err(write_err)?;
        for (ei, ex) in examples.iter().enumerate() {
            if let Some(v) = ex.get(ci).filter(|v| !v.is_empty()) {
                ws.write_string_with_format(r, 3 + ei as u16, *v, &wrap_text)
                    .map_err(write_err)?;
            }
        }
        r += 1;
    }
    Ok(())
}

/// The rules every import's 填写说明 sheet starts with.
pub const COMMON_RULES: [&str; 4] = [
    "1. 请在第一个工作表中填写：第 1 行是表头，请勿修改；从第 2 行起每行一条记录，空行会被跳过。",
    "2. 整个文件要么全部导入，要么一条也不导入：只要有一行有错，系统会列出所有出错的行、列和改法，改正后重新上传即可。",
    "3. 一次最多导入 20000 行，超过请拆成几个文件。",
    "4. 编码、手机号、身份证号等列已设为文本格式，请保持文本格式，以免 Excel 去掉开头的 0 或把长数字的末几位变成 0。",
];

fn units_rules() -> Vec<&'static str> {
    let mut r = COMMON_RULES.to_vec();
    r.push("5. 上级必须写在下级的上面：可以先写街道，再写它下面的社区，再写社区下面的网格。");
    r.push("6. 只能在您管辖的范围内新建节点；社区干部只能新建网格。");
    r
}

fn people_rules() -> Vec<&'static str> {
    let mut r = COMMON_RULES.to_vec();
    r.push("5. 手机号和身份证号在全市唯一：已登记的人员不能重复导入。");
    r.push("6. 人员须落在您管辖的社区：请填写您管辖范围内的报到社区编码或居住社区编码。");
    r.push("7. 派出单位、专长须先在系统中登记，名称要与系统中的完全一致。");
    r
}

/// The blank template for importing organisation nodes: the header row on the first sheet
/// and a 填写说明 sheet with the rules and example rows.
pub fn units_template() -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    add_data_sheet(&mut wb, "组织架构", &UNIT_COLUMNS)?;
    let examples: Vec<&[&str]> = UNIT_EXAMPLES.iter().map(|r| r.as_slice()).collect();
    add_notes_sheet(
        &mut wb,
        "组织架构",
        &units_rules(),
        &UNIT_COLUMNS,
        &examples,
    )?;
    wb.save_to_buffer().map_err(write_err)
}

/// The blank template for importing people: the header row on the first sheet (phone, ID
/// number, code and date columns formatted as text) and a 填写说明 sheet.
pub fn people_template() -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    add_data_sheet(&mut wb, "人员名单", &PEOPLE_COLUMNS)?;
    let examples: Vec<&[&str]> = PEOPLE_EXAMPLES.iter().map(|r| r.as_slice()).collect();
    add_notes_sheet(
        &mut wb,
        "人员名单",
        &people_rules(),
        &PEOPLE_COLUMNS,
        &examples,
    )?;
    wb.save_to_buffer().map_err(write_err)
}

// ---------------------------------------------------------------------------------------
// Importing the organisation tree
// ---------------------------------------------------------------------------------------

/// Where a planned node's parent comes from.
#[derive(Debug, Clone, Copy)]
enum ParentRef {
    /// A node already in the database.
    Existing(i64),
    /// A node created from an earlier row of the file (index into the sheet's rows).
    Row(usize),
}

#[derive(Debug)]
struct PlannedUnit {
    index: usize,
    row: usize,
    parent: ParentRef,
    input: NewUnit,
}

/// What a row of the file will become, as far as its children need to know.
#[derive(Debug, Clone)]
struct RowUnit {
    kind: Option<UnitKind>,
    /// Path of the nearest node already in the database above it (for scope checks).
    base_path: String,
}

async fn unit_by_code(
    conn: &mut AnyConnection,
    city_id: i64,
    code: &str,
    cache: &mut HashMap<String, Option<Unit>>,
) -> Result<Option<Unit>> {
    if let Some(u) = cache.get(code) {
        return Ok(u.clone());
    }
    let u = units::fetch_by_code(&mut *conn, city_id, code).await?;
    cache.insert(code.to_owned(), u.clone());
    Ok(u)
}

fn parse_degrees(text: &str, row: usize, column: usize, errors: &mut Errors) -> Option<f64> {
    if text.is_empty() {
        return None;
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            let h = UNIT_COLUMNS[column].header;
            errors.add(
                row,
                h,
                format!("{h}应为数字（度），例如 116.397，收到的是“{text}”"),
            );
            None
        }
    }
}

/// Check every row of a units file against the database seen through `conn`.
async fn plan_units(
    conn: &mut AnyConnection,
    access: &Access,
    sheet: &Sheet,
) -> Result<(Vec<PlannedUnit>, Errors)> {
    let city = access.city_id();
    let mut errors = Errors::default();
    let texts: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|r| sheet.texts(r, &mut errors))
        .collect();
    let mut first_row_of: HashMap<&str, usize> = HashMap::new();
    for (i, t) in texts.iter().enumerate() {
        if !t[U_CODE].is_empty() {
            first_row_of.entry(t[U_CODE].as_str()).or_insert(i);
        }
    }
    let mut known: HashMap<String, Option<Unit>> = HashMap::new();
    let mut row_units: Vec<Option<RowUnit>> = vec![None; texts.len()];
    let mut planned = Vec::new();
    let h = |i: usize| UNIT_COLUMNS[i].header;
    for (i, (row, t)) in sheet.rows.iter().zip(&texts).enumerate() {
        let n = row.number;
        let mut p = Problems::default();
        let kind = if t[U_KIND].is_empty() {
            errors.add(
                n,
                h(U_KIND),
                "请填写类型：区县、街道、乡镇、社区、村、联村社区 或 网格",
            );
            None
        } else {
            match UnitKind::parse(&t[U_KIND]) {
                Some(UnitKind::City) => {
                    errors.add(
                        n,
                        h(U_KIND),
                        "不能导入“市”：每个城市只有一个根节点，请从区县或更下级开始填写",
                    );
                    None
                }
                Some(k) => Some(k),
                None => {
                    errors.add(
                        n,
                        h(U_KIND),
                        format!(
                            "类型“{}”无效：应为 区县、街道、乡镇、社区、村、联村社区 或 网格",
                            t[U_KIND]
                        ),
                    );
                    None
                }
            }
        };
        let name = required_text(&mut p, "name", "名称", &t[U_NAME], 64);
        let code = units::check_code(&mut p, &t[U_CODE]);
        let lon = parse_degrees(&t[U_LON], n, U_LON, &mut errors);
        let lat = parse_degrees(&t[U_LAT], n, U_LAT, &mut errors);
        let boundary = non_empty(&t[U_BOUNDARY]);
        units::check_geometry(&mut p, boundary.as_deref(), lon, lat);
        errors.fields(n, field_errors(p), unit_header);

        if !code.is_empty() {
            match first_row_of.get(code.as_str()) {
                Some(&j) if j != i => errors.add(
                    n,
                    h(U_CODE),
                    format!(
                        "编码 {code} 与第 {} 行重复：编码在全市必须唯一",
                        sheet.rows[j].number
                    ),
                ),
                _ => {
                    if unit_by_code(conn, city, &code, &mut known).await?.is_some() {
                        errors.add(
                            n,
                            h(U_CODE),
                            format!("编码 {code} 已被系统中的其他节点使用：请换一个编码"),
                        );
                    }
                }
            }
        }

        let parent_code = t[U_PARENT].as_str();
        let mut parent: Option<(ParentRef, Option<UnitKind>, String)> = None;
        if parent_code.is_empty() {
            errors.add(
                n,
                h(U_PARENT),
                "请填写上级编码：系统中已有节点的编码，或本表上方某一行的编码",
            );
        } else if parent_code == code {
            errors.add(n, h(U_PARENT), "上级编码不能与本行的编码相同");
        } else if let Some(&j) = first_row_of.get(parent_code)
            && j < i
        {
            // A node created from an earlier row; when that row's own parent is unusable
            // its errors already explain why, so nothing more is said here.
            if let Some(ru) = &row_units[j] {
                parent = Some((ParentRef::Row(j), ru.kind, ru.base_path.clone()));
            }
        } else {
            match unit_by_code(conn, city, parent_code, &mut known).await? {
                Some(u) if access.reads_unit(&u.path) => {
                    parent = Some((ParentRef::Existing(u.id), Some(u.kind), u.path.clone()));
                }
                _ => match first_row_of.get(parent_code) {
                    Some(&j) => errors.add(
                        n,
                        h(U_PARENT),
                        format!(
                            "上级编码 {parent_code} 在第 {} 行：上级必须写在下级的上面，请调整行的顺序",
                            sheet.rows[j].number
                        ),
                    ),
                    None => errors.add(
                        n,
                        h(U_PARENT),
                        format!(
                            "上级编码 {parent_code} 不存在或不在您的管辖范围内：请填写系统中已有节点的编码，或本表上方某一行的编码"
                        ),
                    ),
                },
            }
        }
        if let (Some(k), Some((_, Some(pk), _))) = (kind, &parent)
            && !k.fits_under(*pk)
        {
            let allowed: Vec<&str> = pk.child_kinds().iter().map(|c| c.label()).collect();
            errors.add(
                n,
                h(U_KIND),
                if allowed.is_empty() {
                    format!("{}下面不能建{}", pk.label(), k.label())
                } else {
                    format!(
                        "{}下面不能建{}：只能建{}",
                        pk.label(),
                        k.label(),
                        allowed.join("、")
                    )
                },
            );
        }
        if let (Some(k), Some((_, _, base))) = (kind, &parent)
            && !access.creates_unit_under(base, k == UnitKind::Grid)
        {
            errors.add(
                n,
                h(U_PARENT),
                format!(
                    "只能在您管辖的范围内新建节点：您不能在 {parent_code} 下新建{}",
                    k.label()
                ),
            );
        }
        if let Some((parent_ref, _, base_path)) = parent {
            row_units[i] = Some(RowUnit { kind, base_path });
            planned.push(PlannedUnit {
                index: i,
                row: n,
                parent: parent_ref,
                input: NewUnit {
                    parent_id: 0,
                    kind: kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
                    name,
                    code,
                    boundary,
                    center_lon: lon,
                    center_lat: lat,
                },
            });
        }
    }
    Ok((planned, errors))
}

/// Import organisation nodes from an xlsx file (columns as in [`units_template`]). Every
/// row is checked first; only when no row has a problem are all of them created, in one
/// transaction, each through the same code (scope check, audit entry) as the form.
/// `Err` only for an unreadable file, a wrong header row, too many rows or a database
/// failure; row problems come back in the report.
pub async fn import_units(db: &Db, access: &Access, bytes: &[u8]) -> Result<ImportReport> {
    if !access.is_administrator() {
        return Err(Error::Forbidden("只有管理员和社区干部可以导入组织架构"));
    }
    let sheet = read_sheet(bytes, &UNIT_COLUMNS)?;
    let rows = sheet.rows.len();
    if rows == 0 {
        return Err(no_rows());
    }
    {
        let mut conn = db.reader().acquire().await?;
        let (_, errors) = plan_units(&mut conn, access, &sheet).await?;
        if !errors.is_empty() {
            return Ok(ImportReport::failed("units", rows, errors));
        }
    }
    let mut tx = db.begin().await?;
    let (planned, mut errors) = plan_units(&mut tx, access, &sheet).await?;
    if !errors.is_empty() {
        return Ok(ImportReport::failed("units", rows, errors));
    }
    let mut created: Vec<Option<i64>> = vec![None; rows];
    for pu in planned {
        let parent_id = match pu.parent {
            ParentRef::Existing(id) => id,
            ParentRef::Row(j) => match created[j] {
                Some(id) => id,
                None => {
                    errors.add(pu.row, UNIT_COLUMNS[U_PARENT].header, "上级节点没有建成");
                    break;
                }
            },
        };
        let input = NewUnit {
            parent_id,
            ..pu.input
        };
        match units::create_in(&mut tx, access, input).await {
            Ok(u) => created[pu.index] = Some(u.id),
            Err(Error::Invalid(fields)) => {
                errors.fields(pu.row, fields, unit_header);
                break;
            }
            Err(Error::Forbidden(m)) => {
                errors.add(pu.row, UNIT_COLUMNS[U_PARENT].header, m);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        // Dropping the transaction rolls back the rows already created.
        return Ok(ImportReport::failed("units", rows, errors));
    }
    tx.commit().await?;
    // A large import changes the table statistics the planner relies on.
    if rows >= 500 {
        db.analyze().await?;
    }
    Ok(ImportReport::done("units", rows))
}

/// The error for a file with a header and no data rows.
pub fn no_rows() -> Error {
    Error::field(
        "file",
        "表格中没有数据：表头在第 1 行，请从第 2 行起每行填写一条记录",
    )
}

// ---------------------------------------------------------------------------------------
// Importing people
// ---------------------------------------------------------------------------------------

struct PlannedPerson {
    row: usize,
    checked: people::Checked,
    scope: String,
}

/// Skill names of a cell: separated by 、 , ， ; ；.
fn skill_names(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in text
        .split(['、', ',', '，', ';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    }
    out
}

fn parse_party(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "" | "否" | "非党员" | "群众" | "n" | "no" | "false" | "0" => Some(false),
        "是" | "党员" | "中共党员" | "y" | "yes" | "true" | "1" => Some(true),
        _ => None,
    }
}

fn parse_basis(text: &str) -> Option<Option<String>> {
    match text {
        "" => Some(None),
        "居住地" | "home" => Some(Some("home".into())),
        "分派" | "assigned" => Some(Some("assigned".into())),
        _ => None,
    }
}

/// Check every row of a people file against the database seen through `conn`.
async fn plan_people(
    conn: &mut AnyConnection,
    access: &Access,
    sheet: &Sheet,
) -> Result<(Vec<PlannedPerson>, Errors)> {
    let city = access.city_id();
    let mut errors = Errors::default();
    let texts: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|r| sheet.texts(r, &mut errors))
        .collect();
    let root = people::root_path(conn, city).await?;
    let prefixes = access.admin_prefixes();
    let h = |i: usize| PEOPLE_COLUMNS[i].header;

    // Every skill named in the file, looked up once.
    let mut all_skills: Vec<String> = Vec::new();
    for t in &texts {
        for s in skill_names(&t[P_SKILLS]) {
            if !all_skills.contains(&s) {
                all_skills.push(s);
            }
        }
    }
    let (ids, unknown) = skills::ids_by_names(conn, city, &all_skills).await?;
    let mut ids = ids.into_iter();
    let skill_of: HashMap<String, i64> = all_skills
        .iter()
        .filter(|n| !unknown.contains(n))
        .filter_map(|n| ids.next().map(|id| (n.clone(), id)))
        .collect();

    let mut employer_of: HashMap<String, Option<i64>> = HashMap::new();
    let mut units_by_code: HashMap<String, Option<Unit>> = HashMap::new();
    let mut phones: HashMap<String, usize> = HashMap::new();
    let mut id_cards: HashMap<String, usize> = HashMap::new();
    let mut planned = Vec::new();

    for (row, t) in sheet.rows.iter().zip(&texts) {
        let n = row.number;
        let mut input = PersonInput {
            kind: t[P_KIND].clone(),
            name: t[P_NAME].clone(),
            phone: non_empty(&t[P_PHONE]),
            id_card: non_empty(&t[P_ID_CARD]),
            physical_limits: t[P_LIMITS].clone(),
            employer_registered_on: non_empty(&t[P_EMPLOYER_ON]),
            ..PersonInput::default()
        };
        if t[P_KIND].is_empty() {
            errors.add(n, h(P_KIND), "请填写人员类型：下沉人员、居民 或 社区工作者");
        }

        let employer = t[P_EMPLOYER].as_str();
        if !employer.is_empty() {
            let id = match employer_of.get(employer) {
                Some(id) => *id,
                None => {
                    let id = employers::id_by_name(conn, city, employer).await?;
                    employer_of.insert(employer.to_owned(), id);
                    id
                }
            };
            match id {
                Some(id) => input.employer_id = Some(id),
                None => {
                    // The date cannot be checked against an employer that is not there;
                    // check its format alone so the user is not told to "pick one first".
                    if let Some(d) = input.employer_registered_on.take()
                        && kernel::time::parse_date(&d).is_none()
                    {
                        errors.add(
                            n,
                            h(P_EMPLOYER_ON),
                            "日期格式应为 YYYY-MM-DD，例如 2026-03-01",
                        );
                    }
                    errors.add(
                    n,
                    h(P_EMPLOYER),
                    format!(
                        "派出单位“{employer}”不存在：请检查名称是否与系统中登记的完全一致，或先在系统中登记该单位"
                    ),
                    );
                }
            }
        }

        match parse_party(&t[P_PARTY]) {
            Some(b) => input.party_member = b,
            None => errors.add(n, h(P_PARTY), "党员一栏请填 是 或 否"),
        }

        let names = skill_names(&t[P_SKILLS]);
        let missing: Vec<&str> = names
            .iter()
            .filter(|s| !skill_of.contains_key(*s))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            input.skill_ids = names
                .iter()
                .filter_map(|s| skill_of.get(s).copied())
                .collect();
        } else {
            errors.add(
                n,
                h(P_SKILLS),
                format!(
                    "专长不在本市的专长目录中：{}。请使用目录中的名称（多项用“、”分隔），或请平台管理员先在目录中添加",
                    missing.join("、")
                ),
            );
        }

        match availability::parse_text(&t[P_AVAILABILITY]) {
            Ok(slots) => input.availability = slots,
            Err(m) => errors.add(
                n,
                h(P_AVAILABILITY),
                format!("{m}（示例：周六 09:00-17:00；周日 09:00-12:00）"),
            ),
        }

        for (column, code) in [(P_HOME, &t[P_HOME]), (P_COMMUNITY, &t[P_COMMUNITY])] {
            if code.is_empty() {
                continue;
            }
            let unit = unit_by_code(conn, city, code, &mut units_by_code).await?;
            let label = h(column);
            match unit {
                Some(u) if u.kind.is_community_level() => {
                    if column == P_HOME {
                        input.home_community_id = Some(u.id);
                    } else {
                        input.registered_community_id = Some(u.id);
                    }
                }
                Some(u) => errors.add(
                    n,
                    label,
                    format!(
                        "{label} {code} 是{}“{}”：须填写社区、村或联村社区的编码",
                        u.kind.label(),
                        u.name
                    ),
                ),
                None => errors.add(n, label, format!("{label} {code} 不存在：请检查编码")),
            }
        }

        match parse_basis(&t[P_BASIS]) {
            Some(b) => input.registration_basis = b,
            None => errors.add(n, h(P_BASIS), "报到依据请填 居住地 或 分派"),
        }
        input.community_registered_on = non_empty(&t[P_COMMUNITY_ON]);
        if t[P_COMMUNITY].is_empty() && (!t[P_BASIS].is_empty() || !t[P_COMMUNITY_ON].is_empty()) {
            errors.add(
                n,
                h(P_COMMUNITY),
                "填写了报到依据或社区报到日期，但没有填写报到社区编码",
            );
        }

        let mut p = Problems::default();
        let checked = people::check_input(conn, city, &input, &mut p).await?;
        errors.fields(n, field_errors(p), person_header);
        let Some(c) = checked else { continue };

        if let Some(ph) = &c.phone {
            match phones.entry(ph.clone()) {
                MapEntry::Occupied(e) => errors.add(
                    n,
                    h(P_PHONE),
                    format!("手机号与第 {} 行重复：每人的手机号须不同", e.get()),
                ),
                MapEntry::Vacant(e) => {
                    e.insert(n);
                }
            }
        }
        if let Some(id) = &c.id_card {
            match id_cards.entry(id.clone()) {
                MapEntry::Occupied(e) => {
                    errors.add(n, h(P_ID_CARD), format!("身份证号与第 {} 行重复", e.get()))
                }
                MapEntry::Vacant(e) => {
                    e.insert(n);
                }
            }
        }
        let mut p = Problems::default();
        people::duplicate_of(conn, city, &c, None, &mut p).await?;
        errors.fields(n, field_errors(p), person_header);

        let scope = c.scope_path(&root);
        if !prefixes.iter().any(|pre| scope.starts_with(pre.as_str())) {
            let column = if c.community_reg.is_some() || c.home.is_none() {
                h(P_COMMUNITY)
            } else {
                h(P_HOME)
            };
            errors.add(
                n,
                column,
                "不在您的管辖范围内：请填写您管辖范围内的报到社区编码或居住社区编码",
            );
            continue;
        }
        planned.push(PlannedPerson {
            row: n,
            checked: c,
            scope,
        });
    }
    Ok((planned, errors))
}

/// Import people from an xlsx file (columns as in [`people_template`]). Every row is
/// checked first (fields, references by name or code, duplicates within the file and in
/// the city, the caller's scope); only when no row has a problem are all of them
/// registered, in one transaction, each with its audit entry. `Err` only for an unreadable
/// file, a wrong header row, too many rows, a caller who administers nothing, or a
/// database failure; row problems come back in the report.
pub async fn import_people(db: &Db, access: &Access, bytes: &[u8]) -> Result<ImportReport> {
    if access.admin_prefixes().is_empty() {
        return Err(Error::Forbidden("只有管理员和社区干部可以导入人员"));
    }
    let sheet = read_sheet(bytes, &PEOPLE_COLUMNS)?;
    let rows = sheet.rows.len();
    if rows == 0 {
        return Err(no_rows());
    }
    {
        let mut conn = db.reader().acquire().await?;
        let (_, errors) = plan_people(&mut conn, access, &sheet).await?;
        if !errors.is_empty() {
            return Ok(ImportReport::failed("people", rows, errors));
        }
    }
    let mut tx = db.begin().await?;
    let (planned, mut errors) = plan_people(&mut tx, access, &sheet).await?;
    if !errors.is_empty() {
        return Ok(ImportReport::failed("people", rows, errors));
    }
    for pp in &planned {
        match people::insert(&mut tx, access, &pp.checked, &pp.scope).await {
            Ok(_) => {}
            Err(Error::Invalid(fields)) => {
                errors.fields(pp.row, fields, person_header);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        // Dropping the transaction rolls back the people already written.
        return Ok(ImportReport::failed("people", rows, errors));
    }
    tx.commit().await?;
    // A large import changes the table statistics the planner relies on.
    if rows >= 500 {
        db.analyze().await?;
    }
    Ok(ImportReport::done("people", rows))
}

// ---------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------

/// The error for an export over [`MAX_EXPORT_ROWS`].
pub fn too_many(what: &str, hint: &str) -> Error {
    Error::field(
        "export",
        format!("{what}超过 {MAX_EXPORT_ROWS} 条，无法一次导出：{hint}"),
    )
}

/// Every node under the caller's top nodes (the city's root node itself excepted: it cannot
/// be imported), in tree order, as an xlsx file with the template's columns; the parent
/// column holds the parent's code, so the file can be imported elsewhere.
pub async fn export_units(db: &Db, access: &Access) -> Result<Vec<u8>> {
    let city = access.city_id();
    let mut all: Vec<Unit> = Vec::new();
    for (_, prefix) in access.top_units() {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM org_unit WHERE city_id = $1 AND path LIKE $2 ORDER BY path LIMIT $3",
            units::COLS
        )))
        .bind(city)
        .bind(format!("{prefix}%"))
        .bind(MAX_EXPORT_ROWS as i64 + 1)
        .fetch_all(db.reader())
        .await?;
        for r in &rows {
            all.push(Unit::from_row(r)?);
        }
        if all.len() > MAX_EXPORT_ROWS {
            return Err(too_many("节点", "请联系平台管理员分区导出"));
        }
    }
    units::sort_as_tree(&mut all);
    let mut code_of: HashMap<i64, String> = all.iter().map(|u| (u.id, u.code.clone())).collect();
    let mut wb = Workbook::new();
    let mut too_long: Vec<String> = Vec::new();
    {
        let ws = add_data_sheet(&mut wb, "组织架构", &UNIT_COLUMNS)?;
        let exported = all.iter().filter(|u| u.kind != UnitKind::City);
        for (r, u) in (1u32..).zip(exported) {
            let parent_code = match u.parent_id {
                None => String::new(),
                Some(pid) => match code_of.get(&pid) {
                    Some(c) => c.clone(),
                    None => {
                        let c = units::fetch(db.reader(), city, pid)
                            .await?
                            .map(|p| p.code)
                            .unwrap_or_default();
                        code_of.insert(pid, c.clone());
                        c
                    }
                },
            };
            let boundary = match &u.boundary {
                Some(b) if b.chars().count() > CELL_MAX_CHARS => {
                    too_long.push(format!("{}（{}）", u.name, u.code));
                    String::new()
                }
                Some(b) => b.clone(),
                None => String::new(),
            };
            let values = [
                parent_code,
                u.kind.label().to_owned(),
                u.name.clone(),
                u.code.clone(),
                String::new(),
                String::new(),
                boundary,
            ];
            write_row(ws, r, &UNIT_COLUMNS, &values)?;
            if let (Some(lon), Some(lat)) = (u.center_lon, u.center_lat) {
                ws.write_number(r, U_LON as u16, lon).map_err(write_err)?;
                ws.write_number(r, U_LAT as u16, lat).map_err(write_err)?;
            }
        }
    }
    let note = format!(
        "注意：以下节点的边界超过 Excel 单元格的上限（{CELL_MAX_CHARS} 字），没有导出边界，请在系统中另行维护：{}",
        too_long.join("、")
    );
    let mut rules: Vec<&str> = units_rules();
    if !too_long.is_empty() {
        rules.push(&note);
    }
    let examples: Vec<&[&str]> = UNIT_EXAMPLES.iter().map(|r| r.as_slice()).collect();
    add_notes_sheet(&mut wb, "组织架构", &rules, &UNIT_COLUMNS, &examples)?;
    wb.save_to_buffer().map_err(write_err)
}

/// The code of a node, cached (empty when there is no node).
async fn unit_code(
    db: &Db,
    city_id: i64,
    id: Option<i64>,
    cache: &mut HashMap<i64, String>,
) -> Result<String> {
    let Some(id) = id else {
        return Ok(String::new());
    };
    if let Some(c) = cache.get(&id) {
        return Ok(c.clone());
    }
    let c = units::fetch(db.reader(), city_id, id)
        .await?
        .map(|u| u.code)
        .unwrap_or_default();
    cache.insert(id, c.clone());
    Ok(c)
}

/// The people the caller may list (filtered by `q`; its `after` and `limit` are ignored)
/// as an xlsx file with the template's columns. Phones and ID numbers appear as the caller
/// may see them (masked unless the caller administers the person), party membership is
/// left empty where the caller may not see it. The export is recorded in the audit log.
pub async fn export_people(db: &Db, access: &Access, q: &PeopleQuery) -> Result<Vec<u8>> {
    let city = access.city_id();
    let mut query = q.clone();
    query.after = None;
    query.limit = Some(kernel::paging::MAX_LIMIT);
    let mut ids = Vec::new();
    loop {
        let page = people::list(db, access, &query).await?;
        ids.extend(page.items.iter().map(|p| p.id));
        if ids.len() > MAX_EXPORT_ROWS {
            return Err(too_many(
                "符合条件的人员",
                "请按社区、派出单位或人员类型筛选后分批导出",
            ));
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let mut code_of: HashMap<i64, String> = HashMap::new();
    let mut wb = Workbook::new();
    let mut unmasked = 0usize;
    let mut written = 0u32;
    {
        let ws = add_data_sheet(&mut wb, "人员名单", &PEOPLE_COLUMNS)?;
        for id in &ids {
            let p = match people::get(db, access, *id).await {
                Ok(p) => p,
                // Gone or moved out of scope since the list was read.
                Err(Error::NotFound) => continue,
                Err(e) => return Err(e),
            };
            if !p.masked {
                unmasked += 1;
            }
            let emp = p.registrations.iter().find(|r| r.side == "employer");
            let com = p.registrations.iter().find(|r| r.side == "community");
            let home_code = unit_code(db, city, p.home_community_id, &mut code_of).await?;
            let community_code =
                unit_code(db, city, com.and_then(|r| r.community_id), &mut code_of).await?;
            let values = [
                p.name.clone(),
                p.phone.clone().unwrap_or_default(),
                p.id_card.clone().unwrap_or_default(),
                p.kind.label().to_owned(),
                p.employer_name.clone().unwrap_or_default(),
                match p.party_member {
                    Some(true) => "是".into(),
                    Some(false) => "否".into(),
                    None => String::new(),
                },
                p.skills
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                p.physical_limits.clone(),
                availability::to_text(&p.availability),
                home_code,
                emp.map(|r| r.registered_on.clone()).unwrap_or_default(),
                community_code,
                match com.and_then(|r| r.basis.as_deref()) {
                    Some("home") => "居住地".into(),
                    Some("assigned") => "分派".into(),
                    _ => String::new(),
                },
                com.map(|r| r.registered_on.clone()).unwrap_or_default(),
            ];
            written += 1;
            write_row(ws, written, &PEOPLE_COLUMNS, &values)?;
        }
    }
    let examples: Vec<&[&str]> = PEOPLE_EXAMPLES.iter().map(|r| r.as_slice()).collect();
    add_notes_sheet(
        &mut wb,
        "人员名单",
        &people_rules(),
        &PEOPLE_COLUMNS,
        &examples,
    )?;
    let bytes = wb.save_to_buffer().map_err(write_err)?;

    // Personal data left the platform: say who took what.
    let scope_path = match q.unit_id {
        Some(uid) => Some(units::get(db, access, uid).await?.path),
        None => match access.people_prefixes().as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
    };
    let mut tx = db.begin().await?;
    let scope_path = match scope_path {
        Some(p) => p,
        None => people::root_path(&mut tx, city).await?,
    };
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "export",
            object_kind: "person",
            object_id: 0,
            scope_path: &scope_path,
            before: None,
            after: Some(json!({
                "rows": written,
                "unmasked": unmasked,
                "filters": {
                    "unit_id": q.unit_id,
                    "employer_id": q.employer_id,
                    "kind": q.kind,
                    "search": q.q.as_deref().is_some_and(|s| !s.trim().is_empty()),
                },
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: Data, kind: CellKind) -> std::result::Result<String, String> {
        cell_text(&v, kind, "身份证号", false)
    }

    #[test]
    fn numbers_become_exact_text_or_are_refused() {
        assert_eq!(
            text(Data::Float(13812345678.0), CellKind::Digits).unwrap(),
            "13812345678"
        );
        assert_eq!(text(Data::Int(110105), CellKind::Digits).unwrap(), "110105");
        assert_eq!(
            text(Data::Float(110105001001.0), CellKind::Digits).unwrap(),
            "110105001001"
        );
        // An 18-digit ID typed into a number cell: Excel kept 15 digits.
        let e = text(Data::Float(110105194912310000.0), CellKind::Digits).unwrap_err();
        assert_eq!(
            e,
            "身份证号被 Excel 存成了数字，末几位已丢失：请把该列设为文本后重新填写"
        );
        assert!(text(Data::Float(3.2010219900307456e17), CellKind::Digits).is_err());
        assert_eq!(
            text(Data::Float(116.397), CellKind::Text).unwrap(),
            "116.397"
        );
        assert_eq!(text(Data::Float(116.0), CellKind::Text).unwrap(), "116");
        assert_eq!(
            text(
                Data::String("  13812345678\u{200b} ".into()),
                CellKind::Digits
            )
            .unwrap(),
            "13812345678"
        );
        assert_eq!(text(Data::Bool(true), CellKind::Text).unwrap(), "是");
        assert_eq!(text(Data::Empty, CellKind::Text).unwrap(), "");
        assert!(text(Data::Error(calamine::CellErrorType::NA), CellKind::Text).is_err());
    }

    #[test]
    fn dates_from_serials_cells_and_text() {
        assert_eq!(
            text(Data::Float(46082.0), CellKind::Date).unwrap(),
            "2026-03-01"
        );
        assert_eq!(
            text(Data::Int(46082), CellKind::Date).unwrap(),
            "2026-03-01"
        );
        let dt = ExcelDateTime::new(46082.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(
            text(Data::DateTime(dt), CellKind::Date).unwrap(),
            "2026-03-01"
        );
        assert_eq!(
            text(
                Data::DateTimeIso("2026-03-01T00:00:00".into()),
                CellKind::Date
            )
            .unwrap(),
            "2026-03-01"
        );
        for s in [
            "2026/3/1",
            "2026.03.01",
            "2026年3月1日",
            "20260301",
            "2026-3-1 08:00",
        ] {
            assert_eq!(
                text(Data::String(s.into()), CellKind::Date).unwrap(),
                "2026-03-01",
                "{s}"
            );
        }
        // Not a plausible date: left for the service to refuse with its own message.
        assert_eq!(text(Data::Int(2026), CellKind::Date).unwrap(), "2026");
        assert_eq!(
            text(Data::String("下周".into()), CellKind::Date).unwrap(),
            "下周"
        );
    }

    #[test]
    fn headers_match_by_name_in_any_order() {
        let header: Vec<(u32, String)> = [
            (0, "编码"),
            (1, " 类型 "),
            (3, "名称*"),
            (4, "上级编码（必填）"),
            (5, "备注"),
            (6, "边界geojson"),
        ]
        .into_iter()
        .map(|(c, h)| (c, h.to_owned()))
        .collect();
        let m = match_headers(&header, &UNIT_COLUMNS).unwrap();
        assert_eq!(m.get(&0), Some(&U_CODE));
        assert_eq!(m.get(&1), Some(&U_KIND));
        assert_eq!(m.get(&3), Some(&U_NAME));
        assert_eq!(m.get(&4), Some(&U_PARENT));
        assert_eq!(m.get(&6), Some(&U_BOUNDARY));
        assert_eq!(m.get(&5), None);

        let missing = match_headers(&header[2..], &UNIT_COLUMNS).unwrap_err();
        assert!(
            missing.contains("编码") && missing.contains("类型"),
            "{missing}"
        );
        assert!(!missing.contains("名称"), "{missing}");

        let mut twice = header.clone();
        twice.push((7, "名称".into()));
        assert!(
            match_headers(&twice, &UNIT_COLUMNS)
                .unwrap_err()
                .contains("不止一次")
        );
    }

    #[test]
    fn templates_read_back() {
        let sheet = read_sheet(&units_template().unwrap(), &UNIT_COLUMNS).unwrap();
        assert!(sheet.rows.is_empty());
        let sheet = read_sheet(&people_template().unwrap(), &PEOPLE_COLUMNS).unwrap();
        assert!(sheet.rows.is_empty());
        // Each template's header is not the other's.
        assert!(read_sheet(&units_template().unwrap(), &PEOPLE_COLUMNS).is_err());
    }

    #[test]
    fn cells_written_by_excel_read_back() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        // Shuffled header order, a blank row, numbers where text was expected.
        ws.write_string(0, 0, "手机号").unwrap();
        ws.write_string(0, 1, "姓名").unwrap();
        ws.write_string(0, 2, "人员类型").unwrap();
        ws.write_string(0, 3, "身份证号").unwrap();
        ws.write_string(0, 4, "社区报到日期").unwrap();
        ws.write_number(1, 0, 13812345678.0).unwrap();
        ws.write_string(1, 1, " 张伟 ").unwrap();
        ws.write_string(1, 2, "下沉人员").unwrap();
        ws.write_number(1, 3, 110105194912310000.0).unwrap();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        ws.write_number_with_format(1, 4, 46082.0, &date).unwrap();
        ws.write_string(3, 1, "李娜").unwrap();
        ws.write_string(3, 4, "2026/3/5").unwrap();
        let bytes = wb.save_to_buffer().unwrap();

        let sheet = read_sheet(&bytes, &PEOPLE_COLUMNS).unwrap();
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[0].number, 2);
        assert_eq!(sheet.rows[1].number, 4);
        let mut errors = Errors::default();
        let first = sheet.texts(&sheet.rows[0], &mut errors);
        assert_eq!(first[P_PHONE], "13812345678");
        assert_eq!(first[P_NAME], "张伟");
        assert_eq!(first[P_ID_CARD], "");
        assert_eq!(first[P_COMMUNITY_ON], "2026-03-01");
        assert_eq!(errors.list.len(), 1);
        assert_eq!(errors.list[0].row, 2);
        assert_eq!(errors.list[0].column, "身份证号");
        let second = sheet.texts(&sheet.rows[1], &mut errors);
        assert_eq!(second[P_NAME], "李娜");
        assert_eq!(second[P_COMMUNITY_ON], "2026-03-05");
        assert_eq!(second[P_EMPLOYER], "");
    }

    #[test]
    fn not_an_xlsx_is_a_field_error() {
        match read_sheet(b"name,phone\n", &PEOPLE_COLUMNS) {
            Err(Error::Invalid(f)) => {
                assert_eq!(f[0].field, "file");
                assert!(
                    f[0].message
                        .starts_with("文件不是有效的 Excel（.xlsx）文件：")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn too_many_rows_are_refused() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "姓名").unwrap();
        ws.write_string(0, 1, "手机号").unwrap();
        ws.write_string(0, 2, "人员类型").unwrap();
        for r in 1..=(MAX_IMPORT_ROWS as u32 + 1) {
            ws.write_string(r, 0, "某").unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        match read_sheet(&bytes, &PEOPLE_COLUMNS) {
            Err(Error::Invalid(f)) => assert!(f[0].message.contains("20000")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn small_parsers() {
        assert_eq!(
            skill_names("医疗、 法律咨询,医疗"),
            vec!["医疗", "法律咨询"]
        );
        assert_eq!(parse_party("是"), Some(true));
        assert_eq!(parse_party(""), Some(false));
        assert_eq!(parse_party("也许"), None);
        assert_eq!(parse_basis("居住地"), Some(Some("home".into())));
        assert_eq!(parse_basis("随便"), None);
        assert_eq!(normalise_header("手机号（必填）*"), "手机号");
        assert_eq!(unit_header("center_lat"), "中心纬度");
        assert_eq!(person_header("registered_community_id"), "报到社区编码");
    }

    #[test]
    fn reports_cap_their_error_list() {
        let mut e = Errors::default();
        for r in 0..(MAX_REPORTED_ERRORS + 5) {
            e.add(r + 2, "姓名", "请填写姓名");
            e.add(r + 2, "姓名", "ignored: one error per cell");
        }
        let rep = ImportReport::failed("people", 2000, e);
        assert_eq!(rep.errors.len(), MAX_REPORTED_ERRORS);
        assert_eq!(rep.omitted_errors, 5);
        assert!(!rep.ok());
        assert!(ImportReport::done("people", 3).ok());
    }

    /// A throw-away SQLite database with a city, for the import/export round trips.
    async fn city() -> (Db, Access, std::path::PathBuf) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "civicgrid-xlsx-{}-{}.db",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let db = Db::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let (city_id, root) = units::create_city(&db, "测试市", "110000").await.unwrap();
        let access = crate::access::system_access(city_id, root.id, "测试");
        (db, access, path)
    }

    fn remove(path: &std::path::Path) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }

    fn book(header: &[&str], rows: &[&[&str]]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    const UNIT_HEAD: [&str; 4] = ["上级编码", "类型", "名称", "编码"];

    #[tokio::test]
    async fn units_import_all_or_nothing_and_export_round_trip() {
        let (db, access, path) = city().await;
        let bad = book(
            &UNIT_HEAD,
            &[
                &["110000", "区县", "东城区", "110101"],
                &["110101", "社区", "错层社区", "110101001"],
                &["999999", "街道", "无主街道", "110101002"],
                &["110000", "区县", "重复区", "110101"],
            ],
        );
        let rep = import_units(&db, &access, &bad).await.unwrap();
        assert_eq!(rep.imported, 0);
        let rows: Vec<usize> = rep.errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![3, 4, 5], "{rep:?}");
        assert!(
            units::fetch_by_code(db.reader(), access.city_id(), "110101")
                .await
                .unwrap()
                .is_none()
        );

        let good = book(
            &UNIT_HEAD,
            &[
                &["110000", "区县", "东城区", "110101"],
                &["110101", "街道", "东华门街道", "110101001"],
                &["110101001", "社区", "多福巷社区", "110101001001"],
                &["110101001001", "网格", "第一网格", "110101001001-01"],
            ],
        );
        let rep = import_units(&db, &access, &good).await.unwrap();
        assert!(rep.ok(), "{rep:?}");
        assert_eq!(rep.imported, 4);
        let again = import_units(&db, &access, &good).await.unwrap();
        assert_eq!(again.errors.len(), 4);
        assert!(again.errors.iter().all(|e| e.column == "编码"));

        let exported = export_units(&db, &access).await.unwrap();
        let sheet = read_sheet(&exported, &UNIT_COLUMNS).unwrap();
        let mut errors = Errors::default();
        let codes: Vec<(String, String)> = sheet
            .rows
            .iter()
            .map(|r| {
                let t = sheet.texts(r, &mut errors);
                (t[U_PARENT].clone(), t[U_CODE].clone())
            })
            .collect();
        assert_eq!(codes[0], ("110000".to_owned(), "110101".to_owned()));
        assert_eq!(codes.len(), 4);
        assert!(errors.is_empty());
        remove(&path);
    }

    #[tokio::test]
    async fn people_import_checks_rows_and_export_reads_back() {
        let (db, access, path) = city().await;
        let tree = book(
            &UNIT_HEAD,
            &[
                &["110000", "区县", "东城区", "110101"],
                &["110101", "街道", "东华门街道", "110101001"],
                &["110101001", "社区", "多福巷社区", "110101001001"],
            ],
        );
        assert!(import_units(&db, &access, &tree).await.unwrap().ok());
        crate::skills::create(
            &db,
            &access,
            crate::skills::SkillInput {
                name: "医疗".into(),
                category: "专业".into(),
            },
        )
        .await
        .unwrap();
        crate::employers::create(
            &db,
            &access,
            crate::employers::EmployerInput {
                name: "市卫生健康委员会".into(),
                kind: "机关".into(),
                party_org: "机关党委".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let head: Vec<&str> = PEOPLE_COLUMNS.iter().map(|c| c.header).collect();
        let alice: [&str; 14] = [
            "张伟",
            "13812345678",
            "11010519491231002X",
            "下沉人员",
            "市卫生健康委员会",
            "是",
            "医疗",
            "",
            "周六 09:00-17:00；周日 09:00-12:00",
            "110101001001",
            "2026-03-01",
            "110101001001",
            "居住地",
            "2026/3/5",
        ];
        let mut dup = alice;
        dup[0] = "王五";
        dup[2] = "";
        let mut wrong = alice;
        wrong[0] = "赵六";
        wrong[1] = "13900000000";
        wrong[2] = "";
        wrong[4] = "不存在的单位";
        wrong[6] = "医疗、杂技";
        wrong[11] = "110101001";
        let rep = import_people(&db, &access, &book(&head, &[&alice, &dup, &wrong]))
            .await
            .unwrap();
        assert_eq!(rep.imported, 0);
        let cells: Vec<(usize, &str)> = rep
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(
            cells,
            vec![
                (3, "手机号"),
                (4, "派出单位"),
                (4, "专长"),
                (4, "报到社区编码")
            ],
            "{rep:?}"
        );

        let rep = import_people(&db, &access, &book(&head, &[&alice]))
            .await
            .unwrap();
        assert!(rep.ok(), "{rep:?}");
        let again = import_people(&db, &access, &book(&head, &[&alice]))
            .await
            .unwrap();
        assert!(!again.ok());

        let exported = export_people(&db, &access, &PeopleQuery::default())
            .await
            .unwrap();
        let sheet = read_sheet(&exported, &PEOPLE_COLUMNS).unwrap();
        let mut errors = Errors::default();
        let t = sheet.texts(&sheet.rows[0], &mut errors);
        let mut expected: Vec<String> = alice.iter().map(|s| s.to_string()).collect();
        expected[13] = "2026-03-05".into();
        assert_eq!(t, expected);

        // An inspector reads the list but sees neither full contacts nor party membership.
        let mut inspector = access.clone();
        inspector.person_id = -1;
        for g in &mut inspector.grants {
            g.role = crate::access::Role::Inspector;
        }
        let exported = export_people(&db, &inspector, &PeopleQuery::default())
            .await
            .unwrap();
        let sheet = read_sheet(&exported, &PEOPLE_COLUMNS).unwrap();
        let t = sheet.texts(&sheet.rows[0], &mut errors);
        assert_eq!(t[P_PHONE], "138****5678");
        assert_eq!(t[P_ID_CARD], "110105********002X");
        assert_eq!(t[P_PARTY], "");
        assert!(import_people(&db, &inspector, &exported).await.is_err());
        remove(&path);
    }
}
