//! Accounts for people and the roles they hold: an administrator opens an account for a
//! person in scope (with a first password that must be changed), grants and revokes roles
//! at nodes in scope, and disables accounts.

use kernel::audit::{self, Entry};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::access::{Access, Grant, Role};
use crate::auth::{check_password, grants_of, hash_password};
use crate::{people, units};

/// A person's account as administrators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountInfo {
    /// Account id.
    pub id: i64,
    /// Login name.
    pub login: String,
    /// Whether it is disabled.
    pub disabled: bool,
    /// Whether the first password still has to be changed.
    pub must_change_password: bool,
    /// Roles held.
    pub grants: Vec<Grant>,
}

/// Input for a new account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewAccount {
    /// Login name (defaults to the person's phone).
    pub login: Option<String>,
    /// First password; the person must change it at first login.
    pub password: String,
}

/// Input for a role grant.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewGrant {
    /// The role.
    pub role: Role,
    /// The node it is held at (id) …
    pub unit_id: Option<i64>,
    /// … or its code.
    pub unit_code: Option<String>,
    /// For an employer admin: the employer.
    pub employer_id: Option<i64>,
}

async fn account_row(
    db: &Db,
    city_id: i64,
    person_id: i64,
) -> Result<Option<(i64, String, bool, bool)>> {
    let rows = sqlx::query(
        "SELECT id, login, disabled, must_change_password FROM account WHERE city_id = $1 AND person_id = $2",
    )
    .bind(city_id)
    .bind(person_id)
    .fetch_all(db.reader())
    .await?;
    rows.first()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get::<i64, _>(2)? != 0,
                r.try_get::<i64, _>(3)? != 0,
            ))
        })
        .transpose()
}

/// The person's account, if any (the person themself or their administrators).
pub async fn of_person(db: &Db, access: &Access, person_id: i64) -> Result<Option<AccountInfo>> {
    let p = people::get(db, access, person_id).await?;
    if p.id != access.person_id() && !access.manages_person(&p.scope()) {
        return Ok(None);
    }
    let Some((id, login, disabled, must)) = account_row(db, access.city_id(), person_id).await?
    else {
        return Ok(None);
    };
    Ok(Some(AccountInfo {
        id,
        login,
        disabled,
        must_change_password: must,
        grants: grants_of(db, access.city_id(), id).await?,
    }))
}

/// Open an account for a person in scope.
pub async fn create(
    db: &Db,
    access: &Access,
    person_id: i64,
    input: NewAccount,
) -> Result<AccountInfo> {
    if !access.manages_person(&people::scope_of(db, access.city_id(), person_id).await?) {
        return Err(Error::Forbidden("您不能为这名人员开通账号"));
    }
    let p = people::get(db, access, person_id).await?;
    if account_row(db, access.city_id(), person_id)
        .await?
        .is_some()
    {
        return Err(Error::conflict("account_exists", "这名人员已有账号"));
    }
    let login = input
        .login
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or(p.phone.clone())
        .ok_or_else(|| Error::field("login", "请填写登录名（没有手机号的人员需要单独起一个）"))?;
    if login.chars().count() > 32
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(Error::field(
            "login",
            "登录名只能用字母、数字、下划线和点，最多 32 位",
        ));
    }
    check_password(&input.password).map_err(|m| Error::field("password", m))?;
    let hash = hash_password(&input.password).await?;
    let mut tx = db.begin().await?;
    let now = now_ms();
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO account (city_id, person_id, login, password_hash, must_change_password, \
             disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, 0, $5, $5) RETURNING id",
        )
        .bind(access.city_id())
        .bind(person_id)
        .bind(&login)
        .bind(&hash)
        .bind(now),
    )
    .await
    .map_err(|e| Error::unique_as_field(e, "login", "这个登录名已被使用"))?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "create",
            object_kind: "account",
            object_id: id,
            scope_path: &p.scope_path,
            before: None,
            after: Some(json!({"person_id": person_id, "login": login})),
        },
    )
    .await?;
    tx.commit().await?;
    of_person(db, access, person_id)
        .await?
        .ok_or(Error::NotFound)
}

