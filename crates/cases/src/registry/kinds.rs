//! The four registries and what each records beyond the common columns: enterprises
//! (统一社会信用代码, 行业, 排污类型, 环保重点), stalls and vendors (经营品种, 固定/流动,
//! 安置点; the 困难摊贩 flag is a common column), roads (起止点, 长度), buildings (层数, 户数,
//! 物业公司). One table of attributes drives the check, the forms and the spreadsheets.

use kernel::error::Problems;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// What is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 企业 (for environmental inspection).
    Enterprise,
    /// 摊点摊贩 (fixed stalls and street vendors).
    Stall,
    /// 道路.
    Road,
    /// 楼栋.
    Building,
}

impl Kind {
    /// Every kind, in the order lists show them.
    pub const ALL: [Kind; 4] = [Kind::Enterprise, Kind::Stall, Kind::Road, Kind::Building];

    /// Stable code (stored).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Enterprise => "enterprise",
            Kind::Stall => "stall",
            Kind::Road => "road",
            Kind::Building => "building",
        }
    }

    /// Parse a stable code.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Enterprise => "企业",
            Kind::Stall => "摊点摊贩",
            Kind::Road => "道路",
            Kind::Building => "楼栋",
        }
    }

    /// What the name field is called.
    pub fn name_label(self) -> &'static str {
        match self {
            Kind::Enterprise => "企业名称",
            Kind::Stall => "摊点名称或摊主姓名",
            Kind::Road => "道路名称",
            Kind::Building => "楼栋名称",
        }
    }

    /// What the code field is called.
    pub fn code_label(self) -> &'static str {
        match self {
            Kind::Enterprise => "统一社会信用代码",
            Kind::Stall => "摊位编号",
            Kind::Road => "道路编号",
            Kind::Building => "楼栋编号",
        }
    }

    /// Whether the code must be given (an enterprise's credit code).
    pub fn code_required(self) -> bool {
        self == Kind::Enterprise
    }

    /// The attributes of this kind.
    pub fn attrs(self) -> &'static [Attr] {
        match self {
            Kind::Enterprise => &ENTERPRISE,
            Kind::Stall => &STALL,
            Kind::Road => &ROAD,
            Kind::Building => &BUILDING,
        }
    }
}

/// How an attribute's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// Text up to this many characters.
    Text(usize),
    /// A whole number in this range.
    Int(i64, i64),
    /// Yes or no.
    Bool,
    /// One of a fixed list.
    Choice(&'static [&'static str]),
}

/// One attribute of a kind.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    /// Key in the attributes JSON (the field is `attrs.<key>`).
    pub key: &'static str,
    /// Label (also the spreadsheet's header).
    pub label: &'static str,
    /// How it is written.
    pub ty: AttrType,
    /// Whether it must be given.
    pub required: bool,
    /// What to fill in, under the field.
    pub hint: &'static str,
}

const fn attr(
    key: &'static str,
    label: &'static str,
    ty: AttrType,
    required: bool,
    hint: &'static str,
) -> Attr {
    Attr {
        key,
        label,
        ty,
        required,
        hint,
    }
}

/// 排污类型.
pub const POLLUTION: [&str; 6] = ["无", "废水", "废气", "噪声", "固体废物", "多种"];
/// 固定摊点 or 流动摊贩.
pub const STALL_FORMS: [&str; 2] = ["固定摊点", "流动摊贩"];

const ENTERPRISE: [Attr; 3] = [
    attr(
        "industry",
        "行业",
        AttrType::Text(30),
        true,
        "例如：餐饮、汽车维修、印刷、建材",
    ),
    attr(
        "pollution",
        "排污类型",
        AttrType::Choice(&POLLUTION),
        false,
        "无、废水、废气、噪声、固体废物或多种",
    ),
    attr(
        "env_key",
        "环保重点",
        AttrType::Bool,
        false,
        "是否列入环保重点监管",
    ),
];

const STALL: [Attr; 3] = [
    attr(
        "goods",
        "经营品种",
        AttrType::Text(30),
        true,
        "例如：水果、早点、小百货",
    ),
    attr(
        "form",
        "摊点类型",
        AttrType::Choice(&STALL_FORMS),
        true,
        "固定摊点或流动摊贩",
    ),
    attr(
        "relocation",
        "安置点",
        AttrType::Text(60),
        false,
        "疏导到的便民市场或临时摊区，例如：幸福路便民疏导点",
    ),
];

const ROAD: [Attr; 3] = [
    attr("from", "起点", AttrType::Text(30), true, "例如：解放大道"),
    attr("to", "终点", AttrType::Text(30), true, "例如：中山大道"),
    attr(
        "length_m",
        "长度（米）",
        AttrType::Int(1, 100_000),
        false,
        "整数，1 到 100000",
    ),
];

const BUILDING: [Attr; 3] = [
    attr(
        "floors",
        "层数",
        AttrType::Int(1, 200),
        true,
        "地上层数，1 到 200",
    ),
    attr(
        "households",
        "户数",
        AttrType::Int(0, 10_000),
        false,
        "整数，0 到 10000",
    ),
    attr(
        "property",
        "物业公司",
        AttrType::Text(60),
        false,
        "没有物业的老旧小区可写“无物业”",
    ),
];

