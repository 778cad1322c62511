//! The city's rules: the unified points standard (积分标准) and the time-bank settings.
//! Both are versioned by the date they apply from; a change adds a version and never
//! rewrites credits already made.

use kernel::audit::{self, Entry};
use kernel::time::{now_ms, parse_date};
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

/// A time-bank setting with its default (the city pilots' numbers).
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Stable key.
    pub key: &'static str,
    /// What it means, in Chinese.
    pub label: &'static str,
    /// Default value.
    pub default: i64,
}

/// Every setting.
pub const SETTINGS: [Setting; 7] = [
    Setting {
        key: "min_age",
        label: "存入时间的最低年龄（未成年人须有监护人陪同或以团体参加）",
        default: 18,
    },
    Setting {
        key: "account_cap_minutes",
        label: "个人账户上限（分钟；超出部分自动捐入社区基金）",
        default: 1500 * 60,
    },
    Setting {
        key: "self_spend_age",
        label: "本人可兑换服务的年龄",
        default: 60,
    },
    Setting {
        key: "yearly_target_minutes",
        label: "每年服务目标（分钟，只显示进度，不排名）",
        default: 50 * 60,
    },
    Setting {
        key: "honour_points_e2",
        label: "通报表扬的积分门槛（百分之一分）",
        default: 100 * 100,
    },
    Setting {
        key: "monthly_task_cap",
        label: "每人每月承接任务上限（点单与活动；超出须写明理由）",
        default: 8,
    },
    Setting {
        key: "order_accept_hours",
        label: "派单后接单时限（小时；超时退回待派单）",
        default: 24,
    },
];

/// The value of a setting on a date.
pub async fn setting(db: &Db, city_id: i64, key: &str, on: &str) -> Result<i64> {
    let default = SETTINGS
        .iter()
        .find(|s| s.key == key)
        .map(|s| s.default)
        .ok_or(Error::NotFound)?;
    let rows = sqlx::query(
        "SELECT value FROM ledger_setting WHERE city_id = $1 AND key = $2 AND effective_from <= $3 \
         ORDER BY effective_from DESC, id DESC LIMIT 1",
    )
    .bind(city_id)
    .bind(key)
    .bind(on)
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .first()
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or(default))
}

/// A setting as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettingView {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Value in force today.
    pub value: i64,
    /// Default.
    pub default: i64,
}

/// Every setting in force on `on`.
pub async fn settings(db: &Db, city_id: i64, on: &str) -> Result<Vec<SettingView>> {
    let mut out = Vec::new();
    for s in SETTINGS {
        out.push(SettingView {
            key: s.key.into(),
            label: s.label.into(),
            value: setting(db, city_id, s.key, on).await?,
            default: s.default,
        });
    }
    Ok(out)
}

/// A change of a setting from a date.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SettingChange {
    /// Key.
    pub key: String,
    /// New value (0 or more).
    pub value: i64,
    /// The date it applies from (`YYYY-MM-DD`).
    pub effective_from: String,
}

