//! 信息收集: a problem is reported — by a grid worker on patrol in three taps, a resident,
//! a cadre taking a hotline call or a media or inspection finding, or an Open311 client.
//! The position (WGS-84 or GCJ-02, inside China) finds the grid when the grid has a
//! boundary; a report within 50 m of an open case of the same category is offered as a
//! possible duplicate.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text};
use kernel::fence::{Crs, distance_m};
use kernel::geo::{Boundary, Point};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::units::{Unit, UnitKind};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::category::{self, Category};
use crate::model::{DUPLICATE_RADIUS_M, Source, State, Urgency, in_china};
use crate::store::{self, CaseFile, NewEvent};

/// A problem to report.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewCase {
    /// The 小类 (see `GET /case-categories`).
    pub category_id: Option<i64>,
    /// `normal` (default) or `urgent`.
    pub urgency: Option<String>,
    /// Where it came from: `patrol`, `resident`, `hotline`, `media`, `inspection`,
    /// `petition`. Defaults to `resident` for residents and `patrol` for grid staff;
    /// hotline, media, inspection and petition are entered by cadres and inspectors.
    pub source: Option<String>,
    /// What is wrong (up to 500 characters; may be left out when the category says it).
    #[serde(default)]
    pub description: String,
    /// Where, in words (up to 100 characters).
    #[serde(default)]
    pub address: String,
    /// Longitude (degrees).
    pub lon: Option<f64>,
    /// Latitude (degrees).
    pub lat: Option<f64>,
    /// `wgs84` (default; what a phone's browser gives) or `gcj02` (Chinese map apps).
    pub crs: Option<String>,
    /// The grid, when the position does not find one (or no position is given).
    pub grid_id: Option<i64>,
    /// The community, when neither position nor grid is known.
    pub community_id: Option<i64>,
    /// The registry entry (stall, enterprise, road, building) it concerns.
    pub registry_id: Option<i64>,
    /// The patrol it was found on (defaults to the reporter's patrol under way).
    pub patrol_id: Option<i64>,
    /// For a hotline call or a petition: the caller's name.
    pub reporter_name: Option<String>,
    /// The caller's phone or e-mail (kept masked for others).
    pub reporter_contact: Option<String>,
    /// For an inspection (督查暗访): the level of the inspecting body — `province`,
    /// `city`, `district` or `street`; assessment deductions depend on it.
    pub inspection_level: Option<String>,
}

/// The levels of an inspecting body (督查组), with their names.
pub const INSPECTION_LEVELS: [(&str, &str); 4] = [
    ("province", "省级检查"),
    ("city", "市级检查"),
    ("district", "区级检查"),
    ("street", "街道督查"),
];

/// An open case near a new report, of the same category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Duplicate {
    /// The open case.
    pub case_id: i64,
    /// Metres between the two positions.
    pub distance_m: i64,
    /// Its state in words.
    pub state_label: String,
    /// Its description.
    pub description: String,
    /// When it was reported (ms).
    pub reported_at: i64,
}

/// Where a report is: the grid (when known), its community, and the path it belongs to.
#[derive(Debug, Clone)]
pub struct Place {
    /// The position (WGS-84), when given.
    pub point: Option<Point>,
    /// The crs it came in.
    pub crs: Option<Crs>,
    /// The grid.
    pub grid: Option<Unit>,
    /// The community.
    pub community: Unit,
}

impl Place {
    /// The node the case belongs to.
    pub fn unit(&self) -> &Unit {
        self.grid.as_ref().unwrap_or(&self.community)
    }
}

