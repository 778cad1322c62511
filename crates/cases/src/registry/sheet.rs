//! Registries in spreadsheets: a template per kind, an all-or-nothing import per kind (the
//! grid by its code; every row checked as the form checks it, every problem reported with
//! its row and column, nothing written unless the whole file is right), and the export of
//! a grid's (or community's) registry with the template's columns, so it imports again.
//! The reading and report types are the people import's (`org::xlsx`).

use std::collections::HashMap;

use kernel::error::Problems;
use kernel::{Db, Error, Result};
use org::Access;
use org::units::{Unit, UnitKind};
use org::xlsx::{
    COMMON_RULES, CellKind, Column, Errors, ImportReport, MAX_EXPORT_ROWS, add_data_sheet,
    add_notes_sheet, col, no_rows, read_sheet, too_many, with_choices, with_note, write_err,
    write_row,
};
use rust_xlsxwriter::Workbook;
use serde_json::{Map, Value};

use super::kinds::{self, Kind, POLLUTION, STALL_FORMS};
use super::read::all_of;
use super::{Checked, EntryInput, check_fields, code_taken, insert_in, scope};
use crate::patrol::keeps;

const YES_NO: [&str; 2] = ["是", "否"];

const GRID: Column = with_note(
    col("网格编码", CellKind::Digits, true, 18.0),
    "必填。登记对象所在网格的编码（在“组织与网格”中可以查到），须是您管辖的网格",
);
const NAME: Column = with_note(
    col("名称", CellKind::Text, true, 24.0),
    "必填，最多 60 字：企业名称、摊点名称或摊主姓名、道路名称、楼栋名称",
);
const ADDRESS: Column = with_note(col("地址", CellKind::Text, false, 28.0), "最多 100 字");
const LON: Column = with_note(
    col("经度", CellKind::Text, false, 12.0),
    "可不填。WGS-84 经度（度），与纬度一起填写，如 114.3054",
);
const LAT: Column = with_note(
    col("纬度", CellKind::Text, false, 12.0),
    "可不填。WGS-84 纬度（度），如 30.5931",
);
const CONTACT: Column = with_note(col("联系人", CellKind::Text, false, 12.0), "最多 30 字");
const PHONE: Column = with_note(
    col("联系电话", CellKind::Digits, false, 16.0),
    "11 位手机号，或带区号的固定电话，如 027-82881234",
);
const NOTE: Column = with_note(col("备注", CellKind::Text, false, 28.0), "最多 200 字");

const fn text(header: &'static str, required: bool, note: &'static str) -> Column {
    with_note(col(header, CellKind::Text, required, 16.0), note)
}

const ENTERPRISE: [Column; 12] = [
    GRID,
    NAME,
    with_note(
        col("统一社会信用代码", CellKind::Digits, true, 22.0),
        "必填。营业执照上的 18 位代码",
    ),
    ADDRESS,
    LON,
    LAT,
    CONTACT,
    PHONE,
    text("行业", true, "必填，最多 30 字，例如：餐饮、汽车维修、印刷"),
    with_choices(
        text("排污类型", false, "无、废水、废气、噪声、固体废物或多种"),
        &POLLUTION,
        true,
    ),
    with_choices(
        text("环保重点", false, "是否列入环保重点监管：是或否"),
        &YES_NO,
        true,
    ),
    NOTE,
];
const ENTERPRISE_FIELDS: [&str; 12] = [
    "grid",
    "name",
    "code",
    "address",
    "lon",
    "lat",
    "contact_name",
    "contact_phone",
    "attrs.industry",
    "attrs.pollution",
    "attrs.env_key",
    "note",
];

const STALL: [Column; 13] = [
    GRID,
    NAME,
    with_note(
        col("摊位编号", CellKind::Digits, false, 12.0),
        "可不填，最多 30 字",
    ),
    ADDRESS,
    LON,
    LAT,
    CONTACT,
    PHONE,
    with_choices(
        text(
            "困难摊贩",
            false,
            "是或否。困难摊贩以疏导安置为主，不简单处罚",
        ),
        &YES_NO,
        true,
    ),
    text("经营品种", true, "必填，最多 30 字，例如：水果、早点"),
    with_choices(
        text("摊点类型", true, "必填：固定摊点或流动摊贩"),
        &STALL_FORMS,
        true,
    ),
    text("安置点", false, "最多 60 字：疏导到的便民市场或临时摊区"),
    NOTE,
];
const STALL_FIELDS: [&str; 13] = [
    "grid",
    "name",
    "code",
    "address",
    "lon",
    "lat",
    "contact_name",
    "contact_phone",
    "hardship",
    "attrs.goods",
    "attrs.form",
    "attrs.relocation",
    "note",
];