/// Change a setting from a date (platform admins).
pub async fn set_setting(db: &Db, access: &Access, ch: SettingChange) -> Result<()> {
    if !access.manages_city() {
        return Err(Error::Forbidden("积分和时间银行规则由平台管理员设置"));
    }
    if !SETTINGS.iter().any(|s| s.key == ch.key) {
        return Err(Error::field("key", "没有这项设置"));
    }
    if !(0..=1_000_000_000).contains(&ch.value) {
        return Err(Error::field("value", "数值应在 0 到 10 亿之间"));
    }
    if parse_date(&ch.effective_from).is_none() {
        return Err(Error::field(
            "effective_from",
            "生效日期格式应为 YYYY-MM-DD",
        ));
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO ledger_setting (city_id, key, value, effective_from, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(access.city_id())
    .bind(&ch.key)
    .bind(ch.value)
    .bind(&ch.effective_from)
    .bind(access.name())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "set_setting",
            object_kind: "ledger_setting",
            object_id: 0,
            scope_path: "/",
            before: None,
            after: Some(json!({"key": ch.key, "value": ch.value, "from": ch.effective_from})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A kind of contribution with its default points (per hour of confirmed service, or per
/// occurrence) — the six duties of sent-down personnel and the work other issues record.
pub const KINDS: [(&str, &str, &str, i64); 11] = [
    ("duty.policy", "宣传党的政策", "hour", 100),
    ("duty.service", "联系服务群众", "hour", 100),
    ("duty.deliberation", "参与民主议事", "hour", 100),
    ("duty.volunteer", "参加志愿服务", "hour", 100),
    ("duty.stability", "维护和谐稳定", "hour", 100),
    ("duty.emergency", "处理突发事件", "hour", 100),
    ("order.done", "完成群众点单", "hour", 100),
    ("patrol", "网格巡查", "hour", 100),
    ("case.confirmed", "上报问题经核实", "each", 100),
    ("meeting", "参加会议", "each", 50),
    ("training", "参加培训", "each", 50),
];

/// A version of the points rule of a kind.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PointsRule {
    /// Kind of contribution.
    pub kind: String,
    /// Points in hundredths, per unit.
    pub points_e2: i64,
    /// `hour` (per hour of confirmed service) or `each`.
    pub unit: String,
    /// Cap per calendar month (hundredths); none for no cap.
    pub monthly_cap_e2: Option<i64>,
    /// Cap per calendar year (hundredths).
    pub yearly_cap_e2: Option<i64>,
    /// The role that confirms it (`community_cadre`, `grid_leader`, …).
    pub approver_role: String,
    /// From when it applies (`YYYY-MM-DD`).
    pub effective_from: String,
}

/// The rule of `kind` in force on `on` (the built-in default when the city set none).
pub async fn rule(db: &Db, city_id: i64, kind: &str, on: &str) -> Result<PointsRule> {
    let (_, _, unit, points) = KINDS
        .iter()
        .find(|k| k.0 == kind)
        .ok_or_else(|| Error::field("kind", "没有这种贡献类型"))?;
    let rows = sqlx::query(
        "SELECT points_e2, unit, monthly_cap_e2, yearly_cap_e2, approver_role, effective_from FROM points_rule \
         WHERE city_id = $1 AND kind = $2 AND effective_from <= $3 ORDER BY effective_from DESC, id DESC LIMIT 1",
    )
    .bind(city_id)
    .bind(kind)
    .bind(on)
    .fetch_all(db.reader())
    .await?;
    Ok(match rows.first() {
        Some(r) => PointsRule {
            kind: kind.into(),
            points_e2: r.try_get(0)?,
            unit: r.try_get(1)?,
            monthly_cap_e2: r.try_get(2)?,
            yearly_cap_e2: r.try_get(3)?,
            approver_role: r.try_get(4)?,
            effective_from: r.try_get(5)?,
        },
        None => PointsRule {
            kind: kind.into(),
            points_e2: *points,
            unit: (*unit).into(),
            monthly_cap_e2: None,
            yearly_cap_e2: None,
            approver_role: "community_cadre".into(),
            effective_from: "2000-01-01".into(),
        },
    })
}

/// Every kind's rule in force on `on`, with its Chinese name.
pub async fn standard(db: &Db, city_id: i64, on: &str) -> Result<Vec<(String, PointsRule)>> {
    let mut out = Vec::new();
    for (k, label, ..) in KINDS {
        out.push((label.to_owned(), rule(db, city_id, k, on).await?));
    }
    Ok(out)
}

/// Add a version of a kind's rule (platform admins); credits already made keep theirs.
pub async fn set_rule(db: &Db, access: &Access, r: PointsRule) -> Result<()> {
    if !access.manages_city() {
        return Err(Error::Forbidden("积分标准由平台管理员设置"));
    }
    if !KINDS.iter().any(|k| k.0 == r.kind) {
        return Err(Error::field("kind", "没有这种贡献类型"));
    }
    if r.unit != "hour" && r.unit != "each" {
        return Err(Error::field(
            "unit",
            "计分单位应为 hour（每小时）或 each（每次）",
        ));
    }
    for (f, v) in [
        ("points_e2", Some(r.points_e2)),
        ("monthly_cap_e2", r.monthly_cap_e2),
        ("yearly_cap_e2", r.yearly_cap_e2),
    ] {
        if let Some(v) = v
            && !(0..=100_000_000).contains(&v)
        {
            return Err(Error::field(f, "分值应在 0 到 100 万分之间"));
        }
    }
    if org::Role::parse(&r.approver_role).is_none() {
        return Err(Error::field("approver_role", "确认角色无效"));
    }
    if parse_date(&r.effective_from).is_none() {
        return Err(Error::field(
            "effective_from",
            "生效日期格式应为 YYYY-MM-DD",
        ));
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO points_rule (city_id, kind, points_e2, unit, monthly_cap_e2, yearly_cap_e2, approver_role, \
         effective_from, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(access.city_id())
    .bind(&r.kind)
    .bind(r.points_e2)
    .bind(&r.unit)
    .bind(r.monthly_cap_e2)
    .bind(r.yearly_cap_e2)
    .bind(&r.approver_role)
    .bind(&r.effective_from)
    .bind(access.name())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "set_points_rule",
            object_kind: "points_rule",
            object_id: 0,
            scope_path: "/",
            before: None,
            after: Some(serde_json::to_value(&r).unwrap_or_default()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Points for `minutes` of service (or one occurrence) under a rule, before caps.
pub fn points_for(rule: &PointsRule, minutes: i64) -> i64 {
    if rule.unit == "each" {
        rule.points_e2
    } else {
        rule.points_e2 * minutes / 60
    }
}

/// Clip `points` so that what was already credited this month and year stays within caps.
pub fn within_caps(rule: &PointsRule, points: i64, month_so_far: i64, year_so_far: i64) -> i64 {
    let mut p = points;
    if let Some(cap) = rule.monthly_cap_e2 {
        p = p.min((cap - month_so_far).max(0));
    }
    if let Some(cap) = rule.yearly_cap_e2 {
        p = p.min((cap - year_so_far).max(0));
    }
    p.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(unit: &str, m: Option<i64>, y: Option<i64>) -> PointsRule {
        PointsRule {
            kind: "duty.volunteer".into(),
            points_e2: 100,
            unit: unit.into(),
            monthly_cap_e2: m,
            yearly_cap_e2: y,
            approver_role: "community_cadre".into(),
            effective_from: "2026-01-01".into(),
        }
    }

    #[test]
    fn one_point_per_hour_by_default() {
        assert_eq!(points_for(&rule("hour", None, None), 90), 150);
        assert_eq!(points_for(&rule("each", None, None), 90), 100);
        assert_eq!(
            within_caps(&rule("hour", Some(1000), None), 300, 800, 0),
            200
        );
        assert_eq!(
            within_caps(&rule("hour", Some(1000), Some(900)), 300, 0, 850),
            50
        );
        assert_eq!(
            within_caps(&rule("hour", Some(1000), None), 300, 1200, 0),
            0
        );
    }

    proptest! {
        #[test]
        fn caps_are_never_exceeded(points in 0i64..10_000, month in 0i64..20_000, cap in 0i64..20_000) {
            let r = rule("hour", Some(cap), None);
            let p = within_caps(&r, points, month, 0);
            prop_assert!(p >= 0 && p <= points);
            prop_assert!(month + p <= cap.max(month));
        }
    }
}
