//! Absence (缺勤): after a shift, the responsible cadre records a person on it as absent —
//! never when they had approved leave. The person sees the record and may contest it once
//! with an explanation; the cadre upholds or withdraws it with a note (a withdrawn record
//! stays in the history as withdrawn). No clock-in anywhere.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::Access;
use org::inbox::NewNotice;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::keeps;
use crate::shifts::{self, when_label};

/// An absence to record.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AbsenceInput {
    /// The shift (it must be over).
    pub shift_id: Option<i64>,
    /// Who was absent (a person on the shift).
    pub person_id: Option<i64>,
    /// A note (up to 200 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// The person's contest.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Contest {
    /// The explanation (up to 500 characters).
    #[serde(default)]
    pub explanation: String,
}

/// The cadre's answer to a contest.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ContestAnswer {
    /// Withdraw the record (`true`) or uphold it (`false`).
    #[serde(default)]
    pub withdraw: bool,
    /// The note (up to 200 characters).
    #[serde(default)]
    pub note: String,
}

/// An absence record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Absence {
    /// Id.
    pub id: i64,
    /// The shift.
    pub shift_id: i64,
    /// Its time.
    pub shift_when: String,
    /// Who.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// The cadre's note.
    pub note: Option<String>,
    /// `recorded`, `contested`, `upheld`, `withdrawn`.
    pub state: String,
    /// The person's explanation.
    pub explanation: Option<String>,
    /// The cadre's answer.
    pub answer_note: Option<String>,
}

async fn fetch(db: &Db, city_id: i64, id: i64) -> Result<Option<(Absence, String, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT a.id, a.shift_id, a.person_id, a.note, a.state, a.explanation, a.answer_note, \
         s.starts_at, s.ends_at, s.unit_path, a.recorded_by_person_id FROM duty_absence a \
         JOIN duty_shift s ON s.city_id = a.city_id AND s.id = a.shift_id \
         WHERE a.city_id = $1 AND a.id = $2",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let pid: i64 = r.try_get(2)?;
    let names = org::pool::names(db, city_id, &[pid]).await?;
    Ok(Some((
        Absence {
            id: r.try_get(0)?,
            shift_id: r.try_get(1)?,
            shift_when: when_label(r.try_get(7)?, r.try_get(8)?),
            person_id: pid,
            person_name: names.get(&pid).cloned().unwrap_or_default(),
            note: r.try_get(3)?,
            state: r.try_get(4)?,
            explanation: r.try_get(5)?,
            answer_note: r.try_get(6)?,
        },
        r.try_get(9)?,
        r.try_get(10)?,
    )))
}

/// One record: the person and the keepers of the shift.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Absence> {
    let (a, path, _) = fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if (access.person_id() != 0 && access.person_id() == a.person_id) || keeps(access, &path) {
        Ok(a)
    } else {
        Err(Error::NotFound)
    }
}

/// Record a person absent from a shift that is over.
pub async fn record(db: &Db, access: &Access, input: AbsenceInput) -> Result<Absence> {
    let s = match input.shift_id {
        Some(id) => shifts::load(db, access.city_id(), id).await?,
        None => return Err(Error::field("shift_id", "请选择值班")),
    };
    if !keeps(access, &s.unit_path) {
        return Err(Error::NotFound);
    }
    let mut p = Problems::default();
    let note = optional_text(&mut p, "note", "备注", input.note.as_deref(), 200);
    let person = input.person_id.unwrap_or(0);
    if !s.has_on(person) {
        p.add("person_id", "这个人员不在这个班次上");
    }
    p.finish()?;
    if now_ms() < s.ends_at {
        return Err(Error::conflict("shift_not_over", "值班结束后才能记录缺勤"));
    }
    if crate::leave::approved(db, access.city_id(), s.id, person).await? {
        return Err(Error::conflict(
            "absence_has_leave",
            "这个人员这次值班已获准请假，不能记为缺勤",
        ));
    }
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO duty_absence (city_id, shift_id, person_id, note, state, recorded_by_person_id, \
             created_at) VALUES ($1, $2, $3, $4, 'recorded', $5, $6) RETURNING id",
        )
        .bind(access.city_id())
        .bind(s.id)
        .bind(person)
        .bind(&note)
        .bind((access.person_id() != 0).then_some(access.person_id()))
        .bind(now_ms()),
    )
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            Error::conflict("absence_exists", "这次值班已经记录过这个人员缺勤")
        }
        _ => Error::Db(e),
    })?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "duty_absence_record",
            object_kind: "duty_absence",
            object_id: id,
            scope_path: &s.unit_path,
            before: None,
            after: Some(json!({"shift_id": s.id, "person_id": person, "note": note})),
        },
    )
    .await?;
    org::inbox::notify(
        &mut tx,
        access.city_id(),
        NewNotice {
            person_id: person,
            kind: "duty_absence",
            title: "您有一条值班缺勤记录".into(),
            body: format!("值班 {}。如有异议，可以申诉一次。", s.when),
            link: format!("/duty/absences/{id}"),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?
        .0)
}

