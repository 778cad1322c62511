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

/// Meetings and trainings held under a subtree in a period, with their confirmed
/// attendance (for the monthly bulletin).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitSummary {
    /// Meetings (not trainings) closed with attendance confirmed.
    pub meetings: i64,
    /// Trainings closed with attendance confirmed.
    pub trainings: i64,
    /// The counts over everyone invited to them.
    pub people: Summary,
}

fn add(s: &mut Summary, kind: &str, att: Option<&str>, n: i64) {
    let (inv, yes, exc) = if kind == "training" {
        (
            &mut s.trainings_invited,
            &mut s.trainings_attended,
            &mut s.trainings_excused,
        )
    } else {
        (
            &mut s.meetings_invited,
            &mut s.meetings_attended,
            &mut s.meetings_excused,
        )
    };
    *inv += n;
    match att {
        Some("present") => *yes += n,
        Some("excused") => *exc += n,
        _ => {}
    }
}

/// The meetings under `unit_path` (a path prefix) that started in `[from_ms, to_ms)` and
/// were closed with attendance confirmed.
pub async fn under(
    db: &Db,
    city_id: i64,
    unit_path: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<UnitSummary> {
    let like = format!("{unit_path}%");
    let mut u = UnitSummary::default();
    for r in sqlx::query(
        "SELECT kind, COUNT(*) FROM duty_meeting WHERE city_id = $1 AND unit_path LIKE $2 \
         AND state = 'closed' AND starts_at >= $3 AND starts_at < $4 GROUP BY kind",
    )
    .bind(city_id)
    .bind(&like)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?
    {
        let kind: String = r.try_get(0)?;
        let n: i64 = r.try_get(1)?;
        if kind == "training" {
            u.trainings += n;
        } else {
            u.meetings += n;
        }
    }
    for r in sqlx::query(
        "SELECT m.kind, i.attendance, COUNT(*) FROM duty_invitee i JOIN duty_meeting m \
         ON m.city_id = i.city_id AND m.id = i.meeting_id \
         WHERE m.city_id = $1 AND m.unit_path LIKE $2 AND m.state = 'closed' \
         AND m.starts_at >= $3 AND m.starts_at < $4 GROUP BY m.kind, i.attendance",
    )
    .bind(city_id)
    .bind(&like)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?
    {
        let kind: String = r.try_get(0)?;
        let att: Option<String> = r.try_get(1)?;
        add(&mut u.people, &kind, att.as_deref(), r.try_get(2)?);
    }
    Ok(u)
}

/// [`summary`] for many people at once; people never invited are absent from the map.
pub async fn of_people(
    db: &Db,
    city_id: i64,
    person_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<std::collections::HashMap<i64, Summary>> {
    let mut out: std::collections::HashMap<i64, Summary> = std::collections::HashMap::new();
    for chunk in person_ids.chunks(500) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "SELECT i.person_id, m.kind, i.attendance, COUNT(*) FROM duty_invitee i \
             JOIN duty_meeting m ON m.city_id = i.city_id AND m.id = i.meeting_id \
             WHERE i.city_id = $1 AND m.state = 'closed' AND m.starts_at >= $2 \
             AND m.starts_at < $3 AND i.person_id IN ({}) \
             GROUP BY i.person_id, m.kind, i.attendance",
            marks.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(city_id)
            .bind(from_ms)
            .bind(to_ms);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(db.reader()).await? {
            let id: i64 = r.try_get(0)?;
            let kind: String = r.try_get(1)?;
            let att: Option<String> = r.try_get(2)?;
            add(
                out.entry(id).or_default(),
                &kind,
                att.as_deref(),
                r.try_get(3)?,
            );
        }
    }
    Ok(out)
}
