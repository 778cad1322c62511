//! The demo city, generated deterministically: 2 districts, 4 streets, 12 communities,
//! 60 grids (with boundaries), 30 employers, a skills catalogue, 2,000 sent-down personnel
//! with 双报到 registrations, some residents, and one account for each role.

use kernel::Db;
use org::Role;
use org::access::system_access;
use org::availability::Slot;
use org::employers::EmployerInput;
use org::people::PersonInput;
use org::skills::SkillInput;
use org::units::NewUnit;

/// A printed demo login.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Login name.
    pub login: String,
    /// What the account is.
    pub role: &'static str,
    /// Where it holds its role.
    pub scope: String,
}

/// Sizes of a generated city.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Districts.
    pub districts: usize,
    /// Streets per district.
    pub streets: usize,
    /// Communities per street.
    pub communities: usize,
    /// Grids per community.
    pub grids: usize,
    /// Employers.
    pub employers: usize,
    /// Personnel.
    pub personnel: usize,
}

impl Scale {
    /// The demo city of the README.
    pub const DEMO: Scale = Scale {
        districts: 2,
        streets: 2,
        communities: 3,
        grids: 5,
        employers: 30,
        personnel: 2000,
    };
}

/// A tiny deterministic generator (the demo must be the same on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() as usize) % xs.len()]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
];
const GIVEN: [&str; 40] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "玲", "红", "志", "海",
    "春", "燕", "斌", "鹏", "晨", "宇", "欣", "婷",
];
const DISTRICTS: [(&str, &str); 4] = [
    ("江岸区", "420102"),
    ("江汉区", "420103"),
    ("硚口区", "420104"),
    ("汉阳区", "420105"),
];
const STREETS: [&str; 8] = [
    "大智街道",
    "一元街道",
    "民族街道",
    "花楼街道",
    "万松街道",
    "唐家墩街道",
    "汉正街道",
    "宝丰街道",
];
const COMMUNITY_WORDS: [&str; 12] = [
    "滨江",
    "兰陵",
    "胜利",
    "三阳",
    "黎黄陂",
    "鄱阳",
    "青年",
    "友谊",
    "新村",
    "花园",
    "长春",
    "育才",
];
const EMPLOYERS: [(&str, &str); 30] = [
    ("市发展和改革委员会", "机关"),
    ("市教育局", "机关"),
    ("市科学技术局", "机关"),
    ("市民政局", "机关"),
    ("市司法局", "机关"),
    ("市财政局", "机关"),
    ("市人力资源和社会保障局", "机关"),
    ("市自然资源和规划局", "机关"),
    ("市生态环境局", "机关"),
    ("市住房和城乡建设局", "机关"),
    ("市城市管理执法委员会", "机关"),
    ("市交通运输局", "机关"),
    ("市水务局", "机关"),
    ("市商务局", "机关"),
    ("市文化和旅游局", "机关"),
    ("市卫生健康委员会", "机关"),
    ("市退役军人事务局", "机关"),
    ("市应急管理局", "机关"),
    ("市市场监督管理局", "机关"),
    ("市统计局", "机关"),
    ("市医疗保障局", "机关"),
    ("市第一人民医院", "事业单位"),
    ("市中心医院", "事业单位"),
    ("市第二中学", "事业单位"),
    ("市图书馆", "事业单位"),
    ("市供电公司", "国有企业"),
    ("市水务集团", "国有企业"),
    ("市燃气集团", "国有企业"),
    ("市公交集团", "国有企业"),
    ("市地铁集团", "国有企业"),
];
const SKILLS: [(&str, &str); 12] = [
    ("医疗", "专业服务"),
    ("护理", "专业服务"),
    ("法律咨询", "专业服务"),
    ("心理咨询", "专业服务"),
    ("教育辅导", "专业服务"),
    ("信息技术", "专业服务"),
    ("电工", "生活服务"),
    ("水暖维修", "生活服务"),
    ("驾驶", "生活服务"),
    ("文艺宣传", "群众工作"),
    ("政策宣讲", "群众工作"),
    ("调解", "群众工作"),
];

