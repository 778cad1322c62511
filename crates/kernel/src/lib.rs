//! The kernel every area builds on: the database handle for both backends, the shared
//! error type, civil time in Asia/Shanghai, the working-day calendar for deadlines,
//! geometry, masking of personal data, paging and the audit trail.

pub mod audit;
pub mod calendar;
pub mod db;
pub mod error;
pub mod fence;
pub mod geo;
pub mod mask;
pub mod paging;
pub mod paths;
pub mod time;

pub use db::{Backend, Db, Tx};
pub use error::{Error, FieldError, Result};