/// Read yes/no as people write it.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "是" | "true" | "1" | "yes" | "on" | "Y" | "y" => Some(true),
        "否" | "false" | "0" | "no" | "off" | "N" | "n" | "" => Some(false),
        _ => None,
    }
}

/// The value as text (numbers and yes/no written out); `None` for null.
fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Bool(b) => Some(if *b { "是" } else { "否" }.to_owned()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Check the attributes of `kind` (values as JSON or as text typed into a form or a
/// cell); problems go to `attrs.<key>`. Returns what is stored: keys of the kind only,
/// empty optional values left out, numbers as numbers and yes/no as booleans.
pub fn check(p: &mut Problems, kind: Kind, given: &Map<String, Value>) -> Map<String, Value> {
    let specs = kind.attrs();
    for key in given.keys() {
        if !specs.iter().any(|a| a.key == key) {
            p.add(
                &format!("attrs.{key}"),
                format!("{}没有“{key}”这一项", kind.label()),
            );
        }
    }
    let mut out = Map::new();
    for a in specs {
        let field = format!("attrs.{}", a.key);
        let raw = given.get(a.key);
        let text = raw.and_then(as_text).unwrap_or_default();
        if text.is_empty() && !matches!(raw, Some(Value::Bool(_))) {
            if a.required {
                p.add(&field, format!("请填写{}", a.label));
            }
            continue;
        }
        match a.ty {
            AttrType::Text(max) => {
                if text.chars().count() > max {
                    p.add(&field, format!("{}最多 {max} 个字", a.label));
                } else {
                    out.insert(a.key.into(), Value::String(text));
                }
            }
            AttrType::Int(lo, hi) => match text.parse::<i64>() {
                Ok(n) if (lo..=hi).contains(&n) => {
                    out.insert(a.key.into(), Value::from(n));
                }
                _ => p.add(&field, format!("{}应为 {lo} 到 {hi} 之间的整数", a.label)),
            },
            AttrType::Bool => match raw {
                Some(Value::Bool(b)) => {
                    out.insert(a.key.into(), Value::Bool(*b));
                }
                _ => match parse_bool(&text) {
                    Some(b) => {
                        out.insert(a.key.into(), Value::Bool(b));
                    }
                    None => p.add(&field, format!("{}请填“是”或“否”", a.label)),
                },
            },
            AttrType::Choice(list) => {
                if list.contains(&text.as_str()) {
                    out.insert(a.key.into(), Value::String(text));
                } else {
                    p.add(&field, format!("{}只能是：{}", a.label, list.join("、")));
                }
            }
        }
    }
    out
}

/// An attribute's stored value as people read it (是/否 for yes/no); empty when absent.
pub fn shown(a: &Attr, attrs: &Map<String, Value>) -> String {
    match (a.ty, attrs.get(a.key)) {
        (_, None | Some(Value::Null)) => String::new(),
        (AttrType::Bool, Some(Value::Bool(b))) => if *b { "是" } else { "否" }.into(),
        (_, Some(v)) => as_text(v).unwrap_or_default(),
    }
}

/// Whether `s` is a valid 统一社会信用代码 (GB 32100-2015): 18 characters from the code's
/// alphabet (no I, O, S, V, Z) with its check character.
pub fn is_credit_code(s: &str) -> bool {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let b = s.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let mut values = [0usize; 18];
    for (i, c) in b.iter().enumerate() {
        match ALPHABET.iter().position(|a| a == c) {
            Some(v) => values[i] = v,
            None => return false,
        }
    }
    let sum: usize = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credit_codes() {
        assert!(is_credit_code("91350100M000100Y43"));
        assert!(is_credit_code("91420102MA4K000B14"));
        assert!(!is_credit_code("91350100M000100Y44"));
        assert!(!is_credit_code("91350100M000100Y4"));
        assert!(!is_credit_code("91350100I000100Y43"));
    }

    #[test]
    fn attributes_by_kind() {
        let mut p = Problems::default();
        let given = json!({"floors": "18", "households": 120, "property": "  安居物业 "});
        let out = check(&mut p, Kind::Building, given.as_object().unwrap());
        assert!(p.is_empty());
        assert_eq!(out["floors"], json!(18));
        assert_eq!(out["property"], json!("安居物业"));

        let mut p = Problems::default();
        let given = json!({"floors": "0", "colour": "red"});
        check(&mut p, Kind::Building, given.as_object().unwrap());
        let Err(kernel::Error::Invalid(v)) = p.finish() else {
            panic!("invalid")
        };
        let fields: Vec<&str> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["attrs.colour", "attrs.floors"]);

        let mut p = Problems::default();
        let given = json!({"goods": "水果", "form": "流动摊贩", "relocation": ""});
        let out = check(&mut p, Kind::Stall, given.as_object().unwrap());
        assert!(p.is_empty());
        assert!(!out.contains_key("relocation"));

        let mut p = Problems::default();
        let given = json!({"industry": "印刷", "env_key": "是", "pollution": "废气"});
        let out = check(&mut p, Kind::Enterprise, given.as_object().unwrap());
        assert!(p.is_empty());
        assert_eq!(out["env_key"], json!(true));
        assert_eq!(shown(&Kind::Enterprise.attrs()[2], &out), "是");
    }
}