/// Read and check a position: both coordinates or neither, numbers inside China (after
/// GCJ-02 is turned into WGS-84).
pub fn parse_position(
    p: &mut Problems,
    lon: Option<f64>,
    lat: Option<f64>,
    crs: Option<&str>,
) -> Option<(Point, Crs)> {
    let crs = match crs.map(str::trim).filter(|c| !c.is_empty()) {
        None => Crs::Wgs84,
        Some(c) => match Crs::parse(c) {
            Some(c) => c,
            None => {
                p.add("crs", "坐标系只能是 wgs84 或 gcj02");
                return None;
            }
        },
    };
    match (lon, lat) {
        (None, None) => None,
        (Some(lon), Some(lat)) => {
            if !lon.is_finite() || !lat.is_finite() || !in_china(lon, lat) {
                p.add(
                    "lon",
                    "位置不在我国境内：经度应在 73.4 到 135.1 之间，纬度应在 3.8 到 53.6 之间",
                );
                return None;
            }
            match crs.to_wgs84(lon, lat) {
                Some(pt) => Some((pt, crs)),
                None => {
                    p.add("lon", "位置无法识别，请重新定位");
                    None
                }
            }
        }
        _ => {
            p.add("lon", "经度和纬度要一起填写，或都不填");
            None
        }
    }
}

fn community_of(ancestors: &[Unit], unit: &Unit) -> Option<Unit> {
    if unit.kind.is_community_level() {
        return Some(unit.clone());
    }
    ancestors
        .iter()
        .rev()
        .find(|u| u.kind.is_community_level())
        .cloned()
}

async fn ancestors_of(db: &Db, city_id: i64, unit: &Unit) -> Result<Vec<Unit>> {
    let mut out = Vec::new();
    for id in unit
        .path
        .split('/')
        .filter_map(|s| s.parse::<i64>().ok())
        .filter(|id| *id != unit.id)
    {
        if let Some(u) = org::units::fetch_any(db, city_id, id).await? {
            out.push(u);
        }
    }
    Ok(out)
}

/// The deepest grid whose boundary holds `p`.
pub async fn grid_at(db: &Db, city_id: i64, p: Point) -> Result<Option<Unit>> {
    // Grids are a few hundred metres across; 0.05° (about 5 km) is a generous box.
    for g in org::units::grids_near(db, city_id, p, 0.05).await? {
        if let Some(b) = g.boundary.as_deref().and_then(|t| Boundary::parse(t).ok())
            && b.contains(p)
        {
            return Ok(Some(g));
        }
    }
    Ok(None)
}

/// Find where a report is: the grid holding the position, else the grid or community
/// named, else the reporter's home community.
pub async fn locate(
    db: &Db,
    access: &Access,
    point: Option<(Point, Crs)>,
    grid_id: Option<i64>,
    community_id: Option<i64>,
) -> Result<Place> {
    let city = access.city_id();
    let mut grid = match point {
        Some((p, _)) => grid_at(db, city, p).await?,
        None => None,
    };
    let named = |id: Option<i64>, field: &'static str, want_grid: bool| async move {
        let Some(id) = id else { return Ok(None) };
        match org::units::fetch_any(db, city, id).await? {
            Some(u) if (u.kind == UnitKind::Grid) == want_grid => Ok(Some(u)),
            Some(u) if !want_grid && u.kind.is_community_level() => Ok(Some(u)),
            _ => Err(Error::field(
                field,
                if want_grid {
                    "没有这个网格"
                } else {
                    "没有这个社区"
                },
            )),
        }
    };
    if grid.is_none() {
        grid = named(grid_id, "grid_id", true).await?;
    }
    let community = match &grid {
        Some(g) => community_of(&ancestors_of(db, city, g).await?, g),
        None => match named(community_id, "community_id", false).await? {
            Some(c) => Some(c),
            None => {
                let home = org::people::scope_of(db, city, access.person_id())
                    .await
                    .ok()
                    .and_then(|s| {
                        s.scope_path
                            .trim_end_matches('/')
                            .rsplit('/')
                            .next()
                            .and_then(|x| x.parse::<i64>().ok())
                    });
                match home {
                    Some(id) => org::units::fetch_any(db, city, id)
                        .await?
                        .filter(|u| u.kind.is_community_level()),
                    None => None,
                }
            }
        },
    };
    let Some(community) = community else {
        return Err(Error::field(
            "lon",
            "找不到问题所在的网格：请获取位置，或选择所在的网格或社区",
        ));
    };
    Ok(Place {
        point: point.map(|(p, _)| p),
        crs: point.map(|(_, c)| c),
        grid,
        community,
    })
}

