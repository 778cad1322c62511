//! Case categories, coded in two levels (大类/小类) per city and split into 部件
//! (components: manhole covers, lamps, …) and 事件 (events). A 小类 carries its handling
//! time limit per urgency and its default handling department. Every city starts with the
//! city-management set the seeds name (街面秩序: 占道经营, 流动摊点, 乱停乱放, 遮阳伞/蓬;
//! 市容环境: 乱堆乱放, 暴露垃圾; 宣传广告: "牛皮癣"小广告; 施工管理: 违法建设;
//! 环境保护: 排污; 国土资源: 违法占地 …), laid out after the national standard's
//! 部件/事件 classes; a platform admin adjusts limits and departments.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, required_text};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::model::{TimeLimit, Urgency};

/// 部件 or 事件.
pub const KINDS: [(&str, &str); 2] = [("component", "部件"), ("event", "事件")];

/// A seeded 小类: code, name, normal limit, urgent limit, department.
type Seed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The seeded classes: (大类 code, name, kind, its 小类).
const SEEDS: &[(&str, &str, &str, &[Seed])] = &[
    (
        "E01",
        "市容环境",
        "event",
        &[
            ("E0101", "暴露垃圾", "0d", "2h", "环卫所"),
            ("E0102", "乱堆乱放", "0d", "2h", "城管执法中队"),
            ("E0103", "积存垃圾渣土", "3d", "0d", "环卫所"),
            ("E0104", "道路不洁", "0d", "2h", "环卫所"),
            ("E0105", "露天烧烤", "0d", "2h", "城管执法中队"),
        ],
    ),
    (
        "E02",
        "宣传广告",
        "event",
        &[
            ("E0201", "“牛皮癣”小广告", "3d", "0d", "城管执法中队"),
            ("E0202", "违规户外广告", "7d", "3d", "城管执法中队"),
            ("E0203", "占道广告牌", "3d", "0d", "城管执法中队"),
        ],
    ),
    (
        "E03",
        "施工管理",
        "event",
        &[
            ("E0301", "违法建设", "7d", "3d", "城管执法中队"),
            ("E0302", "施工扰民", "3d", "0d", "住房和城乡建设局"),
            ("E0303", "工地扬尘", "3d", "0d", "住房和城乡建设局"),
            ("E0304", "道路遗撒", "0d", "2h", "城管执法中队"),
        ],
    ),
    (
        "E04",
        "街面秩序",
        "event",
        &[
            ("E0401", "占道经营", "0d", "2h", "城管执法中队"),
            ("E0402", "流动摊点", "0d", "2h", "城管执法中队"),
            ("E0403", "乱停乱放（非机动车）", "0d", "2h", "城管执法中队"),
            ("E0404", "遮阳伞、蓬", "0d", "2h", "城管执法中队"),
            ("E0405", "店外经营", "0d", "2h", "城管执法中队"),
            ("E0406", "机动车乱停放", "0d", "2h", "交警大队"),
        ],
    ),
    (
        "E05",
        "环境保护",
        "event",
        &[
            ("E0501", "违法排污", "3d", "4h", "生态环境局"),
            ("E0502", "噪声污染", "3d", "0d", "生态环境局"),
            ("E0503", "油烟污染", "7d", "3d", "生态环境局"),
        ],
    ),
    (
        "E06",
        "国土资源",
        "event",
        &[
            ("E0601", "违法占地", "7d", "3d", "自然资源和规划局"),
            ("E0602", "非法采挖", "3d", "0d", "自然资源和规划局"),
        ],
    ),
    (
        "E07",
        "园林绿化",
        "event",
        &[
            ("E0701", "侵占绿地", "7d", "3d", "园林绿化局"),
            ("E0702", "绿地脏乱", "3d", "0d", "园林绿化局"),
        ],
    ),
    (
        "E08",
        "突发事件",
        "event",
        &[
            ("E0801", "路面塌陷", "2h", "2h", "市政工程管理处"),
            ("E0802", "供水管道破裂", "2h", "2h", "供水公司"),
            ("E0803", "燃气泄漏", "2h", "2h", "燃气公司"),
        ],
    ),
    (
        "C01",
        "公用设施",
        "component",
        &[
            ("C0101", "上水井盖", "0d", "2h", "供水公司"),
            ("C0102", "污水井盖", "0d", "2h", "市政工程管理处"),
            ("C0103", "雨水箅子", "0d", "2h", "市政工程管理处"),
            ("C0104", "电力井盖", "0d", "2h", "供电公司"),
            ("C0105", "消火栓", "3d", "0d", "消防救援大队"),
            ("C0106", "路灯", "3d", "0d", "市政工程管理处"),
        ],
    ),
    (
        "C02",
        "道路交通",
        "component",
        &[
            ("C0201", "交通护栏", "3d", "0d", "交警大队"),
            ("C0202", "交通标志牌", "3d", "0d", "交警大队"),
            ("C0203", "公交站亭", "7d", "3d", "公交公司"),
        ],
    ),
    (
        "C03",
        "市容环境",
        "component",
        &[
            ("C0301", "垃圾箱", "3d", "0d", "环卫所"),
            ("C0302", "公共厕所", "3d", "0d", "环卫所"),
            ("C0303", "户外广告设施", "7d", "3d", "城管执法中队"),
        ],
    ),
    (
        "C04",
        "园林绿化",
        "component",
        &[
            ("C0401", "行道树", "7d", "0d", "园林绿化局"),
            ("C0402", "护树设施", "7d", "3d", "园林绿化局"),
        ],
    ),
    (
        "C05",
        "其他设施",
        "component",
        &[
            ("C0501", "健身设施", "7d", "3d", "社区居委会"),
            ("C0502", "公共座椅", "7d", "3d", "社区居委会"),
        ],
    ),
];