const ROAD: [Column; 12] = [
    GRID,
    NAME,
    with_note(
        col("道路编号", CellKind::Digits, false, 12.0),
        "可不填，最多 30 字",
    ),
    ADDRESS,
    LON,
    LAT,
    CONTACT,
    PHONE,
    text("起点", true, "必填，最多 30 字"),
    text("终点", true, "必填，最多 30 字"),
    text("长度（米）", false, "整数，1 到 100000"),
    NOTE,
];
const ROAD_FIELDS: [&str; 12] = [
    "grid",
    "name",
    "code",
    "address",
    "lon",
    "lat",
    "contact_name",
    "contact_phone",
    "attrs.from",
    "attrs.to",
    "attrs.length_m",
    "note",
];

const BUILDING: [Column; 12] = [
    GRID,
    NAME,
    with_note(
        col("楼栋编号", CellKind::Digits, false, 12.0),
        "可不填，最多 30 字",
    ),
    ADDRESS,
    LON,
    LAT,
    CONTACT,
    PHONE,
    text("层数", true, "必填，地上层数，1 到 200"),
    text("户数", false, "整数，0 到 10000"),
    text("物业公司", false, "最多 60 字；没有物业可写“无物业”"),
    NOTE,
];
const BUILDING_FIELDS: [&str; 12] = [
    "grid",
    "name",
    "code",
    "address",
    "lon",
    "lat",
    "contact_name",
    "contact_phone",
    "attrs.floors",
    "attrs.households",
    "attrs.property",
    "note",
];

fn columns(kind: Kind) -> (&'static [Column], &'static [&'static str]) {
    match kind {
        Kind::Enterprise => (&ENTERPRISE, &ENTERPRISE_FIELDS),
        Kind::Stall => (&STALL, &STALL_FIELDS),
        Kind::Road => (&ROAD, &ROAD_FIELDS),
        Kind::Building => (&BUILDING, &BUILDING_FIELDS),
    }
}

fn examples(kind: Kind) -> Vec<&'static [&'static str]> {
    match kind {
        Kind::Enterprise => vec![&[
            "420102001-01",
            "江城印务有限公司",
            "91420102MA4K000A00",
            "幸福路 18 号",
            "",
            "",
            "王经理",
            "13800001111",
            "印刷",
            "废气",
            "是",
            "",
        ]],
        Kind::Stall => vec![
            &[
                "420102001-01",
                "老刘水果摊",
                "",
                "幸福路与和平街路口",
                "",
                "",
                "刘大爷",
                "13800002222",
                "是",
                "水果",
                "流动摊贩",
                "幸福路便民疏导点",
                "",
            ],
            &[
                "420102001-01",
                "张记早点",
                "A-03",
                "和平街 6 号门前",
                "",
                "",
                "张师傅",
                "13800003333",
                "否",
                "早点",
                "固定摊点",
                "",
                "",
            ],
        ],
        Kind::Road => vec![&[
            "420102001-01",
            "幸福路",
            "",
            "",
            "",
            "",
            "",
            "",
            "解放大道",
            "中山大道",
            "860",
            "",
        ]],
        Kind::Building => vec![&[
            "420102001-01",
            "幸福小区 3 栋",
            "3",
            "幸福路 20 号",
            "",
            "",
            "",
            "",
            "18",
            "120",
            "安居物业",
            "",
        ]],
    }
}

/// The file name of a kind's sheets (模板 or 名单 appended by the caller).
pub fn title(kind: Kind) -> String {
    format!("{}登记", kind.label())
}

fn rules() -> Vec<&'static str> {
    let mut r = COMMON_RULES.to_vec();
    r.push("5. 每个文件只导入一类登记对象：企业、摊点摊贩、道路、楼栋各用各的模板。");
    r.push("6. 登记对象须在您管辖的网格内（网格长：本网格；社区干部：本社区的网格）。");
    r
}

