//! Integration tests of the foundation, through the HTTP surface (API and pages), each on
//! SQLite and — when `CIVICGRID_TEST_POSTGRES_URL` is set — on PostgreSQL.

mod activities;
mod activities_attendance;
mod activity_pages;
mod assess;
mod audit;
mod auth;
mod bank_more;
mod bank_pages;
mod beancount;
mod case_pages;
mod cases;
mod cases_more;
mod checkin_batch;
mod civic;
mod civic_pages;
// Reports: dashboards and the fairness view (branch dashboards).
mod dashboards;
mod demo;
mod duty;
mod duty_pages;
mod gen_data;
mod import;
mod ledger;
mod matrix;
mod open311;
mod order_pages;
mod orders;
mod page_checks;
mod pages;
mod patrols;
mod people;
mod quality;
mod registries;
mod reports_docs;
mod schema;
mod units;
