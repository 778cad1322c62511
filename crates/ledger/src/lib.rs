//! Points (积分制) and the time bank (时间银行) on one double-entry ledger: the pure rules
//! (`model`), the engine on the database (`engine`), the city's points standard and
//! time-bank settings (`rules`), and the operations people use (`timebank`).

pub mod beancount;
pub mod contributions;
pub mod engine;
pub mod exchange;
pub mod model;
pub mod rules;
pub mod timebank;

pub use model::Currency;