/// The source of a report by what the reporter may claim.
fn source_for(access: &Access, asked: Option<&str>) -> Result<Source> {
    let staff_over = |roles: &[Role]| roles.iter().any(|r| access.has(*r)) || access.is_staff();
    let asked = asked.map(str::trim).filter(|s| !s.is_empty());
    let source = match asked {
        Some(s) => Source::parse(s).ok_or_else(|| {
            Error::field(
                "source",
                "来源只能是 patrol、resident、hotline、media、inspection 或 petition",
            )
        })?,
        None if access.is_staff() || access.has(Role::Personnel) => {
            if access.has(Role::Inspector)
                && !access.has(Role::GridLeader)
                && !access.has(Role::CommunityCadre)
            {
                Source::Inspection
            } else {
                Source::Patrol
            }
        }
        None => Source::Resident,
    };
    match source {
        Source::Resident => Ok(source),
        Source::Patrol if staff_over(&[Role::Personnel]) => Ok(source),
        Source::Inspection if access.has(Role::Inspector) || access.is_administrator() => {
            Ok(source)
        }
        Source::Hotline | Source::Media | Source::Petition if access.is_administrator() => {
            Ok(source)
        }
        Source::Watch => Err(Error::field(
            "source",
            "盯守中发现反弹，请在盯守任务里“报告反弹”",
        )),
        _ => Err(Error::field(
            "source",
            "这个来源的案件由社区干部或督查人员录入",
        )),
    }
}

/// The patrol under way of the reporter in this grid, if any.
async fn open_patrol(db: &Db, access: &Access, grid_id: Option<i64>) -> Result<Option<i64>> {
    let rows = sqlx::query(
        "SELECT id, grid_id FROM patrol WHERE city_id = $1 AND person_id = $2 AND state = 'open' \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(access.city_id())
    .bind(access.person_id())
    .fetch_all(db.reader())
    .await?;
    Ok(rows.first().and_then(|r| {
        let id: i64 = r.try_get(0).ok()?;
        let g: i64 = r.try_get(1).ok()?;
        (grid_id.is_none() || grid_id == Some(g)).then_some(id)
    }))
}

/// Report a problem. Returns the case and the open cases nearby that may be the same.
pub async fn report(
    db: &Db,
    access: &Access,
    input: NewCase,
    channel: &str,
) -> Result<(CaseFile, Vec<Duplicate>)> {
    let mut p = Problems::default();
    let city = access.city_id();
    let cat = match category::for_new_case(db, city, input.category_id).await {
        Ok(c) => Some(c),
        Err(Error::Invalid(v)) => {
            for f in v {
                p.add(&f.field, f.message);
            }
            None
        }
        Err(e) => return Err(e),
    };
    let urgency = match input.urgency.as_deref().map(str::trim) {
        None | Some("") => Urgency::Normal,
        Some(u) => Urgency::parse(u).unwrap_or_else(|| {
            p.add("urgency", "紧急程度只能是 normal（一般）或 urgent（紧急）");
            Urgency::Normal
        }),
    };
    let source = match source_for(access, input.source.as_deref()) {
        Ok(s) => Some(s),
        Err(Error::Invalid(v)) => {
            for f in v {
                p.add(&f.field, f.message);
            }
            None
        }
        Err(e) => return Err(e),
    };
    let inspection_level = match input.inspection_level.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(_) if source != Some(Source::Inspection) => {
            p.add("inspection_level", "只有督查暗访的问题才填检查级别");
            None
        }
        Some(l) => match INSPECTION_LEVELS.iter().find(|(c, _)| *c == l) {
            Some((c, _)) => Some(*c),
            None => {
                p.add(
                    "inspection_level",
                    "检查级别只能是 province（省级）、city（市级）、district（区级）或 street（街道）",
                );
                None
            }
        },
    };
    let description = optional_text(
        &mut p,
        "description",
        "问题描述",
        Some(&input.description),
        500,
    )
    .unwrap_or_default();
    let address =
        optional_text(&mut p, "address", "地址", Some(&input.address), 100).unwrap_or_default();
    let reporter_name = optional_text(
        &mut p,
        "reporter_name",
        "来电人",
        input.reporter_name.as_deref(),
        30,
    );
    let reporter_contact = optional_text(
        &mut p,
        "reporter_contact",
        "联系方式",
        input.reporter_contact.as_deref(),
        60,
    );
    let point = parse_position(&mut p, input.lon, input.lat, input.crs.as_deref());
    p.finish()?;
    let (Some(cat), Some(source)) = (cat, source) else {
        return Err(Error::Internal("checked above".into()));
    };
    let place = locate(db, access, point, input.grid_id, input.community_id).await?;
    let registry_id = match input.registry_id {
        Some(id) => Some(registry_in(db, city, id, &place).await?),
        None => None,
    };
    let patrol_id = match input.patrol_id {
        Some(id) => Some(own_patrol(db, access, id).await?),
        None if source == Source::Patrol => {
            open_patrol(db, access, place.grid.as_ref().map(|g| g.id)).await?
        }
        None => None,
    };
    let anonymous = access.person_id() == 0;
    let name = reporter_name.unwrap_or_else(|| {
        if anonymous {
            String::new()
        } else {
            access.name().to_owned()
        }
    });
    // The person behind a hotline, media or petition entry is the caller, not the cadre.
    let reporter = (!anonymous
        && !matches!(source, Source::Hotline | Source::Media | Source::Petition))
    .then(|| access.person_id());
    let case = insert(
        db,
        access,
        Insert {
            source,
            channel,
            category: &cat,
            urgency,
            description: &description,
            address: &address,
            place: &place,
            reporter,
            reporter_name: &name,
            reporter_contact: reporter_contact.as_deref(),
            patrol_id,
            registry_id,
            state: State::Reported,
            rebound_of: None,
            token: None,
            inspection_level,
        },
    )
    .await?;
    let dups = duplicates(db, &case).await?;
    Ok((case, dups))
}

