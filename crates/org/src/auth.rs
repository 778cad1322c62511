//! Accounts and authentication: argon2id password hashes, browser sessions and API bearer
//! tokens (both random secrets kept only as SHA-256 hashes, so a database leak does not
//! leak a usable token), CSRF secrets bound to sessions, and login rate limiting kept in
//! the database so that several servers share it.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use kernel::audit::{self, Actor, Entry};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::ToSchema;

use crate::access::{Access, Grant, Role};

/// A browser session lasts this long.
pub const SESSION_TTL_MS: i64 = 12 * 3_600_000;
/// An API token lasts this long unless asked otherwise.
pub const API_TOKEN_DAYS: i64 = 90;
/// Failed logins for one account within the window before it is locked for the window.
pub const MAX_FAILURES_PER_LOGIN: i64 = 5;
/// Failed logins from one address within the window before the address is refused.
pub const MAX_FAILURES_PER_IP: i64 = 30;
/// The rate-limit window.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60_000;

static PARAMS: OnceLock<argon2::Params> = OnceLock::new();

/// Choose cheap argon2 parameters (tests); must be called before the first hash.
pub fn use_cheap_password_hashing() {
    let _ = PARAMS.set(argon2::Params::new(1024, 1, 1, None).expect("valid params"));
}

fn hasher() -> Argon2<'static> {
    let params = PARAMS.get_or_init(argon2::Params::default).clone();
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Hash a password with argon2id (on a blocking thread: it is deliberately slow).
pub async fn hash_password(password: &str) -> Result<String> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hash: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let (pw, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        hasher()
            .verify_password(pw.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A fresh random secret, hex encoded.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Check a new password: 8–128 characters with letters and digits.
pub fn check_password(pw: &str) -> std::result::Result<(), String> {
    let n = pw.chars().count();
    if n < 8 {
        return Err("密码至少 8 位".into());
    }
    if n > 128 {
        return Err("密码最多 128 位".into());
    }
    if !pw.chars().any(|c| c.is_ascii_digit()) || !pw.chars().any(|c| c.is_alphabetic()) {
        return Err("密码要同时包含字母和数字".into());
    }
    Ok(())
}

/// What a successful login yields.
#[derive(Debug, Clone)]
pub struct Session {
    /// The secret for the cookie or the `Authorization: Bearer` header.
    pub token: String,
    /// The CSRF secret bound to the session.
    pub csrf: String,
    /// Whether the account must change its password now.
    pub must_change_password: bool,
}

async fn failures(db: &Db, column: &'static str, value: &str, since: i64) -> Result<i64> {
    let sql = if column == "login" {
        "SELECT CAST(COUNT(*) AS BIGINT) FROM login_attempt WHERE login = $1 AND at > $2 AND success = 0"
    } else {
        "SELECT CAST(COUNT(*) AS BIGINT) FROM login_attempt WHERE ip = $1 AND at > $2 AND success = 0"
    };
    let rows = sqlx::query(sql)
        .bind(value)
        .bind(since)
        .fetch_all(db.reader())
        .await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
}

/// Log in with a login name (usually the phone) and password. `kind` is `session` for a
/// browser or `api` for a client token.
pub async fn login(db: &Db, login: &str, password: &str, ip: &str, kind: &str) -> Result<Session> {
    let login = login.trim();
    if login.is_empty() || password.is_empty() || login.len() > 64 || password.len() > 256 {
        return Err(Error::Unauthenticated);
    }
    let now = now_ms();
    let since = now - FAILURE_WINDOW_MS;
    if failures(db, "login", login, since).await? >= MAX_FAILURES_PER_LOGIN
        || failures(db, "ip", ip, since).await? >= MAX_FAILURES_PER_IP
    {
        return Err(Error::RateLimited);
    }
    let rows = sqlx::query(
        "SELECT a.id, a.city_id, a.password_hash, a.must_change_password, a.disabled, p.name \
         FROM account a JOIN person p ON p.city_id = a.city_id AND p.id = a.person_id WHERE a.login = $1",
    )
    .bind(login)
    .fetch_all(db.reader())
    .await?;
    let found = rows.first();
    let ok = match found {
        Some(r) => {
            let hash: String = r.try_get(2)?;
            let disabled: i64 = r.try_get(4)?;
            verify_password(password, &hash).await && disabled == 0
        }
        None => {
            // Spend the same time on unknown logins, so timing does not reveal accounts.
            let _ = hash_password(password).await;
            false
        }
    };
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO login_attempt (login, ip, at, success) VALUES ($1, $2, $3, $4)")
        .bind(login)
        .bind(ip)
        .bind(now)
        .bind(i64::from(ok))
        .execute(&mut *tx)
        .await?;
    let Some(r) = found.filter(|_| ok) else {
        tx.commit().await?;
        return Err(Error::Unauthenticated);
    };
    let account_id: i64 = r.try_get(0)?;
    let city_id: i64 = r.try_get(1)?;
    let must_change: i64 = r.try_get(3)?;
    let name: String = r.try_get(5)?;
    let token = random_token();
    let csrf = random_token();
    let ttl = if kind == "api" {
        API_TOKEN_DAYS * 86_400_000
    } else {
        SESSION_TTL_MS
    };
    sqlx::query(
        "INSERT INTO auth_token (city_id, account_id, kind, name, token_hash, csrf, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(city_id)
    .bind(account_id)
    .bind(if kind == "api" { "api" } else { "session" })
    .bind(if kind == "api" { "登录获取" } else { "" })
    .bind(token_hash(&token))
    .bind(&csrf)
    .bind(now)
    .bind(now + ttl)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &Actor {
            city_id,
            account_id: Some(account_id),
            name,
            request_id: String::new(),
        },
        Entry {
            action: "login",
            object_kind: "account",
            object_id: account_id,
            scope_path: "/",
            before: None,
            after: Some(json!({"kind": kind, "ip": ip})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Session {
        token,
        csrf,
        must_change_password: must_change != 0,
    })
}

/// Resolve a session or API token to the caller's access; `None` when unknown or expired.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<Access>> {
    if token.len() != 64 {
        return Ok(None);
    }
    let rows = sqlx::query(
        "SELECT t.account_id, t.city_id, t.kind, t.csrf, a.person_id, a.must_change_password, p.name \
         FROM auth_token t JOIN account a ON a.city_id = t.city_id AND a.id = t.account_id \
         JOIN person p ON p.city_id = a.city_id AND p.id = a.person_id \
         WHERE t.token_hash = $1 AND t.expires_at > $2 AND a.disabled = 0",
    )
    .bind(token_hash(token))
    .bind(now_ms())
    .fetch_all(db.reader())
    .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let account_id: i64 = r.try_get(0)?;
    let city_id: i64 = r.try_get(1)?;
    let kind: String = r.try_get(2)?;
    let grants = grants_of(db, city_id, account_id).await?;
    Ok(Some(Access {
        actor: Actor {
            city_id,
            account_id: Some(account_id),
            name: r.try_get(6)?,
            request_id: String::new(),
        },
        account_id,
        person_id: r.try_get(4)?,
        grants,
        must_change_password: r.try_get::<i64, _>(5)? != 0,
        csrf: r.try_get(3)?,
        via_session: kind == "session",
    }))
}

/// The roles an account holds, with their nodes.
pub(crate) async fn grants_of(db: &Db, city_id: i64, account_id: i64) -> Result<Vec<Grant>> {
    let rows = sqlx::query(
        "SELECT g.id, g.role, g.unit_id, u.path, u.name, g.employer_id FROM role_grant g \
         JOIN org_unit u ON u.city_id = g.city_id AND u.id = g.unit_id \
         WHERE g.city_id = $1 AND g.account_id = $2 ORDER BY u.depth, g.id",
    )
    .bind(city_id)
    .bind(account_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .filter_map(|r| {
            let role: String = r.try_get(1).ok()?;
            Some(Ok(Grant {
                id: r.try_get(0).ok()?,
                role: Role::parse(&role)?,
                unit_id: r.try_get(2).ok()?,
                unit_path: r.try_get(3).ok()?,
                unit_name: r.try_get(4).ok()?,
                employer_id: r.try_get(5).ok()?,
            }))
        })
        .collect()
}

/// End the caller's session, or revoke the token they called with.
pub async fn logout(db: &Db, access: &Access, token: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "DELETE FROM auth_token WHERE city_id = $1 AND account_id = $2 AND token_hash = $3",
    )
    .bind(access.city_id())
    .bind(access.account_id())
    .bind(token_hash(token))
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "logout",
            object_kind: "account",
            object_id: access.account_id(),
            scope_path: "/",
            before: None,
            after: Some(json!({"via": if access.via_session() { "session" } else { "api" }})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Change one's own password; every other session and token of the account ends.
pub async fn change_password(
    db: &Db,
    access: &Access,
    current_token: &str,
    old: &str,
    new: &str,
) -> Result<()> {
    check_password(new).map_err(|m| Error::field("new_password", m))?;
    if old == new {
        return Err(Error::field("new_password", "新密码不能与原密码相同"));
    }
    let rows = sqlx::query("SELECT password_hash FROM account WHERE city_id = $1 AND id = $2")
        .bind(access.city_id())
        .bind(access.account_id())
        .fetch_all(db.reader())
        .await?;
    let hash: String = rows.first().ok_or(Error::Unauthenticated)?.try_get(0)?;
    if !verify_password(old, &hash).await {
        return Err(Error::field("old_password", "原密码不正确"));
    }
    let new_hash = hash_password(new).await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE account SET password_hash = $1, must_change_password = 0, updated_at = $2 \
         WHERE city_id = $3 AND id = $4",
    )
    .bind(&new_hash)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(access.account_id())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM auth_token WHERE city_id = $1 AND account_id = $2 AND token_hash <> $3",
    )
    .bind(access.city_id())
    .bind(access.account_id())
    .bind(token_hash(current_token))
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "change_password",
            object_kind: "account",
            object_id: access.account_id(),
            scope_path: "/",
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An API token as listed (never the secret itself).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    /// Id.
    pub id: i64,
    /// `session` or `api`.
    pub kind: String,
    /// Name given at creation.
    pub name: String,
    /// Created (ms since epoch).
    pub created_at: i64,
    /// Expires (ms since epoch).
    pub expires_at: i64,
}

/// Input for a new API token.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewToken {
    /// What the token is for (shown in the list).
    pub name: String,
    /// Days until it expires (1–365, default 90).
    pub days: Option<i64>,
}

/// Create an API token for the caller's own account; the secret is returned only now.
pub async fn create_api_token(
    db: &Db,
    access: &Access,
    input: NewToken,
) -> Result<(TokenInfo, String)> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::field("name", "请给令牌起一个名字（最多 64 个字）"));
    }
    let days = input.days.unwrap_or(API_TOKEN_DAYS);
    if !(1..=365).contains(&days) {
        return Err(Error::field("days", "有效期应为 1 到 365 天"));
    }
    let token = random_token();
    let now = now_ms();
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO auth_token (city_id, account_id, kind, name, token_hash, csrf, created_at, expires_at) \
             VALUES ($1, $2, 'api', $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(access.city_id())
        .bind(access.account_id())
        .bind(name)
        .bind(token_hash(&token))
        .bind(random_token())
        .bind(now)
        .bind(now + days * 86_400_000),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "create_token",
            object_kind: "auth_token",
            object_id: id,
            scope_path: "/",
            before: None,
            after: Some(json!({"name": name, "days": days})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        TokenInfo {
            id,
            kind: "api".into(),
            name: name.into(),
            created_at: now,
            expires_at: now + days * 86_400_000,
        },
        token,
    ))
}

/// The caller's own tokens and sessions that have not expired.
pub async fn list_tokens(db: &Db, access: &Access) -> Result<Vec<TokenInfo>> {
    let rows = sqlx::query(
        "SELECT id, kind, name, created_at, expires_at FROM auth_token \
         WHERE city_id = $1 AND account_id = $2 AND expires_at > $3 ORDER BY id DESC LIMIT 100",
    )
    .bind(access.city_id())
    .bind(access.account_id())
    .bind(now_ms())
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenInfo {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                name: r.try_get(2)?,
                created_at: r.try_get(3)?,
                expires_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// Revoke one of the caller's own tokens.
pub async fn revoke_token(db: &Db, access: &Access, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let res =
        sqlx::query("DELETE FROM auth_token WHERE city_id = $1 AND account_id = $2 AND id = $3")
            .bind(access.city_id())
            .bind(access.account_id())
            .bind(id)
            .execute(&mut *tx)
            .await?;
    if res.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "revoke_token",
            object_kind: "auth_token",
            object_id: id,
            scope_path: "/",
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