/// The person contests their record, once.
pub async fn contest(db: &Db, access: &Access, id: i64, c: Contest) -> Result<Absence> {
    let (a, path, recorder) = fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if access.person_id() == 0 || access.person_id() != a.person_id {
        return Err(Error::NotFound);
    }
    if a.explanation.is_some() || a.state != "recorded" {
        return Err(Error::conflict(
            "absence_contested",
            "每条缺勤记录只能申诉一次，您已经申诉过了",
        ));
    }
    let mut p = Problems::default();
    let explanation = required_text(&mut p, "explanation", "申诉说明", &c.explanation, 500);
    p.finish()?;
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE duty_absence SET state = 'contested', explanation = $1, contested_at = $2 \
         WHERE city_id = $3 AND id = $4 AND state = 'recorded' AND explanation IS NULL",
    )
    .bind(&explanation)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict(
            "absence_contested",
            "每条缺勤记录只能申诉一次，您已经申诉过了",
        ));
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "duty_absence_contest",
            object_kind: "duty_absence",
            object_id: id,
            scope_path: &path,
            before: Some(json!({"state": "recorded"})),
            after: Some(json!({"state": "contested", "explanation": explanation})),
        },
    )
    .await?;
    if let Some(r) = recorder {
        org::inbox::notify(
            &mut tx,
            access.city_id(),
            NewNotice {
                person_id: r,
                kind: "duty_absence_contest",
                title: format!("{}对缺勤记录提出申诉", a.person_name),
                body: explanation.clone(),
                link: format!("/duty/absences/{id}"),
            },
        )
        .await?;
    }
    tx.commit().await?;
    get(db, access, id).await
}

/// The cadre answers a contest: upheld or withdrawn, with a note.
pub async fn answer(db: &Db, access: &Access, id: i64, ans: ContestAnswer) -> Result<Absence> {
    let (a, path, _) = fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if !keeps(access, &path) {
        return Err(Error::NotFound);
    }
    if a.state != "contested" {
        return Err(Error::conflict(
            "absence_not_contested",
            "只有申诉中的缺勤记录需要答复",
        ));
    }
    let mut p = Problems::default();
    let note = required_text(&mut p, "note", "答复说明", &ans.note, 200);
    p.finish()?;
    let state = if ans.withdraw { "withdrawn" } else { "upheld" };
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE duty_absence SET state = $1, answer_note = $2, answered_at = $3 \
         WHERE city_id = $4 AND id = $5 AND state = 'contested'",
    )
    .bind(state)
    .bind(&note)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: if ans.withdraw {
                "duty_absence_withdraw"
            } else {
                "duty_absence_uphold"
            },
            object_kind: "duty_absence",
            object_id: id,
            scope_path: &path,
            before: Some(json!({"state": "contested"})),
            after: Some(json!({"state": state, "note": note})),
        },
    )
    .await?;
    org::inbox::notify(
        &mut tx,
        access.city_id(),
        NewNotice {
            person_id: a.person_id,
            kind: "duty_absence_answer",
            title: if ans.withdraw {
                "缺勤记录已撤销".into()
            } else {
                "缺勤记录维持".into()
            },
            body: note.clone(),
            link: format!("/duty/absences/{id}"),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?
        .0)
}

/// Contested records on the shifts the caller keeps.
pub async fn contested(db: &Db, access: &Access) -> Result<Vec<Absence>> {
    let rows = sqlx::query(
        "SELECT a.id, s.unit_path FROM duty_absence a JOIN duty_shift s \
         ON s.city_id = a.city_id AND s.id = a.shift_id \
         WHERE a.city_id = $1 AND a.state = 'contested' ORDER BY a.id LIMIT 500",
    )
    .bind(access.city_id())
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let path: String = r.try_get(1)?;
        if keeps(access, &path)
            && out.len() < 100
            && let Some((a, _, _)) = fetch(db, access.city_id(), r.try_get(0)?).await?
        {
            out.push(a);
        }
    }
    Ok(out)
}