/// A category as stored, with its parent's name for a 小类.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Category {
    /// Id.
    pub id: i64,
    /// The 大类 (none for a 大类 itself).
    pub parent_id: Option<i64>,
    /// Code, unique in the city (`E0401`; a 大类 is `E04`).
    pub code: String,
    /// Name.
    pub name: String,
    /// `component` (部件) or `event` (事件).
    pub kind: String,
    /// Time limit of a normal case (`0d` same day, `3d` working days, `4h` working hours);
    /// empty for a 大类.
    pub limit_normal: String,
    /// Time limit of an urgent case.
    pub limit_urgent: String,
    /// Default handling department.
    pub department: String,
    /// Offered for new reports.
    pub active: bool,
    /// The 大类's name (for a 小类).
    pub group_name: Option<String>,
}

impl Category {
    /// The time limit for `urgency` (same day when a stored limit cannot be read).
    pub fn limit(&self, urgency: Urgency) -> TimeLimit {
        let code = match urgency {
            Urgency::Normal => &self.limit_normal,
            Urgency::Urgent => &self.limit_urgent,
        };
        TimeLimit::parse(code).unwrap_or(TimeLimit::SameDay)
    }

    /// `大类 / 小类`.
    pub fn full_name(&self) -> String {
        match &self.group_name {
            Some(g) => format!("{g} / {}", self.name),
            None => self.name.clone(),
        }
    }

    /// 部件 or 事件.
    pub fn kind_label(&self) -> &'static str {
        KINDS
            .iter()
            .find(|k| k.0 == self.kind)
            .map_or("事件", |k| k.1)
    }

    /// Whether this is a 小类 (cases are filed under these).
    pub fn is_leaf(&self) -> bool {
        self.parent_id.is_some()
    }
}

const COLS: &str = "c.id, c.parent_id, c.code, c.name, c.kind, c.limit_normal, c.limit_urgent, \
    c.department, c.active, g.name AS group_name";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Category> {
    Ok(Category {
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        limit_normal: r.try_get("limit_normal")?,
        limit_urgent: r.try_get("limit_urgent")?,
        department: r.try_get("department")?,
        active: r.try_get::<i64, _>("active")? != 0,
        group_name: r.try_get("group_name")?,
    })
}

