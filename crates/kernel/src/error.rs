//! The domain error every area service answers with. `web` maps each variant to an HTTP
//! status, a stable code and a zh-CN message; nothing here knows about HTTP.

use serde::Serialize;

/// A problem with one input field, phrased so the user knows how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the form or JSON body calls it.
    pub field: String,
    /// What is wrong, in Chinese.
    pub message: String,
}

/// Errors of the domain services.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object does not exist, or lies outside the caller's scope (never say which).
    #[error("not found")]
    NotFound,
    /// The caller may see the object but not do this to it.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// No valid session or token.
    #[error("unauthenticated")]
    Unauthenticated,
    /// One or more fields are invalid.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The request conflicts with the current state (a stable code and a Chinese message).
    #[error("{message}")]
    Conflict {
        /// Stable snake_case code.
        code: &'static str,
        /// Explanation in Chinese.
        message: String,
    },
    /// Too many attempts; try again later.
    #[error("rate limited")]
    RateLimited,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// Anything else that is our fault.
    #[error("internal: {0}")]
    Internal(String),
}

/// Result with the domain [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// One invalid field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    /// A conflict with a stable code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
        }
    }

    /// Turn a unique-constraint violation into a field error; pass other errors through.
    pub fn unique_as_field(e: sqlx::Error, field: &str, message: &str) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Error::field(field, message),
            _ => Error::Db(e),
        }
    }
}

/// Collects field errors while a whole input is checked, so every problem is reported at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Record a problem with `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// `Ok(())` when nothing was recorded, otherwise [`Error::Invalid`].
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }

    /// Whether any problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Check a required text field: trimmed, not empty, at most `max` characters.
pub fn required_text(
    p: &mut Problems,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        p.add(field, format!("请填写{label}"));
    } else if v.chars().count() > max {
        p.add(field, format!("{label}最多 {max} 个字"));
    }
    v.to_owned()
}

/// Check an optional text field: trimmed, at most `max` characters; empty becomes `None`.
pub fn optional_text(
    p: &mut Problems,
    field: &str,
    label: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = value.map(str::trim).unwrap_or("");
    if v.chars().count() > max {
        p.add(field, format!("{label}最多 {max} 个字"));
    }
    (!v.is_empty()).then(|| v.to_owned())
}
