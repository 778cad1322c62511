//! Retention of personal data (PIPL): each class of data has a period after which the
//! scheduled job deletes or anonymises it. Audit entries are kept at least 180 days
//! (网络安全法 Art. 21); the database itself refuses to drop younger ones.

use kernel::audit::{self, Actor, Entry};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::access::Access;

/// A class of data with its retention rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataClass {
    /// Stable code.
    pub code: &'static str,
    /// What it is, in Chinese.
    pub label: &'static str,
    /// What happens at the end of the period.
    pub action: &'static str,
    /// Default days.
    pub default_days: i64,
    /// Fewest days allowed.
    pub min_days: i64,
}

/// Every class the job handles.
pub const CLASSES: [DataClass; 4] = [
    DataClass {
        code: "audit_log",
        label: "操作日志",
        action: "删除",
        default_days: 1095,
        min_days: 180,
    },
    DataClass {
        code: "login_attempt",
        label: "登录记录",
        action: "删除",
        default_days: 180,
        min_days: 30,
    },
    DataClass {
        code: "expired_session",
        label: "过期的会话与令牌",
        action: "删除",
        default_days: 7,
        min_days: 0,
    },
    DataClass {
        code: "departed_person",
        label: "已离开人员的个人信息（手机号、身份证号、出生日期、身体状况、可服务时间）",
        action: "匿名化",
        default_days: 365,
        min_days: 30,
    },
];

/// A class with the city's current period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rule {
    /// Stable code.
    pub code: String,
    /// Label.
    pub label: String,
    /// Delete or anonymise.
    pub action: String,
    /// Days kept.
    pub days: i64,
    /// Fewest days allowed.
    pub min_days: i64,
}

/// Input to change a period.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RuleInput {
    /// Class code.
    pub code: String,
    /// Days.
    pub days: i64,
}

/// The city's rules (defaults where not set).
pub async fn rules(db: &Db, city_id: i64) -> Result<Vec<Rule>> {
    let rows = sqlx::query("SELECT data_class, days FROM retention_rule WHERE city_id = $1")
        .bind(city_id)
        .fetch_all(db.reader())
        .await?;
    let set: Vec<(String, i64)> = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(CLASSES
        .iter()
        .map(|c| Rule {
            code: c.code.into(),
            label: c.label.into(),
            action: c.action.into(),
            days: set
                .iter()
                .find(|(k, _)| k == c.code)
                .map(|(_, d)| *d)
                .unwrap_or(c.default_days),
            min_days: c.min_days,
        })
        .collect())
}

/// Change one period (platform admins).
pub async fn set_rule(db: &Db, access: &Access, input: RuleInput) -> Result<Vec<Rule>> {
    if !access.manages_city() {
        return Err(Error::Forbidden("保存期限由平台管理员设置"));
    }
    let class = CLASSES
        .iter()
        .find(|c| c.code == input.code)
        .ok_or_else(|| Error::field("code", "没有这类数据"))?;
    if input.days < class.min_days || input.days > 3650 {
        return Err(Error::field(
            "days",
            format!(
                "{}至少保存 {} 天，最多 3650 天",
                class.label, class.min_days
            ),
        ));
    }
    let before = rules(db, access.city_id()).await?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM retention_rule WHERE city_id = $1 AND data_class = $2")
        .bind(access.city_id())
        .bind(class.code)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO retention_rule (city_id, data_class, days, updated_at) VALUES ($1, $2, $3, $4)")
        .bind(access.city_id())
        .bind(class.code)
        .bind(input.days)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "set_retention",
            object_kind: "retention_rule",
            object_id: 0,
            scope_path: "/",
            before: before
                .iter()
                .find(|r| r.code == class.code)
                .map(|r| json!({"code": r.code, "days": r.days})),
            after: Some(json!({"code": class.code, "days": input.days})),
        },
    )
    .await?;
    tx.commit().await?;
    rules(db, access.city_id()).await
}

/// What one run of the job did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    /// Audit entries deleted.
    pub audit_deleted: u64,
    /// Login attempts deleted.
    pub logins_deleted: u64,
    /// Sessions and tokens deleted.
    pub tokens_deleted: u64,
    /// People anonymised.
    pub people_anonymised: u64,
}

/// Apply every city's rules once, as of `now` (ms).
pub async fn run(db: &Db, now: i64) -> Result<Outcome> {
    let cities = sqlx::query("SELECT id FROM city")
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut out = Outcome::default();
    let mut login_days = i64::MAX;
    for city_id in cities {
        let rules = rules(db, city_id).await?;
        let days = |code: &str| {
            rules
                .iter()
                .find(|r| r.code == code)
                .map(|r| r.days)
                .unwrap_or(3650)
        };
        login_days = login_days.min(days("login_attempt"));
        let mut tx = db.begin().await?;
        let audit_cut = now - days("audit_log").max(180) * 86_400_000;
        out.audit_deleted += sqlx::query("DELETE FROM audit_log WHERE city_id = $1 AND at < $2")
            .bind(city_id)
            .bind(audit_cut)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        out.tokens_deleted +=
            sqlx::query("DELETE FROM auth_token WHERE city_id = $1 AND expires_at < $2")
                .bind(city_id)
                .bind(now - days("expired_session") * 86_400_000)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let cut = kernel::time::days_before(kernel::time::date_of_ms(now), days("departed_person"));
        let departed = sqlx::query(
            "SELECT id, scope_path FROM person WHERE city_id = $1 AND left_on IS NOT NULL \
             AND left_on < $2 AND anonymised_at IS NULL",
        )
        .bind(city_id)
        .bind(cut.to_string())
        .fetch_all(&mut *tx)
        .await?;
        for r in &departed {
            let id: i64 = r.try_get(0)?;
            let scope: String = r.try_get(1)?;
            sqlx::query(
                "UPDATE person SET name = $1, phone = NULL, id_card = NULL, birth_date = NULL, \
                 physical_limits = '', availability = '[]', anonymised_at = $2, updated_at = $2 \
                 WHERE city_id = $3 AND id = $4",
            )
            .bind(format!("已匿名{id}"))
            .bind(now)
            .bind(city_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE account SET disabled = 1, updated_at = $1 WHERE city_id = $2 AND person_id = $3")
                .bind(now)
                .bind(city_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            audit::record(
                &mut tx,
                &Actor::system(city_id, "数据保存期限"),
                Entry {
                    action: "anonymise",
                    object_kind: "person",
                    object_id: id,
                    scope_path: &scope,
                    before: None,
                    after: Some(json!({"reason": "离开后超过保存期限"})),
                },
            )
            .await?;
            out.people_anonymised += 1;
        }
        tx.commit().await?;
    }
    if login_days != i64::MAX {
        out.logins_deleted = sqlx::query("DELETE FROM login_attempt WHERE at < $1")
            .bind(now - login_days * 86_400_000)
            .execute(db.writer())
            .await?
            .rows_affected();
    }
    Ok(out)
}
