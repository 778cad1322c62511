//! Activities (活动) of the six duties of sent-down personnel: a cadre publishes one with a
//! time window, a place (point and radius, or a grid's polygon), capacity, wanted skills
//! and target groups; personnel sign up (a waitlist when full), check in and out on site
//! from their phone, and a cadre reviews the attendance, which then credits points and
//! time-bank minutes through the ledger once.

pub mod checkin;
pub mod figures;
pub mod load;
pub mod model;
pub mod publish;
pub mod review;
pub mod service;
pub mod signup;
pub mod writer;

pub use checkin::{CheckIn, CheckInInput, CheckInResult, RollCall, checkin, roll_call};
pub use model::{Direction, DutyKind};
pub use publish::{Cancellation, NewActivity, cancel, publish};
pub use review::{Attendance, Decision, QueueQuery, queue, review};
pub use service::{Activity, ActivityQuery, MySignup, get, list};
pub use signup::{
    MineQuery, MyActivity, Roster, RosterEntry, SignupResult, mine, roster, signup, withdraw,
};
pub mod totals;
