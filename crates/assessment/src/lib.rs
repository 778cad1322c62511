//! Assessment (考评): configurable schemes — who they apply to, components with weights and
//! the measures that feed them, deductions, grade bands, disqualifying conditions and the
//! period — run once per period, with results per person, grid, community and employer,
//! each number traceable to the records behind it. Measures are built only from recorded
//! work and outcomes (DOMAIN.md §0 rules 1 and 4): never logins, online time, check-in
//! counts, likes, forwards, reads or study time.

pub mod contest;
pub mod honours;
pub mod period;
pub mod results;
pub mod run;
pub mod scheme;
pub mod schemes;
pub mod score;