/// The blank template of a kind: the header row and a 填写说明 sheet.
pub fn template(kind: Kind) -> Result<Vec<u8>> {
    let (cols, _) = columns(kind);
    let mut wb = Workbook::new();
    add_data_sheet(&mut wb, &title(kind), cols)?;
    add_notes_sheet(&mut wb, &title(kind), &rules(), cols, &examples(kind))?;
    wb.save_to_buffer().map_err(write_err)
}

fn report_kind(kind: Kind) -> String {
    format!("registry_{}", kind.as_str())
}

/// Import entries of `kind` from an xlsx file (columns as in [`template`]): every row is
/// checked first; only a file without a single problem is written, in one transaction,
/// each entry with its audit entry. `Err` only for an unreadable file, a wrong header row,
/// too many rows, a caller who keeps no grid, or a database failure.
pub async fn import(db: &Db, access: &Access, kind: Kind, bytes: &[u8]) -> Result<ImportReport> {
    if !access.grants().iter().any(|g| keeps(access, &g.unit_path)) {
        return Err(Error::Forbidden("只有网格长和社区干部可以导入登记造册"));
    }
    let (cols, fields) = columns(kind);
    let sheet = read_sheet(bytes, cols)?;
    let rows = sheet.rows.len();
    if rows == 0 {
        return Err(no_rows());
    }
    let header = |field: &str| -> &'static str {
        let field = match field {
            "crs" => "lon",
            "grid_id" => "grid",
            f => f,
        };
        fields
            .iter()
            .position(|f| *f == field)
            .map_or(NAME.header, |i| cols[i].header)
    };
    let mut errors = Errors::default();
    let mut grids: HashMap<String, Option<Unit>> = HashMap::new();
    let mut codes: HashMap<String, usize> = HashMap::new();
    let mut planned: Vec<Checked> = Vec::with_capacity(rows);
    for row in &sheet.rows {
        let texts = sheet.texts(row, &mut errors);
        let cell = |field: &str| {
            fields
                .iter()
                .position(|f| *f == field)
                .and_then(|i| texts.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let n = row.number;
        let grid = grid_of(db, access, &cell("grid"), &mut grids).await?;
        let grid = match grid {
            Ok(g) => Some(g),
            Err(m) => {
                errors.add(n, GRID.header, m);
                None
            }
        };
        let mut degrees = |field: &str| -> Option<f64> {
            let t = cell(field);
            if t.is_empty() {
                return None;
            }
            let v = t.parse::<f64>().ok().filter(|v| v.is_finite());
            if v.is_none() {
                errors.add(n, header(field), format!("应为数字（度），收到的是“{t}”"));
            }
            v
        };
        let (lon, lat) = (degrees("lon"), degrees("lat"));
        let hardship = match kinds::parse_bool(&cell("hardship")) {
            Some(b) => b,
            None => {
                errors.add(n, header("hardship"), "困难摊贩请填“是”或“否”");
                false
            }
        };
        let mut attrs = Map::new();
        for a in kind.attrs() {
            let t = cell(&format!("attrs.{}", a.key));
            if !t.is_empty() {
                attrs.insert(a.key.into(), Value::String(t));
            }
        }
        let input = EntryInput {
            kind: Some(kind.as_str().into()),
            name: cell("name"),
            grid_id: grid.as_ref().map(|g| g.id),
            address: cell("address"),
            lon,
            lat,
            crs: None,
            code: Some(cell("code")),
            contact_name: Some(cell("contact_name")),
            contact_phone: Some(cell("contact_phone")),
            hardship,
            attrs,
            note: cell("note"),
        };
        let mut p = Problems::default();
        let f = check_fields(&mut p, kind, &input);
        if let Err(Error::Invalid(v)) = p.finish() {
            for fe in v {
                errors.add(n, header(&fe.field), fe.message);
            }
        }
        if let Some(code) = f.code.clone().filter(|_| kind.code_required()) {
            if let Some(first) = codes.get(&code) {
                errors.add(
                    n,
                    header("code"),
                    format!("与第 {first} 行的统一社会信用代码重复"),
                );
            } else if let Some(other) = code_taken(db, access.city_id(), kind, &code, 0).await? {
                errors.add(
                    n,
                    header("code"),
                    format!("这个统一社会信用代码已经登记过了（{other}）"),
                );
            }
            codes.entry(code).or_insert(n);
        }
        if let Some(grid) = grid {
            planned.push(Checked { grid, f });
        }
    }
    if !errors.is_empty() {
        return Ok(ImportReport::failed(&report_kind(kind), rows, errors));
    }
    let mut tx = db.begin().await?;
    for c in &planned {
        insert_in(&mut tx, access, c).await?;
    }
    tx.commit().await?;
    if rows >= 500 {
        db.analyze().await?;
    }
    Ok(ImportReport::done(&report_kind(kind), rows))
}

/// The grid of a code the caller keeps, or what is wrong with it (for the report).
async fn grid_of(
    db: &Db,
    access: &Access,
    code: &str,
    cache: &mut HashMap<String, Option<Unit>>,
) -> Result<std::result::Result<Unit, &'static str>> {
    if code.is_empty() {
        return Ok(Err("请填写网格编码"));
    }
    if !cache.contains_key(code) {
        let u = match org::units::get_by_code(db, access, code).await {
            Ok(u) => Some(u),
            Err(Error::NotFound) => None,
            Err(e) => return Err(e),
        };
        cache.insert(code.to_owned(), u);
    }
    Ok(match cache.get(code).cloned().flatten() {
        None => Err("没有这个网格编码，或不在您的管辖范围内：请核对编码"),
        Some(u) if u.kind != UnitKind::Grid => Err("这个编码不是网格：请填写网格的编码"),
        Some(u) if !keeps(access, &u.path) => Err("这个网格不归您管理：只能导入您管辖的网格"),
        Some(u) => Ok(u),
    })
}