async fn registry_in(db: &Db, city: i64, id: i64, place: &Place) -> Result<i64> {
    let rows = sqlx::query("SELECT unit_path FROM registry_entry WHERE city_id = $1 AND id = $2")
        .bind(city)
        .bind(id)
        .fetch_all(db.reader())
        .await?;
    let path: Option<String> = rows.first().map(|r| r.try_get(0)).transpose()?;
    match path {
        Some(p) if p.starts_with(&place.community.path) => Ok(id),
        Some(_) => Err(Error::field(
            "registry_id",
            "这个登记对象不在问题所在的社区",
        )),
        None => Err(Error::field("registry_id", "没有这个登记对象")),
    }
}

async fn own_patrol(db: &Db, access: &Access, id: i64) -> Result<i64> {
    let rows = sqlx::query("SELECT person_id FROM patrol WHERE city_id = $1 AND id = $2")
        .bind(access.city_id())
        .bind(id)
        .fetch_all(db.reader())
        .await?;
    match rows.first().map(|r| r.try_get::<i64, _>(0)).transpose()? {
        Some(p) if p == access.person_id() => Ok(id),
        _ => Err(Error::field("patrol_id", "只能关联您自己的巡查记录")),
    }
}

/// What a new case row holds.
pub(crate) struct Insert<'a> {
    pub source: Source,
    pub channel: &'a str,
    pub category: &'a Category,
    pub urgency: Urgency,
    pub description: &'a str,
    pub address: &'a str,
    pub place: &'a Place,
    pub reporter: Option<i64>,
    pub reporter_name: &'a str,
    pub reporter_contact: Option<&'a str>,
    pub patrol_id: Option<i64>,
    pub registry_id: Option<i64>,
    pub state: State,
    pub rebound_of: Option<i64>,
    pub token: Option<&'a str>,
    pub inspection_level: Option<&'a str>,
}

