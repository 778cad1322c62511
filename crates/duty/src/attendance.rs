//! Attendance figures for the assessment's "教育培训" component: how many meetings and
//! trainings a person was invited to and attended (confirmed by a roll call) in a period.
//! Not a clock-in: logins and time online are never counted.

use kernel::{Db, Result};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

/// Counts in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Summary {
    /// Meetings (周例会, 联合巡查, 联合执法) invited to, with attendance confirmed.
    pub meetings_invited: i64,
    /// Of those, attended.
    pub meetings_attended: i64,
    /// Of those, excused.
    pub meetings_excused: i64,
    /// Trainings invited to, with attendance confirmed.
    pub trainings_invited: i64,
    /// Of those, attended.
    pub trainings_attended: i64,
    /// Of those, excused.
    pub trainings_excused: i64,
}

impl Summary {
    fn add(&mut self, kind: &str, attendance: Option<String>, n: i64) {
        let (inv, yes, exc) = if kind == "training" {
            (
                &mut self.trainings_invited,
                &mut self.trainings_attended,
                &mut self.trainings_excused,
            )
        } else {
            (
                &mut self.meetings_invited,
                &mut self.meetings_attended,
                &mut self.meetings_excused,
            )
        };
        *inv += n;
        match attendance.as_deref() {
            Some("present") => *yes += n,
            Some("excused") => *exc += n,
            _ => {}
        }
    }
}

/// Everyone's counts over the city's meetings that started in `[from_ms, to_ms)` and whose
/// attendance was confirmed, in one pass (the assessment's bulk input).
pub async fn summaries(
    db: &Db,
    city_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<std::collections::HashMap<i64, Summary>> {
    let rows = sqlx::query(
        "SELECT i.person_id, m.kind, i.attendance, COUNT(*) FROM duty_invitee i JOIN duty_meeting m \
         ON m.city_id = i.city_id AND m.id = i.meeting_id \
         WHERE i.city_id = $1 AND m.state = 'closed' \
         AND m.starts_at >= $2 AND m.starts_at < $3 GROUP BY i.person_id, m.kind, i.attendance",
    )
    .bind(city_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?;
    let mut out: std::collections::HashMap<i64, Summary> = std::collections::HashMap::new();
    for r in &rows {
        out.entry(r.try_get(0)?).or_default().add(
            &r.try_get::<String, _>(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
        );
    }
    Ok(out)
}

/// The person's counts over the meetings that started in `[from_ms, to_ms)` and whose
/// attendance was confirmed.
pub async fn summary(
    db: &Db,
    city_id: i64,
    person_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<Summary> {
    let rows = sqlx::query(
        "SELECT m.kind, i.attendance, COUNT(*) FROM duty_invitee i JOIN duty_meeting m \
         ON m.city_id = i.city_id AND m.id = i.meeting_id \
         WHERE i.city_id = $1 AND i.person_id = $2 AND m.state = 'closed' \
         AND m.starts_at >= $3 AND m.starts_at < $4 GROUP BY m.kind, i.attendance",
    )
    .bind(city_id)
    .bind(person_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?;
    let mut s = Summary::default();
    for r in &rows {
        s.add(&r.try_get::<String, _>(0)?, r.try_get(1)?, r.try_get(2)?);
    }
    Ok(s)
}