/// The active entries of `kind` under a node (or the caller's whole scope), as an xlsx
/// file with the template's columns (phones masked unless the caller keeps the entry).
pub async fn export(db: &Db, access: &Access, kind: Kind, unit_id: Option<i64>) -> Result<Vec<u8>> {
    let prefixes = scope(db, access, unit_id).await?;
    if prefixes.is_empty() {
        return Err(Error::Forbidden("您没有可导出的登记造册"));
    }
    let entries = all_of(db, access, kind, &prefixes, MAX_EXPORT_ROWS).await?;
    if entries.len() > MAX_EXPORT_ROWS {
        return Err(too_many("登记对象", "请按网格分别导出"));
    }
    let mut codes: HashMap<i64, String> = HashMap::new();
    for e in &entries {
        if let std::collections::hash_map::Entry::Vacant(v) = codes.entry(e.grid_id) {
            let code = org::units::fetch_any(db, access.city_id(), e.grid_id)
                .await?
                .map(|g| g.code)
                .unwrap_or_default();
            v.insert(code);
        }
    }
    let (cols, fields) = columns(kind);
    let mut wb = Workbook::new();
    let ws = add_data_sheet(&mut wb, &title(kind), cols)?;
    for (i, e) in entries.iter().enumerate() {
        let values: Vec<String> = fields
            .iter()
            .map(|f| match *f {
                "grid" => codes.get(&e.grid_id).cloned().unwrap_or_default(),
                "name" => e.name.clone(),
                "code" => e.code.clone().unwrap_or_default(),
                "address" => e.address.clone(),
                "lon" => e.lon.map(|v| format!("{v:.7}")).unwrap_or_default(),
                "lat" => e.lat.map(|v| format!("{v:.7}")).unwrap_or_default(),
                "contact_name" => e.contact_name.clone().unwrap_or_default(),
                "contact_phone" => e.contact_phone.clone().unwrap_or_default(),
                "hardship" => if e.hardship { "是" } else { "否" }.into(),
                "note" => e.note.clone(),
                other => other
                    .strip_prefix("attrs.")
                    .and_then(|k| kind.attrs().iter().find(|a| a.key == k))
                    .map(|a| kinds::shown(a, &e.attrs))
                    .unwrap_or_default(),
            })
            .collect();
        write_row(ws, i as u32 + 1, cols, &values)?;
    }
    wb.save_to_buffer().map_err(write_err)
}
