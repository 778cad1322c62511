//! Organisations, people, accounts and scopes: the organisation tree, employers and their
//! party organisations, the skills catalogue, people with their availability and 双报到
//! registrations, accounts with roles held per node, the audit log view, retention of
//! personal data, and spreadsheet import/export of the tree and personnel lists.

pub mod access;
pub mod accounts;
pub mod audit_log;
pub mod auth;
pub mod availability;
pub mod employers;
pub mod inbox;
pub mod people;
pub mod pool;
pub mod retention;
pub mod skills;
pub mod units;
pub mod xlsx;

pub use access::{Access, Role};
