//! Consultation and public opinion (民主议事与民意): proposals that move through the seeds'
//! stages (酝酿提案 → 共建理事会商议 → 决策 → 执行 → 群众反馈) with the decision right set by
//! who pays ([`consent`]), the station–village forum (站—村协商, consultative only), the
//! opinion box (民意箱) with its public-sentiment ledger (民情台账) and the platform's own
//! feedback channel, and polls (民意测验) whose results are never an assessment measure.

pub mod consent;
pub mod forum;
pub mod opinion;
pub mod poll;
pub mod proposal;
mod scope;

pub use consent::{Blocker, Funding, Outcome, Verdict};