fn name(rng: &mut Lcg) -> String {
    let mut n = (*rng.pick(&SURNAMES)).to_string();
    n.push_str(rng.pick::<&str>(&GIVEN));
    if rng.below(3) > 0 {
        n.push_str(rng.pick::<&str>(&GIVEN));
    }
    n
}

fn square(lon: f64, lat: f64, half: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{a:.6},{b:.6}],[{c:.6},{b:.6}],[{c:.6},{d:.6}],[{a:.6},{d:.6}],[{a:.6},{b:.6}]]]}}"#,
        a = lon - half,
        b = lat - half,
        c = lon + half,
        d = lat + half
    )
}

fn weekend(rng: &mut Lcg) -> Vec<Slot> {
    let mut v = vec![Slot {
        day: 6,
        start: "09:00".into(),
        end: "17:00".into(),
    }];
    if rng.below(2) == 0 {
        v.push(Slot {
            day: 7,
            start: "09:00".into(),
            end: "12:00".into(),
        });
    }
    if rng.below(5) == 0 {
        v.push(Slot {
            day: 3,
            start: "18:30".into(),
            end: "20:30".into(),
        });
    }
    v
}

/// A demo account: login, role, node, employer, label, scope name.
type DemoAccount = (&'static str, Role, i64, Option<i64>, &'static str, String);

/// Whether the database already holds a city.
pub async fn has_data(db: &Db) -> anyhow::Result<bool> {
    let rows = sqlx::query("SELECT id FROM city LIMIT 1")
        .fetch_all(db.reader())
        .await?;
    Ok(!rows.is_empty())
}

