//! Login, logout, password change and API tokens.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{FormErrors, Frame, PageResult, ToastQuery, done, render};
use crate::AppState;
use crate::extract::{ClientIp, CsrfForm, PRELOGIN_COOKIE, PageUser, SESSION_COOKIE, cookie};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    login: String,
    error: Option<String>,
}

/// Query of the login page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirects).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("cookie header")
}

/// GET /login: the form, with a fresh double-submit CSRF cookie.
pub async fn login_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let pre = cookie(&headers, PRELOGIN_COOKIE)
        .filter(|c| c.len() == 64)
        .unwrap_or_else(org::auth::random_token);
    let mut res = render(&LoginPage {
        csrf: pre.clone(),
        next: safe_next(q.next.as_deref()),
        login: String::new(),
        error: None,
    });
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&s, PRELOGIN_COOKIE, &pre, 3600),
    );
    res
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// POST /login
pub async fn login(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    CsrfForm(f): CsrfForm<LoginForm>,
) -> Response {
    match org::auth::login(&s.db, &f.login, &f.password, &ip, "session").await {
        Ok(session) => {
            let to = if session.must_change_password {
                "/account/password".to_owned()
            } else {
                safe_next(f.next.as_deref())
            };
            let mut res = Redirect::to(&to).into_response();
            let max_age = org::auth::SESSION_TTL_MS / 1000;
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&s, SESSION_COOKIE, &session.token, max_age),
            );
            res.headers_mut()
                .append(header::SET_COOKIE, set_cookie(&s, PRELOGIN_COOKIE, "", 0));
            res
        }
        Err(e) => {
            let (status, msg) = match e {
                kernel::Error::RateLimited => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "尝试次数过多，已暂时锁定。请 15 分钟后再试，或联系管理员。",
                ),
                kernel::Error::Unauthenticated => {
                    (StatusCode::UNAUTHORIZED, "账号或密码不正确，请重新输入。")
                }
                other => return super::PageError(other).into_response(),
            };
            let mut res = render(&LoginPage {
                csrf: f.csrf,
                next: safe_next(f.next.as_deref()),
                login: f.login.chars().take(64).collect(),
                error: Some(msg.into()),
            });
            *res.status_mut() = status;
            res
        }
    }
}

/// Forms that carry only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// POST /logout
pub async fn logout(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    org::auth::logout(&s.db, &u.access, &u.token).await?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&s, SESSION_COOKIE, "", 0));
    Ok(res)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    frame: Frame,
    must: bool,
    errors: FormErrors,
}

/// GET /account/password
pub async fn password_page(u: PageUser, Query(t): Query<ToastQuery>) -> Response {
    render(&PasswordPage {
        frame: Frame::new(&u.access, "修改密码", "me")
            .with_toast(t.toast)
            .with_back("/me"),
        must: u.access.must_change_password(),
        errors: FormErrors::default(),
    })
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    new_password: String,
}

/// POST /account/password
pub async fn change_password(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> PageResult {
    match org::auth::change_password(&s.db, &u.access, &u.token, &f.old_password, &f.new_password)
        .await
    {
        Ok(()) => Ok(done("/me", "密码已修改，其他设备上的登录已退出")),
        Err(kernel::Error::Invalid(errs)) => {
            let mut res = render(&PasswordPage {
                frame: Frame::new(&u.access, "修改密码", "me").with_back("/me"),
                must: u.access.must_change_password(),
                errors: FormErrors(errs),
            });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    frame: Frame,
    tokens: Vec<(i64, String, String, String, String)>,
    secret: Option<String>,
    errors: FormErrors,
}

async fn tokens_view(
    s: &AppState,
    u: &PageUser,
    secret: Option<String>,
    errors: FormErrors,
    toast: Option<String>,
) -> PageResult {
    let now = kernel::time::now_ms();
    let tokens = org::auth::list_tokens(&s.db, &u.access)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.id,
                if t.kind == "api" {
                    "接口令牌".to_owned()
                } else {
                    "浏览器登录".to_owned()
                },
                t.name,
                kernel::time::relative_cn(t.created_at, now),
                kernel::time::datetime_cn(t.expires_at),
            )
        })
        .collect();
    Ok(render(&TokensPage {
        frame: Frame::new(&u.access, "登录设备与接口令牌", "me")
            .with_back("/me")
            .with_toast(toast),
        tokens,
        secret,
        errors,
    }))
}

/// GET /account/tokens
pub async fn tokens_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    tokens_view(&s, &u, None, FormErrors::default(), t.toast).await
}

/// The new-token form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    days: Option<String>,
}

/// POST /account/tokens
pub async fn create_token(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<TokenForm>,
) -> PageResult {
    let days = match f.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => match d.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                let errs = FormErrors(vec![kernel::FieldError {
                    field: "days".into(),
                    message: "有效期请填写天数（1–365）".into(),
                }]);
                return tokens_view(&s, &u, None, errs, None).await;
            }
        },
    };
    match org::auth::create_api_token(&s.db, &u.access, org::auth::NewToken { name: f.name, days })
        .await
    {
        Ok((_, secret)) => {
            tokens_view(
                &s,
                &u,
                Some(secret),
                FormErrors::default(),
                Some("令牌已生成".into()),
            )
            .await
        }
        Err(kernel::Error::Invalid(errs)) => {
            tokens_view(&s, &u, None, FormErrors(errs), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /account/tokens/{id}/revoke
pub async fn revoke_token(
    State(s): State<AppState>,
    u: PageUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    org::auth::revoke_token(&s.db, &u.access, id).await?;
    Ok(done("/account/tokens", "已注销"))
}
