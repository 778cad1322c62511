//! The city's skills catalogue (专长): medical, legal, teaching, IT, electrician, …

use kernel::audit::{self, Entry};
use kernel::error::{Problems, required_text};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::access::Access;

/// A skill.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Skill {
    /// Id.
    pub id: i64,
    /// Name (医疗, 法律, …).
    pub name: String,
    /// Group it is listed under (专业服务, 生活服务, …).
    pub category: String,
}

/// Input for a new skill.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SkillInput {
    /// Name.
    pub name: String,
    /// Group.
    pub category: String,
}

/// The catalogue, by group and name.
pub async fn list(db: &Db, access: &Access) -> Result<Vec<Skill>> {
    let rows = sqlx::query(
        "SELECT id, name, category FROM skill WHERE city_id = $1 ORDER BY category, name",
    )
    .bind(access.city_id())
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Skill {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                category: r.try_get(2)?,
            })
        })
        .collect()
}

/// Add a skill (platform admins keep the catalogue).
pub async fn create(db: &Db, access: &Access, input: SkillInput) -> Result<Skill> {
    if !access.manages_city() {
        return Err(Error::Forbidden("专长目录由平台管理员维护"));
    }
    let mut p = Problems::default();
    let name = required_text(&mut p, "name", "专长名称", &input.name, 32);
    let category = required_text(&mut p, "category", "分组", &input.category, 32);
    p.finish()?;
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO skill (city_id, name, category, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(access.city_id())
        .bind(&name)
        .bind(&category)
        .bind(now_ms()),
    )
    .await
    .map_err(|e| Error::unique_as_field(e, "name", "目录里已有这个专长"))?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "create",
            object_kind: "skill",
            object_id: id,
            scope_path: "/",
            before: None,
            after: Some(json!({"name": name, "category": category})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Skill { id, name, category })
}

/// Resolve skill names (as typed in a spreadsheet) to ids; unknown names are returned apart.
pub(crate) async fn ids_by_names(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    names: &[String],
) -> Result<(Vec<i64>, Vec<String>)> {
    let rows = sqlx::query("SELECT id, name FROM skill WHERE city_id = $1")
        .bind(city_id)
        .fetch_all(conn)
        .await?;
    let all: Vec<(i64, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let (mut ids, mut unknown) = (Vec::new(), Vec::new());
    for n in names {
        match all.iter().find(|(_, name)| name == n) {
            Some((id, _)) => ids.push(*id),
            None => unknown.push(n.clone()),
        }
    }
    Ok((ids, unknown))
}