/// Fill an empty database with a city of `scale`; accounts get `password`.
pub async fn generate(db: &Db, scale: Scale, password: &str) -> anyhow::Result<Vec<DemoLogin>> {
    let mut rng = Lcg(20261125);
    let (city_id, root) = org::units::create_city(db, "武汉市", "420100").await?;
    let sys = system_access(city_id, root.id, "演示数据");
    for (n, c) in SKILLS {
        org::skills::create(
            db,
            &sys,
            SkillInput {
                name: n.into(),
                category: c.into(),
            },
        )
        .await?;
    }
    let skills = org::skills::list(db, &sys).await?;
    let mut districts = Vec::new();
    let mut streets = Vec::new();
    let mut communities = Vec::new();
    let mut grids = Vec::new();
    for d in 0..scale.districts {
        let (dname, dcode) = DISTRICTS.get(d).copied().unwrap_or(("新区", "420199"));
        let dname = if d < DISTRICTS.len() {
            dname.to_owned()
        } else {
            format!("第{}区", d + 1)
        };
        let dcode = if d < DISTRICTS.len() {
            dcode.to_owned()
        } else {
            format!("4201{:02}", 50 + d)
        };
        let district = org::units::create(
            db,
            &sys,
            NewUnit {
                parent_id: root.id,
                kind: "district".into(),
                name: dname,
                code: dcode.clone(),
                ..Default::default()
            },
        )
        .await?;
        for s in 0..scale.streets {
            let i = d * scale.streets + s;
            let sname = STREETS
                .get(i)
                .map(|x| x.to_string())
                .unwrap_or_else(|| format!("第{}街道", i + 1));
            let street = org::units::create(
                db,
                &sys,
                NewUnit {
                    parent_id: district.id,
                    kind: "street".into(),
                    name: sname,
                    code: format!("{dcode}{:03}", s + 1),
                    ..Default::default()
                },
            )
            .await?;
            for c in 0..scale.communities {
                let k = i * scale.communities + c;
                let lon = 114.26 + (k % 6) as f64 * 0.02;
                let lat = 30.56 + (k / 6) as f64 * 0.02;
                let word = COMMUNITY_WORDS
                    .get(k % COMMUNITY_WORDS.len())
                    .copied()
                    .unwrap_or("新");
                let cname = if k < COMMUNITY_WORDS.len() {
                    format!("{word}社区")
                } else {
                    format!("{word}{}社区", k / COMMUNITY_WORDS.len() + 1)
                };
                let community = org::units::create(
                    db,
                    &sys,
                    NewUnit {
                        parent_id: street.id,
                        kind: "community".into(),
                        name: cname,
                        code: format!("{}{:03}", street.code, c + 1),
                        boundary: Some(square(lon, lat, 0.008)),
                        ..Default::default()
                    },
                )
                .await?;
                for g in 0..scale.grids {
                    let glon = lon - 0.006 + (g % 3) as f64 * 0.006;
                    let glat = lat - 0.003 + (g / 3) as f64 * 0.006;
                    let grid = org::units::create(
                        db,
                        &sys,
                        NewUnit {
                            parent_id: community.id,
                            kind: "grid".into(),
                            name: format!("第{}网格", g + 1),
                            code: format!("{}-{:02}", community.code, g + 1),
                            boundary: Some(square(glon, glat, 0.0029)),
                            ..Default::default()
                        },
                    )
                    .await?;
                    grids.push(grid);
                }
                communities.push(community);
            }
            streets.push(street);
        }
        districts.push(district);
    }
    let mut employers = Vec::new();
    for e in 0..scale.employers {
        let (ename, kind) = EMPLOYERS.get(e).copied().unwrap_or(("市直单位", "机关"));
        let ename = if e < EMPLOYERS.len() {
            ename.to_owned()
        } else {
            format!("{ename}{}", e + 1)
        };
        let emp = org::employers::create(
            db,
            &sys,
            EmployerInput {
                unit_id: Some(root.id),
                party_org: format!("中共{}委员会", ename.trim_start_matches('市')),
                name: ename,
                kind: kind.into(),
                credit_code: None,
                contact_name: Some(name(&mut rng)),
                contact_phone: Some(format!("027{:08}", 80000000 + e)),
            },
        )
        .await?;
        employers.push(emp);
    }
    // The first two (both of the first community) get demo accounts.
    let mut demo_personnel = Vec::new();
    for i in 0..scale.personnel {
        let employer = &employers[i % employers.len()];
        let community = &communities[(i / 7) % communities.len()];
        let registered = rng.below(10) > 0;
        let mut skill_ids = vec![rng.pick(&skills).id];
        if rng.below(2) == 0 {
            let s = rng.pick(&skills).id;
            if !skill_ids.contains(&s) {
                skill_ids.push(s);
            }
        }
        let month = 1 + rng.below(9);
        let day = 1 + rng.below(28);
        let p = org::people::create(
            db,
            &sys,
            PersonInput {
                kind: "personnel".into(),
                name: name(&mut rng),
                phone: Some(format!("139{:08}", 10_000_000 + i * 37)),
                id_card: None,
                employer_id: Some(employer.id),
                party_member: rng.below(10) < 7,
                skill_ids,
                physical_limits: if rng.below(12) == 0 {
                    "不宜登高".into()
                } else {
                    String::new()
                },
                availability: weekend(&mut rng),
                home_community_id: Some(community.id),
                employer_registered_on: Some(format!("2026-{month:02}-{day:02}")),
                registered_community_id: registered.then_some(community.id),
                registration_basis: Some(
                    if rng.below(3) == 0 {
                        "assigned"
                    } else {
                        "home"
                    }
                    .into(),
                ),
                community_registered_on: registered
                    .then(|| format!("2026-{month:02}-{:02}", (day + 3).min(28))),
                left_on: None,
            },
        )
        .await?;
        if demo_personnel.len() < 2 {
            demo_personnel.push(p.id);
        }
    }
    let mut first_resident = None;
    for i in 0..scale.communities.max(1) * 10 {
        let community = &communities[i % communities.len()];
        let p = org::people::create(
            db,
            &sys,
            PersonInput {
                kind: "resident".into(),
                name: name(&mut rng),
                phone: Some(format!("138{:08}", 20_000_000 + i * 53)),
                home_community_id: Some(community.id),
                ..Default::default()
            },
        )
        .await?;
        first_resident.get_or_insert(p.id);
    }
    // One account per role, each for a person of its own.
    let c1 = &communities[0];
    let accounts: Vec<DemoAccount> = vec![
        (
            "admin",
            Role::PlatformAdmin,
            root.id,
            None,
            "平台管理员",
            root.name.clone(),
        ),
        (
            "district",
            Role::Admin,
            districts[0].id,
            None,
            "区管理员",
            districts[0].name.clone(),
        ),
        (
            "street",
            Role::Admin,
            streets[0].id,
            None,
            "街道管理员",
            streets[0].name.clone(),
        ),
        (
            "cadre",
            Role::CommunityCadre,
            c1.id,
            None,
            "社区干部",
            c1.name.clone(),
        ),
        (
            "grid",
            Role::GridLeader,
            grids[0].id,
            None,
            "网格长",
            format!("{} {}", c1.name, grids[0].name),
        ),
        (
            "property",
            Role::PropertyUnit,
            c1.id,
            None,
            "物业/驻区单位",
            c1.name.clone(),
        ),
        (
            "employer",
            Role::EmployerAdmin,
            root.id,
            Some(employers[0].id),
            "派出单位管理员",
            employers[0].name.clone(),
        ),
        (
            "inspector",
            Role::Inspector,
            districts[0].id,
            None,
            "督查人员",
            districts[0].name.clone(),
        ),
    ];
    let hash = org::auth::hash_password(password).await?;
    let mut logins = Vec::new();
    for (i, (login, role, unit, employer, label, scope)) in accounts.into_iter().enumerate() {
        let person = org::people::create(
            db,
            &sys,
            PersonInput {
                kind: "staff".into(),
                name: name(&mut rng),
                phone: Some(format!("137{:08}", 30_000_000 + i)),
                home_community_id: Some(c1.id),
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
            &[(role, unit, employer)],
        )
        .await?;
        logins.push(DemoLogin {
            login: login.into(),
            role: label,
            scope,
        });
    }
    for (pid, login) in demo_personnel.iter().zip(["personnel", "personnel2"]) {
        org::accounts::bootstrap_account(
            db,
            city_id,
            *pid,
            login,
            &hash,
            &[(Role::Personnel, c1.id, None)],
        )
        .await?;
        logins.push(DemoLogin {
            login: login.into(),
            role: "下沉人员",
            scope: c1.name.clone(),
        });
    }
    if let Some(pid) = first_resident {
        org::accounts::bootstrap_account(
            db,
            city_id,
            pid,
            "resident",
            &hash,
            &[(Role::Resident, c1.id, None)],
        )
        .await?;
        logins.push(DemoLogin {
            login: "resident".into(),
            role: "居民",
            scope: c1.name.clone(),
        });
    }
    if !demo_personnel.is_empty() && first_resident.is_some() {
        crate::demo_work::generate(db, password, c1, &grids[0]).await?;
        let first: Vec<_> = grids
            .iter()
            .filter(|g| g.parent_id == Some(c1.id))
            .cloned()
            .collect();
        crate::demo_work::patrols_and_registries(db, password, &first).await?;
        crate::demo_duty::generate(db, password, c1, &grids[0]).await?;
        crate::demo_assess::generate(db, password, c1, &grids[0]).await?;
    }
    logins.extend(
        crate::demo_civic::generate(db, password, city_id, root.id, &streets[0], c1).await?,
    );
    db.analyze().await?;
    Ok(logins)
}