/// Write a new case with its first event and audit entry.
pub(crate) async fn insert(db: &Db, access: &Access, i: Insert<'_>) -> Result<CaseFile> {
    let now = now_ms();
    let unit = i.place.unit();
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO case_file (city_id, source, channel, category_id, urgency, description, \
             address, lon_e7, lat_e7, crs, grid_id, community_id, unit_path, level_unit_id, \
             level, state, reporter_person_id, reporter_name, reporter_contact, patrol_id, \
             registry_id, department, reported_at, registered_at, rebound_of_id, token, \
             created_at, updated_at, inspection_level) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10, $11, $12, $13, $14, 0, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, \
             $25, $22, $22, $26) \
             RETURNING id",
        )
        .bind(access.city_id())
        .bind(i.source.as_str())
        .bind(i.channel)
        .bind(i.category.id)
        .bind(i.urgency.as_str())
        .bind(i.description)
        .bind(i.address)
        .bind(i.place.point.map(|p| p.lon_e7))
        .bind(i.place.point.map(|p| p.lat_e7))
        .bind(i.place.crs.map(|c| c.as_str()))
        .bind(i.place.grid.as_ref().map(|g| g.id))
        .bind(i.place.community.id)
        .bind(&unit.path)
        .bind(unit.id)
        .bind(i.state.as_str())
        .bind(i.reporter)
        .bind(i.reporter_name)
        .bind(i.reporter_contact)
        .bind(i.patrol_id)
        .bind(i.registry_id)
        .bind(&i.category.department)
        .bind(now)
        .bind((i.state == State::Registered).then_some(now))
        .bind(i.rebound_of)
        .bind(i.token)
        .bind(i.inspection_level),
    )
    .await?;
    store::add_event(
        &mut tx,
        access.city_id(),
        id,
        NewEvent {
            action: if i.rebound_of.is_some() {
                "rebound"
            } else {
                "report"
            },
            from: State::Reported,
            to: i.state,
            actor_person_id: Some(access.person_id()),
            actor_name: if access.person_id() == 0 && !i.reporter_name.is_empty() {
                i.reporter_name
            } else {
                access.name()
            },
            reason: None,
            data: json!({"source": i.source.as_str(), "channel": i.channel,
                         "inspection_level": i.inspection_level,
                         "grid_id": i.place.grid.as_ref().map(|g| g.id),
                         "rebound_of": i.rebound_of}),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "case_report",
            object_kind: "case_file",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(
                json!({"category": i.category.code, "source": i.source.as_str(),
                "channel": i.channel, "state": i.state.as_str(), "unit_id": unit.id,
                "urgency": i.urgency.as_str()}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    let mut conn = db.reader().acquire().await?;
    store::load(&mut conn, access.city_id(), id, "")
        .await?
        .ok_or(Error::NotFound)
}

/// Open cases of the same category within [`DUPLICATE_RADIUS_M`] of a case, nearest first.
pub async fn duplicates(db: &Db, c: &CaseFile) -> Result<Vec<Duplicate>> {
    let (Some(lon), Some(lat)) = (c.lon_e7, c.lat_e7) else {
        return Ok(vec![]);
    };
    let here = Point {
        lon_e7: lon,
        lat_e7: lat,
    };
    // A box a little larger than the radius; the exact distance decides.
    let dlat = (DUPLICATE_RADIUS_M * 1.2 / 111_320.0 * kernel::geo::E7) as i64;
    let dlon = (dlat as f64 / here.lat().to_radians().cos().max(0.1)) as i64;
    let rows = sqlx::query(
        "SELECT id, state, description, reported_at, lon_e7, lat_e7 FROM case_file \
         WHERE city_id = $1 AND category_id = $2 AND state IN ('reported', 'registered', \
         'dispatched', 'suspended', 'handled') AND lat_e7 BETWEEN $3 AND $4 \
         AND lon_e7 BETWEEN $5 AND $6 AND id <> $7 ORDER BY id LIMIT 50",
    )
    .bind(c.city_id)
    .bind(c.category_id)
    .bind(lat - dlat)
    .bind(lat + dlat)
    .bind(lon - dlon)
    .bind(lon + dlon)
    .bind(c.id)
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let there = Point {
            lon_e7: r.try_get(4)?,
            lat_e7: r.try_get(5)?,
        };
        let d = distance_m(here, there);
        if d <= DUPLICATE_RADIUS_M {
            let state: String = r.try_get(1)?;
            out.push(Duplicate {
                case_id: r.try_get(0)?,
                distance_m: d.round() as i64,
                state_label: State::parse(&state).map_or("", State::label).to_owned(),
                description: r.try_get(2)?,
                reported_at: r.try_get(3)?,
            });
        }
    }
    out.sort_by_key(|d| d.distance_m);
    Ok(out)
}