/// Set or clear the disabled flag of a person's account (their sessions end at once).
pub async fn set_disabled(
    db: &Db,
    access: &Access,
    person_id: i64,
    disabled: bool,
) -> Result<AccountInfo> {
    let scope = people::scope_of(db, access.city_id(), person_id).await?;
    if !access.manages_person(&scope) || person_id == access.person_id() {
        return Err(Error::Forbidden("您不能停用或启用这个账号"));
    }
    let p = people::get(db, access, person_id).await?;
    let (id, ..) = account_row(db, access.city_id(), person_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE account SET disabled = $1, updated_at = $2 WHERE city_id = $3 AND id = $4")
        .bind(i64::from(disabled))
        .bind(now_ms())
        .bind(access.city_id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM auth_token WHERE city_id = $1 AND account_id = $2")
            .bind(access.city_id())
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: if disabled { "disable" } else { "enable" },
            object_kind: "account",
            object_id: id,
            scope_path: &p.scope_path,
            before: None,
            after: Some(json!({"disabled": disabled})),
        },
    )
    .await?;
    tx.commit().await?;
    of_person(db, access, person_id)
        .await?
        .ok_or(Error::NotFound)
}

/// Grant a role at a node in the caller's scope to a person's account.
pub async fn grant(
    db: &Db,
    access: &Access,
    person_id: i64,
    input: NewGrant,
) -> Result<AccountInfo> {
    if !access.manages_person(&people::scope_of(db, access.city_id(), person_id).await?) {
        return Err(Error::Forbidden("您不能给这名人员授权"));
    }
    let (account_id, ..) = account_row(db, access.city_id(), person_id)
        .await?
        .ok_or_else(|| Error::conflict("no_account", "请先为这名人员开通账号"))?;
    let unit = match (input.unit_id, input.unit_code.as_deref().map(str::trim)) {
        (Some(id), _) => units::fetch(db.reader(), access.city_id(), id).await?,
        (None, Some(code)) if !code.is_empty() => {
            units::fetch_by_code(db.reader(), access.city_id(), code).await?
        }
        _ => return Err(Error::field("unit_code", "请填写角色所在节点的编码")),
    }
    .ok_or_else(|| Error::field("unit_code", "没有这个编码的节点"))?;
    if !access.grants_role_at(input.role, &unit.path) {
        return Err(Error::Forbidden("您不能在这个节点授予该角色"));
    }
    let employer_id = if input.role == Role::EmployerAdmin {
        let eid = input
            .employer_id
            .ok_or_else(|| Error::field("employer_id", "派出单位管理员需要选择派出单位"))?;
        crate::employers::get(db, access, eid)
            .await
            .map_err(|_| Error::field("employer_id", "派出单位不存在"))?;
        Some(eid)
    } else {
        None
    };
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO role_grant (city_id, account_id, role, unit_id, employer_id, granted_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(access.city_id())
        .bind(account_id)
        .bind(input.role.as_str())
        .bind(unit.id)
        .bind(employer_id)
        .bind(access.account_id())
        .bind(now_ms()),
    )
    .await
    .map_err(|e| Error::unique_as_field(e, "role", "这名人员在该节点已有这个角色"))?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "grant_role",
            object_kind: "role_grant",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(json!({"person_id": person_id, "role": input.role.as_str(),
                               "unit_id": unit.id, "employer_id": employer_id})),
        },
    )
    .await?;
    tx.commit().await?;
    of_person(db, access, person_id)
        .await?
        .ok_or(Error::NotFound)
}

