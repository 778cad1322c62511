//! Orders (点单): a resident asks for a service, the community dispatches it to a
//! recommended person, the person accepts or declines, does it, and both sides rate it;
//! a confirmed order credits points and time coins through the ledger once.

pub mod figures;
pub mod model;
pub mod pool;
pub mod recommend;
pub mod service;
pub mod store;
pub mod sweep;
pub mod view;

pub use model::{CATEGORIES, State, Step};
pub use service::{Dispatch, Finish, NewOrder, Rating, Reason};
pub use store::{Event, Order};
pub use view::{Board, OrderQuery, OrderView, Override, RecommendQuery};
pub mod totals;
