//! Demo assessment: the seeds' three schemes on the first community — Zhengzhou's for its
//! sent-down personnel, Guancheng's and Gulou's for its grid leaders — a problem a
//! provincial inspection found in the first grid and one the media exposed, and this
//! month's work assessed, so that results, deductions down to their cases, fines and
//! awards are there to look at.

use assessment::period::Period;
use assessment::schemes::NewScheme;
use kernel::Db;
use org::units::Unit;

use crate::demo_work::as_user;

/// Install the schemes, add the findings, assess the month.
pub async fn generate(
    db: &Db,
    password: &str,
    community: &Unit,
    grid: &Unit,
) -> anyhow::Result<()> {
    let admin = as_user(db, "admin", password).await?;
    let inspector = as_user(db, "inspector", password).await?;
    let cadre = as_user(db, "cadre", password).await?;
    let city = admin.city_id();
    for (code, preset, kind, role, periods) in [
        (
            "zhengzhou",
            "zhengzhou",
            Some("personnel"),
            None,
            vec!["month", "quarter", "year"],
        ),
        (
            "guancheng",
            "guancheng",
            None,
            Some("grid_leader"),
            vec!["month"],
        ),
        ("gulou", "gulou", None, Some("grid_leader"), vec!["month"]),
    ] {
        let name = assessment::scheme::presets::by_code(preset)
            .map(|(n, _, _)| n.to_owned())
            .unwrap_or_default();
        assessment::schemes::create(
            db,
            &admin,
            NewScheme {
                code: code.into(),
                name,
                unit_id: community.id,
                person_kind: kind.map(Into::into),
                role: role.map(Into::into),
                periods: periods.into_iter().map(Into::into).collect(),
                preset: Some(preset.into()),
                rules: None,
                effective_from: "2026-01-01".into(),
            },
        )
        .await?;
    }
    for (who, code, source, level, text) in [
        (
            &inspector,
            "E0404",
            "inspection",
            Some("province"),
            "省级暗访发现：农贸市场门口违规搭设遮阳蓬",
        ),
        (
            &cadre,
            "E0203",
            "media",
            None,
            "晚报曝光：人民路人行道占道广告牌长期无人清理",
        ),
    ] {
        let cat = cases::category::by_code(db, city, code).await?;
        let (c, _) = cases::report::report(
            db,
            who,
            cases::NewCase {
                category_id: Some(cat.id),
                source: Some(source.into()),
                inspection_level: level.map(Into::into),
                description: text.into(),
                grid_id: Some(grid.id),
                reporter_name: (source == "media").then(|| "晚报记者".into()),
                ..Default::default()
            },
            "web",
        )
        .await?;
        cases::flow::register(db, &cadre, c.id).await?;
    }
    let month = Period::month_of(kernel::time::today()).to_string();
    assessment::run::run_period(db, city, &month).await?;
    Ok(())
}
