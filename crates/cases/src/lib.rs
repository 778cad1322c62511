//! Cases (案件): the closed loop of digital city management — 信息收集 → 案卷建立 (立案)
//! → 任务派遣 → 任务处理 → 处理反馈 → 核查结案 → 综合评价 — with categories coded in two
//! levels and their time limits on the working-day calendar, returns, extensions and
//! suspensions with approval, escalation up the tree (by hand and, when overdue, by the
//! scheduled job), the grids' responsibility chain for problems the grid missed, the
//! follow-up watch after closing, duplicates, optional photos, and the national method's
//! figures with a drill-down to the cases behind each number.

pub mod access;
pub mod category;
pub mod figures;
pub mod flow;
pub mod georeport;
pub mod model;
pub mod patrol;
pub mod photo;
pub mod registry;
pub mod report;
pub mod requests;
pub mod responsible;
pub mod store;
pub mod sweep;
pub mod view;
pub mod watch;
pub mod workdays;

pub use model::{Source, State, Urgency};
pub use report::NewCase;
pub use store::CaseFile;
pub use view::{CaseQuery, CaseView};
pub mod totals;