/// Give a city the seeded set when it has no categories yet (idempotent; safe when two
/// requests try at once).
pub async fn ensure_seeded(db: &Db, city_id: i64) -> Result<()> {
    let any = sqlx::query("SELECT id FROM case_category WHERE city_id = $1 LIMIT 1")
        .bind(city_id)
        .fetch_all(db.reader())
        .await?;
    if !any.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let now = now_ms();
    for (code, name, kind, leaves) in SEEDS {
        sqlx::query(
            "INSERT INTO case_category (city_id, parent_id, code, name, kind, created_at, updated_at) \
             VALUES ($1, NULL, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING",
        )
        .bind(city_id)
        .bind(*code)
        .bind(*name)
        .bind(*kind)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let parent: i64 =
            sqlx::query_scalar("SELECT id FROM case_category WHERE city_id = $1 AND code = $2")
                .bind(city_id)
                .bind(*code)
                .fetch_one(&mut *tx)
                .await?;
        for (c, n, normal, urgent, dept) in *leaves {
            sqlx::query(
                "INSERT INTO case_category (city_id, parent_id, code, name, kind, limit_normal, \
                 limit_urgent, department, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT DO NOTHING",
            )
            .bind(city_id)
            .bind(parent)
            .bind(*c)
            .bind(*n)
            .bind(*kind)
            .bind(*normal)
            .bind(*urgent)
            .bind(*dept)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Every category of the city, 大类 first in code order, each followed by its 小类.
pub async fn list(db: &Db, city_id: i64) -> Result<Vec<Category>> {
    ensure_seeded(db, city_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM case_category c LEFT JOIN case_category g \
         ON g.city_id = c.city_id AND g.id = c.parent_id WHERE c.city_id = $1 ORDER BY c.code"
    )))
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(from_row).collect()
}

/// One category by id.
pub async fn get(db: &Db, city_id: i64, id: i64) -> Result<Category> {
    ensure_seeded(db, city_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM case_category c LEFT JOIN case_category g \
         ON g.city_id = c.city_id AND g.id = c.parent_id WHERE c.city_id = $1 AND c.id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.first()
        .map(from_row)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// One category by code (`E0401`).
pub async fn by_code(db: &Db, city_id: i64, code: &str) -> Result<Category> {
    ensure_seeded(db, city_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM case_category c LEFT JOIN case_category g \
         ON g.city_id = c.city_id AND g.id = c.parent_id WHERE c.city_id = $1 AND c.code = $2"
    )))
    .bind(city_id)
    .bind(code.trim())
    .fetch_all(db.reader())
    .await?;
    rows.first()
        .map(from_row)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// A 小类 a new case may be filed under, by id: unknown, a 大类 or an inactive one is a
/// field error on `category`.
pub async fn for_new_case(db: &Db, city_id: i64, id: Option<i64>) -> Result<Category> {
    let Some(id) = id else {
        return Err(Error::field("category_id", "请选择问题类别"));
    };
    match get(db, city_id, id).await {
        Ok(c) if c.is_leaf() && c.active => Ok(c),
        Ok(c) if !c.is_leaf() => Err(Error::field(
            "category_id",
            format!("“{}”是大类，请选择其中的小类", c.name),
        )),
        Ok(_) => Err(Error::field(
            "category_id",
            "这个类别已停用，请选择其他类别",
        )),
        Err(Error::NotFound) => Err(Error::field("category_id", "没有这个问题类别")),
        Err(e) => Err(e),
    }
}

/// Changes to a 小类 (a platform admin's): limits, department, name, whether offered.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CategoryChanges {
    /// Name (1–30 characters).
    pub name: Option<String>,
    /// Limit of a normal case: `0d`, `1d`–`15d` or `1h`–`24h`.
    pub limit_normal: Option<String>,
    /// Limit of an urgent case, same forms; not longer than the normal one.
    pub limit_urgent: Option<String>,
    /// Default handling department (1–30 characters).
    pub department: Option<String>,
    /// Offered for new reports.
    pub active: Option<bool>,
}

fn minutes_of(l: TimeLimit) -> u32 {
    match l {
        TimeLimit::SameDay => 450,
        TimeLimit::WorkingDays(n) => n * 450,
        TimeLimit::WorkingHours(n) => n * 60,
    }
}

/// Change a category (platform admins keep the city's catalogues).
pub async fn update(db: &Db, access: &Access, id: i64, ch: CategoryChanges) -> Result<Category> {
    if !access.manages_city() {
        return Err(Error::Forbidden("只有平台管理员可以修改问题类别"));
    }
    let before = get(db, access.city_id(), id).await?;
    let mut p = Problems::default();
    let name = match &ch.name {
        Some(n) => required_text(&mut p, "name", "类别名称", n, 30),
        None => before.name.clone(),
    };
    let department = match &ch.department {
        Some(d) => required_text(&mut p, "department", "处置部门", d, 30),
        None => before.department.clone(),
    };
    let mut limit = |field: &str, v: &Option<String>, old: &str| -> Option<TimeLimit> {
        let code = v.as_deref().unwrap_or(old);
        let l = TimeLimit::parse(code);
        if l.is_none() && before.is_leaf() {
            p.add(
                field,
                "时限写成 0d（当日办结）、3d（3 个工作日，最多 15d）或 4h（4 个工作小时，最多 24h）",
            );
        }
        l
    };
    let normal = limit("limit_normal", &ch.limit_normal, &before.limit_normal);
    let urgent = limit("limit_urgent", &ch.limit_urgent, &before.limit_urgent);
    if let (Some(n), Some(u)) = (normal, urgent)
        && minutes_of(u) > minutes_of(n)
    {
        p.add("limit_urgent", "紧急案件的时限不能长于一般案件");
    }
    if !before.is_leaf() && (ch.limit_normal.is_some() || ch.limit_urgent.is_some()) {
        p.add("limit_normal", "时限设在小类上，大类没有时限");
    }
    p.finish()?;
    let (ln, lu) = if before.is_leaf() {
        (
            normal.map(TimeLimit::code).unwrap_or_default(),
            urgent.map(TimeLimit::code).unwrap_or_default(),
        )
    } else {
        (String::new(), String::new())
    };
    let active = ch.active.unwrap_or(before.active);
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE case_category SET name = $1, limit_normal = $2, limit_urgent = $3, department = $4, \
         active = $5, updated_at = $6 WHERE city_id = $7 AND id = $8",
    )
    .bind(&name)
    .bind(&ln)
    .bind(&lu)
    .bind(&department)
    .bind(i64::from(active))
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "update",
            object_kind: "case_category",
            object_id: id,
            scope_path: "/",
            before: Some(
                json!({"name": before.name, "limit_normal": before.limit_normal,
                "limit_urgent": before.limit_urgent, "department": before.department,
                "active": before.active}),
            ),
            after: Some(json!({"name": name, "limit_normal": ln, "limit_urgent": lu,
                "department": department, "active": active})),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access.city_id(), id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_seeded_set_is_well_formed() {
        let mut codes = HashSet::new();
        for (code, _, kind, leaves) in SEEDS {
            assert!(codes.insert(*code), "{code} twice");
            assert!(KINDS.iter().any(|k| k.0 == *kind));
            assert_eq!(&code[..1], if *kind == "event" { "E" } else { "C" });
            for (c, n, normal, urgent, dept) in *leaves {
                assert!(codes.insert(*c), "{c} twice");
                assert!(c.starts_with(code), "{c} under {code}");
                let (n_l, u_l) = (TimeLimit::parse(normal), TimeLimit::parse(urgent));
                assert!(n_l.is_some() && u_l.is_some(), "{n}");
                assert!(
                    minutes_of(u_l.unwrap()) <= minutes_of(n_l.unwrap()),
                    "{n}: urgent is not longer"
                );
                assert!(!dept.is_empty());
            }
        }
        // The problems the seeds name, each under its proper 大类.
        let under = |group: &str, leaf: &str| {
            SEEDS
                .iter()
                .any(|(_, g, _, ls)| *g == group && ls.iter().any(|l| l.1.contains(leaf)))
        };
        for (group, leaf) in [
            ("街面秩序", "占道经营"),
            ("街面秩序", "流动摊点"),
            ("街面秩序", "乱停乱放"),
            ("街面秩序", "遮阳伞"),
            ("市容环境", "乱堆乱放"),
            ("市容环境", "暴露垃圾"),
            ("宣传广告", "牛皮癣"),
            ("施工管理", "违法建设"),
            ("环境保护", "排污"),
            ("国土资源", "违法占地"),
            ("公用设施", "井盖"),
            ("公用设施", "路灯"),
        ] {
            assert!(under(group, leaf), "{leaf} under {group}");
        }
    }
}
