//! Demo data for consultation and public opinion: a joint community (联村社区) with two
//! villages and their cadres' logins (`joint`, `village`, `village2`), a collective-funded
//! proposal waiting for 东湖村's assembly, a government-funded one under deliberation in the
//! first community, a station–village forum, opinion-box items and a poll.

use anyhow::Context;
use civic::forum::{Attendance, ForumOutcome, NewForum};
use civic::opinion::{NewOpinion, OpinionBox};
use civic::poll::NewPoll;
use civic::proposal::{NewComment, NewProposal, StageMove};
use kernel::Db;
use kernel::time::{local_datetime, now_ms, today};
use org::access::system_access;
use org::people::PersonInput;
use org::units::{NewUnit, Unit};
use org::{Access, Role};

use crate::demo::DemoLogin;

async fn as_user(db: &Db, login: &str, password: &str) -> anyhow::Result<Access> {
    let s = org::auth::login(db, login, password, "127.0.0.1", "api")
        .await
        .with_context(|| format!("logging in as {login}"))?;
    org::auth::authenticate(db, &s.token)
        .await?
        .context("the demo token authenticates")
}

/// Build the joint community, its logins and the demo consultation records.
pub async fn generate(
    db: &Db,
    password: &str,
    city_id: i64,
    root_id: i64,
    street: &Unit,
    community: &Unit,
) -> anyhow::Result<Vec<DemoLogin>> {
    let sys = system_access(city_id, root_id, "演示数据");
    let unit = |parent: i64, kind: &str, name: &str, code: String| NewUnit {
        parent_id: parent,
        kind: kind.into(),
        name: name.into(),
        code,
        ..Default::default()
    };
    let joint = org::units::create(
        db,
        &sys,
        unit(
            street.id,
            "joint_community",
            "幸福联村社区",
            format!("{}901", street.code),
        ),
    )
    .await?;
    let east = org::units::create(
        db,
        &sys,
        unit(
            joint.id,
            "village",
            "东湖村",
            format!("{}901001", street.code),
        ),
    )
    .await?;
    let west = org::units::create(
        db,
        &sys,
        unit(
            joint.id,
            "village",
            "西湖村",
            format!("{}901002", street.code),
        ),
    )
    .await?;
    let hash = org::auth::hash_password(password).await?;
    let mut logins = vec![];
    for (i, (login, name, at, label)) in [
        ("joint", "周联村", &joint, "联村社区干部"),
        ("village", "吴东湖", &east, "村干部（东湖村）"),
        ("village2", "郑西湖", &west, "村干部（西湖村）"),
    ]
    .into_iter()
    .enumerate()
    {
        let person = org::people::create(
            db,
            &sys,
            PersonInput {
                kind: "staff".into(),
                name: name.into(),
                phone: Some(format!("137{:08}", 50_000_000 + i)),
                home_community_id: Some(at.id),
                ..Default::default()
            },
        )
        .await?;
        org::accounts::bootstrap_account(
            db,
            city_id,
            person.id,
            login,
            &hash,
            &[(Role::CommunityCadre, at.id, None)],
        )
        .await?;
        logins.push(DemoLogin {
            login: login.into(),
            role: label,
            scope: at.name.clone(),
        });
    }

    let joint_cadre = as_user(db, "joint", password).await?;
    let p = civic::proposal::create(
        db,
        &joint_cadre,
        NewProposal {
            unit_id: Some(joint.id),
            title: "东湖村文化礼堂修缮".into(),
            body: "礼堂屋顶漏雨，修缮屋顶和外墙，预算 18 万元，由东湖村集体经济出资。".into(),
            funding: Some("collective".into()),
            villages: vec![east.id],
        },
    )
    .await?;
    civic::proposal::advance(
        db,
        &joint_cadre,
        p.id,
        StageMove {
            to: "deliberation".into(),
            note: "提交共建理事会商议".into(),
        },
    )
    .await?;
    civic::proposal::comment(
        db,
        &joint_cadre,
        p.id,
        NewComment {
            body: "理事会建议同时加装无障碍坡道。".into(),
            rating: None,
        },
    )
    .await?;
    let forum = civic::forum::create(
        db,
        &joint_cadre,
        NewForum {
            unit_id: Some(joint.id),
            agenda: "东湖村文化礼堂修缮与西湖村村道路灯".into(),
            held_on: today().to_string(),
            attendance: vec![
                Attendance {
                    village_id: Some(east.id),
                    people: vec!["吴东湖".into(), "村民代表 李梅".into()],
                    ..Default::default()
                },
                Attendance {
                    village_id: Some(west.id),
                    people: vec!["郑西湖".into()],
                    ..Default::default()
                },
                Attendance {
                    village_id: None,
                    people: vec!["服务站 周联村".into()],
                    ..Default::default()
                },
            ],
            minutes: "礼堂修缮由东湖村集体出资，须提交东湖村村民代表会议表决；路灯另行商议。"
                .into(),
            outcomes: vec![ForumOutcome {
                text: "提交东湖村村民代表会议表决".into(),
                proposal_id: Some(p.id),
            }],
        },
    )
    .await;
    forum.context("demo forum")?;

    if let Ok(cadre) = as_user(db, "cadre", password).await {
        let g = civic::proposal::create(
            db,
            &cadre,
            NewProposal {
                unit_id: Some(community.id),
                title: "小区增设电动车充电桩".into(),
                body: "在 3 栋、5 栋旁各增设 10 个充电桩，政府出资。".into(),
                funding: Some("government".into()),
                villages: vec![],
            },
        )
        .await?;
        civic::proposal::advance(
            db,
            &cadre,
            g.id,
            StageMove {
                to: "deliberation".into(),
                note: String::new(),
            },
        )
        .await?;
        civic::poll::create(
            db,
            &cadre,
            NewPoll {
                unit_id: Some(community.id),
                question: "周末义诊安排在什么时间合适？".into(),
                options: vec!["周六上午".into(), "周六下午".into(), "周日上午".into()],
                multiple: false,
                max_choices: None,
                closes_at: local_datetime(now_ms() + 7 * 86_400_000),
                live: true,
            },
        )
        .await?;
    }
    if let Ok(resident) = as_user(db, "resident", password).await {
        for (kind, body, anonymous) in [
            (
                "suggestion",
                "小区东门晚上没有路灯，老人出入不方便，建议加装。",
                true,
            ),
            ("complaint", "5 栋楼下有人长期占道堆放杂物。", false),
            ("praise", "网格员小王帮我家老人办好了医保，谢谢！", false),
        ] {
            civic::opinion::submit(
                db,
                &resident,
                OpinionBox::Community,
                NewOpinion {
                    unit_id: None,
                    kind: kind.into(),
                    body: body.into(),
                    anonymous,
                },
            )
            .await?;
        }
        civic::opinion::submit(
            db,
            &resident,
            OpinionBox::Platform,
            NewOpinion {
                unit_id: None,
                kind: "suggestion".into(),
                body: "希望活动报名页能显示还剩几个名额。".into(),
                anonymous: false,
            },
        )
        .await?;
    }
    Ok(logins)
}