/// Revoke one role grant of a person's account.
pub async fn revoke(
    db: &Db,
    access: &Access,
    person_id: i64,
    grant_id: i64,
) -> Result<AccountInfo> {
    if !access.manages_person(&people::scope_of(db, access.city_id(), person_id).await?) {
        return Err(Error::Forbidden("您不能撤销这名人员的角色"));
    }
    let (account_id, ..) = account_row(db, access.city_id(), person_id)
        .await?
        .ok_or(Error::NotFound)?;
    let grants = grants_of(db, access.city_id(), account_id).await?;
    let g = grants
        .iter()
        .find(|g| g.id == grant_id)
        .ok_or(Error::NotFound)?;
    if !access.grants_role_at(g.role, &g.unit_path) {
        return Err(Error::Forbidden("您不能撤销这个角色"));
    }
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM role_grant WHERE city_id = $1 AND id = $2")
        .bind(access.city_id())
        .bind(grant_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "revoke_role",
            object_kind: "role_grant",
            object_id: grant_id,
            scope_path: &g.unit_path,
            before: Some(
                json!({"person_id": person_id, "role": g.role.as_str(), "unit_id": g.unit_id}),
            ),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    of_person(db, access, person_id)
        .await?
        .ok_or(Error::NotFound)
}

/// Open an account with roles without any caller (set-up and demo data only).
pub async fn bootstrap_account(
    db: &Db,
    city_id: i64,
    person_id: i64,
    login: &str,
    password_hash: &str,
    grants: &[(Role, i64, Option<i64>)],
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let now = now_ms();
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO account (city_id, person_id, login, password_hash, must_change_password, \
             disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, 0, $5, $5) RETURNING id",
        )
        .bind(city_id)
        .bind(person_id)
        .bind(login)
        .bind(password_hash)
        .bind(now),
    )
    .await?;
    for (role, unit_id, employer_id) in grants {
        sqlx::query(
            "INSERT INTO role_grant (city_id, account_id, role, unit_id, employer_id, granted_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6)",
        )
        .bind(city_id)
        .bind(id)
        .bind(role.as_str())
        .bind(unit_id)
        .bind(employer_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        &kernel::audit::Actor::system(city_id, "初始化"),
        Entry {
            action: "create",
            object_kind: "account",
            object_id: id,
            scope_path: "/",
            before: None,
            after: Some(json!({"person_id": person_id, "login": login,
                "roles": grants.iter().map(|g| g.0.as_str()).collect::<Vec<_>>()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A person holding a role somewhere, with where.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Holder {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The node it is held at.
    pub unit_id: i64,
    /// That node's path.
    pub unit_path: String,
    /// That node's name.
    pub unit_name: String,
}

/// Who holds one of `roles` at a node whose path starts with `prefix` (the subtree), or
/// at one of the nodes in `at` (exact), for notices and choices of a handler. Disabled
/// accounts are left out.
pub async fn holders(
    db: &Db,
    city_id: i64,
    roles: &[Role],
    prefix: Option<&str>,
    at: &[i64],
) -> Result<Vec<Holder>> {
    if roles.is_empty() || (prefix.is_none() && at.is_empty()) {
        return Ok(vec![]);
    }
    // $1 city, then the roles, then the prefix, then the nodes.
    let mut n = 1;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    let role_marks: Vec<String> = roles.iter().map(|_| next()).collect();
    let mut places = Vec::new();
    if prefix.is_some() {
        places.push(format!("u.path LIKE {}", next()));
    }
    if !at.is_empty() {
        let marks: Vec<String> = at.iter().map(|_| next()).collect();
        places.push(format!("u.id IN ({})", marks.join(", ")));
    }
    let sql = format!(
        "SELECT p.id, p.name, g.role, u.id, u.path, u.name FROM role_grant g \
         JOIN account a ON a.city_id = g.city_id AND a.id = g.account_id \
         JOIN person p ON p.city_id = a.city_id AND p.id = a.person_id \
         JOIN org_unit u ON u.city_id = g.city_id AND u.id = g.unit_id \
         WHERE g.city_id = $1 AND a.disabled = 0 AND g.role IN ({}) AND ({}) \
         ORDER BY u.depth, p.name, p.id LIMIT 500",
        role_marks.join(", "),
        places.join(" OR ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(city_id);
    for r in roles {
        q = q.bind(r.as_str());
    }
    if let Some(p) = prefix {
        q = q.bind(format!("{p}%"));
    }
    for id in at {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(db.reader()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let role: String = r.try_get(2)?;
        let Some(role) = Role::parse(&role) else {
            continue;
        };
        out.push(Holder {
            person_id: r.try_get(0)?,
            name: r.try_get(1)?,
            role,
            unit_id: r.try_get(3)?,
            unit_path: r.try_get(4)?,
            unit_name: r.try_get(5)?,
        });
    }
    Ok(out)
}
