//! Reports generated from the records, never typed in again (DOMAIN.md §0 rule 5): the
//! monthly bulletin (月通报) of a community or street, the quarterly feedback to employers
//! (双报到反馈), a person's annual report draft (述职报告), dashboard figures with charts
//! drawn on the server as SVG, and the load and fairness view (the anti-加码 report); each
//! exports to XLSX and PDF.

pub mod annual;
pub mod assessed;
pub mod bulletin;
pub mod chart;
pub mod dashboard;
pub mod export;
pub mod fairness;
pub mod feedback;
pub mod period;
