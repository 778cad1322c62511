//! People pages: the list (search, filters, keyset paging), a person's page (record, 双报到,
//! account and roles) and the registration form.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::FieldError;
use org::Role;
use org::accounts::{AccountInfo, NewAccount, NewGrant};
use org::availability::Slot;
use org::people::{PeopleQuery, Person, PersonInput, PersonKind, PersonRow};
use serde::Deserialize;

use super::{FormErrors, Frame, PageResult, ToastQuery, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser, urlencode};

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<PersonRow>,
    next_href: Option<String>,
    q: String,
    kind: String,
    unit_id: String,
    employer_id: String,
    unregistered: bool,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(i64, String)>,
    employers: Vec<(i64, String)>,
    can_create: bool,
    export_href: String,
}

/// Filters as typed in the list form (empty strings allowed).
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    unit_id: Option<String>,
    employer_id: Option<String>,
    unregistered: Option<String>,
    after: Option<i64>,
    toast: Option<String>,
}

/// GET /people
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<ListQuery>,
) -> PageResult {
    let a = &u.access;
    let q = PeopleQuery {
        q: f.q.clone(),
        unit_id: super::opt_id(&f.unit_id),
        employer_id: super::opt_id(&f.employer_id),
        kind: f.kind.clone().filter(|k| !k.is_empty()),
        unregistered: f.unregistered.as_deref().map(|v| v == "true" || v == "1"),
        after: f.after,
        limit: Some(30),
    };
    let page = org::people::list(&s.db, a, &q).await?;
    let filter_qs = format!(
        "q={}&kind={}&unit_id={}&employer_id={}{}",
        urlencode(f.q.as_deref().unwrap_or("")),
        urlencode(f.kind.as_deref().unwrap_or("")),
        f.unit_id.as_deref().unwrap_or(""),
        f.employer_id.as_deref().unwrap_or(""),
        if q.unregistered == Some(true) {
            "&unregistered=true"
        } else {
            ""
        },
    );
    let units = org::people::community_choices(&s.db, a)
        .await?
        .into_iter()
        .map(|x| (x.id, x.name))
        .collect();
    let employers = org::employers::list(&s.db, a)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    Ok(render(&ListPage {
        frame: Frame::new(a, "人员", "people").with_toast(f.toast),
        next_href: page.next.map(|n| format!("/people?{filter_qs}&after={n}")),
        rows: page.items,
        q: f.q.unwrap_or_default(),
        kind: f.kind.unwrap_or_default(),
        unit_id: f.unit_id.unwrap_or_default(),
        employer_id: f.employer_id.unwrap_or_default(),
        unregistered: q.unregistered == Some(true),
        kinds: PersonKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        units,
        employers,
        can_create: a.is_administrator(),
        export_href: format!("/export/people?{filter_qs}"),
    }))
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    frame: Frame,
    p: Person,
    account: Option<AccountInfo>,
    can_manage: bool,
    roles: Vec<(&'static str, &'static str)>,
    employers: Vec<(i64, String)>,
    errors: FormErrors,
}

async fn person_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    errors: FormErrors,
    toast: Option<String>,
) -> PageResult {
    let a = &u.access;
    let p = org::people::get(&s.db, a, id).await?;
    let account = org::accounts::of_person(&s.db, a, id).await?;
    let can_manage = a.manages_person(&p.scope());
    let employers = if can_manage {
        org::employers::list(&s.db, a)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect()
    } else {
        vec![]
    };
    let failed = !errors.0.is_empty();
    let mut res = render(&PersonPage {
        frame: Frame::new(a, p.name.clone(), "people")
            .with_toast(toast)
            .with_back("/people"),
        p,
        account,
        can_manage,
        roles: super::role_choices(),
        employers,
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /people/{id}
pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    person_view(&s, &u, id, FormErrors::default(), t.toast).await
}

/// The person form's values, kept as typed so a re-shown form loses nothing.
#[derive(Debug, Clone, Default)]
pub struct PersonForm {
    kind: String,
    name: String,
    phone: String,
    id_card: String,
    employer_id: String,
    party_member: bool,
    skill_ids: Vec<String>,
    physical_limits: String,
    week: Vec<(u8, bool, String, String)>,
    home_community_id: String,
    employer_registered_on: String,
    registered_community_id: String,
    registration_basis: String,
    community_registered_on: String,
    left_on: String,
}

const DAY_NAMES: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

impl PersonForm {
    fn empty() -> PersonForm {
        PersonForm {
            kind: "personnel".into(),
            registration_basis: "assigned".into(),
            week: (1..=7)
                .map(|d| (d, false, "09:00".into(), "17:00".into()))
                .collect(),
            ..Default::default()
        }
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> PersonForm {
        let mut f = PersonForm::empty();
        for (k, v) in pairs {
            match k.as_str() {
                "kind" => f.kind = v,
                "name" => f.name = v,
                "phone" => f.phone = v,
                "id_card" => f.id_card = v,
                "employer_id" => f.employer_id = v,
                "party_member" => f.party_member = !v.is_empty(),
                "skill_ids" => f.skill_ids.push(v),
                "physical_limits" => f.physical_limits = v,
                "home_community_id" => f.home_community_id = v,
                "employer_registered_on" => f.employer_registered_on = v,
                "registered_community_id" => f.registered_community_id = v,
                "registration_basis" => f.registration_basis = v,
                "community_registered_on" => f.community_registered_on = v,
                "left_on" => f.left_on = v,
                other => {
                    if let Some(rest) = other.strip_prefix('d')
                        && let Some((day, what)) = rest.split_once('_')
                        && let Ok(day) = day.parse::<usize>()
                        && (1..=7).contains(&day)
                    {
                        let slot = &mut f.week[day - 1];
                        match what {
                            "on" => slot.1 = true,
                            "start" => slot.2 = v,
                            "end" => slot.3 = v,
                            _ => {}
                        }
                    }
                }
            }
        }
        f
    }

    fn of(p: &Person) -> PersonForm {
        let i = p.as_input();
        let mut f = PersonForm::empty();
        f.kind = i.kind;
        f.name = i.name;
        f.phone = i.phone.unwrap_or_default();
        f.id_card = i.id_card.unwrap_or_default();
        f.employer_id = i.employer_id.map(|v| v.to_string()).unwrap_or_default();
        f.party_member = i.party_member;
        f.skill_ids = i.skill_ids.iter().map(|v| v.to_string()).collect();
        f.physical_limits = i.physical_limits;
        for slot in &i.availability {
            if let Some(w) = f.week.get_mut(slot.day as usize - 1) {
                *w = (slot.day, true, slot.start.clone(), slot.end.clone());
            }
        }
        f.home_community_id = i
            .home_community_id
            .map(|v| v.to_string())
            .unwrap_or_default();
        f.employer_registered_on = i.employer_registered_on.unwrap_or_default();
        f.registered_community_id = i
            .registered_community_id
            .map(|v| v.to_string())
            .unwrap_or_default();
        f.registration_basis = i.registration_basis.unwrap_or_else(|| "assigned".into());
        f.community_registered_on = i.community_registered_on.unwrap_or_default();
        f.left_on = i.left_on.unwrap_or_default();
        f
    }

    fn input(&self) -> Result<PersonInput, kernel::Error> {
        let mut bad = Vec::new();
        let mut id = |field: &str, v: &str| -> Option<i64> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            v.parse().ok().or_else(|| {
                bad.push(FieldError {
                    field: field.into(),
                    message: "请从列表中选择".into(),
                });
                None
            })
        };
        let employer_id = id("employer_id", &self.employer_id);
        let home = id("home_community_id", &self.home_community_id);
        let reg = id("registered_community_id", &self.registered_community_id);
        let skill_ids = self
            .skill_ids
            .iter()
            .filter_map(|v| id("skill_ids", v))
            .collect();
        if !bad.is_empty() {
            return Err(kernel::Error::Invalid(bad));
        }
        let text = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        Ok(PersonInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            phone: text(&self.phone),
            id_card: text(&self.id_card),
            employer_id,
            party_member: self.party_member,
            skill_ids,
            physical_limits: self.physical_limits.clone(),
            availability: self
                .week
                .iter()
                .filter(|w| w.1)
                .map(|w| Slot {
                    day: w.0,
                    start: w.2.clone(),
                    end: w.3.clone(),
                })
                .collect(),
            home_community_id: home,
            employer_registered_on: text(&self.employer_registered_on),
            registered_community_id: reg,
            registration_basis: text(&self.registration_basis),
            community_registered_on: text(&self.community_registered_on),
            left_on: text(&self.left_on),
        })
    }

    /// Whether a skill id is ticked.
    pub fn has_skill(&self, id: &i64) -> bool {
        self.skill_ids.iter().any(|s| s == &id.to_string())
    }

    /// The day's name.
    pub fn day_name(&self, day: &u8) -> &'static str {
        DAY_NAMES[(*day as usize).clamp(1, 7) - 1]
    }
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage {
    frame: Frame,
    action: String,
    form: PersonForm,
    kinds: Vec<(&'static str, &'static str)>,
    employers: Vec<(i64, String)>,
    communities: Vec<(i64, String)>,
    skills: Vec<org::skills::Skill>,
    errors: FormErrors,
}

async fn form_view(
    s: &AppState,
    u: &PageUser,
    id: Option<i64>,
    form: PersonForm,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    let failed = !errors.0.is_empty();
    let communities = org::people::community_choices(&s.db, a)
        .await?
        .into_iter()
        .filter(|c| {
            a.admin_prefixes()
                .iter()
                .any(|p| c.path.starts_with(p.as_str()))
        })
        .map(|c| (c.id, c.name))
        .collect();
    let mut res = render(&FormPage {
        frame: Frame::new(
            a,
            if id.is_some() {
                "修改人员信息"
            } else {
                "登记人员"
            },
            "people",
        )
        .with_back(
            id.map(|i| format!("/people/{i}"))
                .unwrap_or_else(|| "/people".into()),
        ),
        action: id
            .map(|i| format!("/people/{i}/edit"))
            .unwrap_or_else(|| "/people/new".into()),
        form,
        kinds: PersonKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        employers: org::employers::list(&s.db, a)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect(),
        communities,
        skills: org::skills::list(&s.db, a).await?,
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /people/new
pub async fn new_page(State(s): State<AppState>, u: PageUser) -> PageResult {
    if !u.access.is_administrator() {
        return Err(kernel::Error::Forbidden("只有管理员和社区干部可以登记人员").into());
    }
    form_view(&s, &u, None, PersonForm::empty(), FormErrors::default()).await
}

/// POST /people/new
pub async fn create(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let f = PersonForm::from_pairs(pairs);
    let result = match f.input() {
        Ok(input) => org::people::create(&s.db, &u.access, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(done(
            &format!("/people/{}", p.id),
            &format!("已登记 {}", p.name),
        )),
        Err(kernel::Error::Invalid(errs)) => form_view(&s, &u, None, f, FormErrors(errs)).await,
        Err(kernel::Error::Forbidden(m)) => {
            let errs = vec![FieldError {
                field: "registered_community_id".into(),
                message: m.into(),
            }];
            form_view(&s, &u, None, f, FormErrors(errs)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /people/{id}/edit
pub async fn edit_page(State(s): State<AppState>, u: PageUser, Path(id): Path<i64>) -> PageResult {
    let p = org::people::get(&s.db, &u.access, id).await?;
    if !u.access.manages_person(&p.scope()) {
        return Err(kernel::Error::Forbidden("您不能修改这名人员的信息").into());
    }
    form_view(&s, &u, Some(id), PersonForm::of(&p), FormErrors::default()).await
}

/// POST /people/{id}/edit
pub async fn edit(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let f = PersonForm::from_pairs(pairs);
    let result = match f.input() {
        Ok(input) => org::people::update(&s.db, &u.access, id, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(done(&format!("/people/{id}"), "已保存")),
        Err(kernel::Error::Invalid(errs)) => form_view(&s, &u, Some(id), f, FormErrors(errs)).await,
        Err(e) => Err(e.into()),
    }
}

/// The new-account form.
#[derive(Debug, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

/// POST /people/{id}/account
pub async fn create_account(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AccountForm>,
) -> PageResult {
    let input = NewAccount {
        login: Some(f.login),
        password: f.password,
    };
    match org::accounts::create(&s.db, &u.access, id, input).await {
        Ok(a) => Ok(done(
            &format!("/people/{id}"),
            &format!("已开通账号 {}，首次登录须修改密码", a.login),
        )),
        Err(kernel::Error::Invalid(errs)) => person_view(&s, &u, id, FormErrors(errs), None).await,
        Err(kernel::Error::Conflict { message, .. }) => {
            person_view(
                &s,
                &u,
                id,
                FormErrors(vec![FieldError {
                    field: "login".into(),
                    message,
                }]),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The account state form.
#[derive(Debug, Deserialize)]
pub struct StateForm {
    #[serde(default)]
    disabled: String,
}

/// POST /people/{id}/account/state
pub async fn set_account_state(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<StateForm>,
) -> PageResult {
    let disabled = f.disabled == "1";
    org::accounts::set_disabled(&s.db, &u.access, id, disabled).await?;
    Ok(done(
        &format!("/people/{id}"),
        if disabled {
            "账号已停用"
        } else {
            "账号已启用"
        },
    ))
}

/// The grant form.
#[derive(Debug, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    employer_id: String,
}

/// POST /people/{id}/roles
pub async fn grant_role(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<GrantForm>,
) -> PageResult {
    let Some(role) = Role::parse(&f.role) else {
        return person_view(
            &s,
            &u,
            id,
            FormErrors(vec![FieldError {
                field: "role".into(),
                message: "请选择角色".into(),
            }]),
            None,
        )
        .await;
    };
    let input = NewGrant {
        role,
        unit_id: None,
        unit_code: Some(f.unit_code),
        employer_id: super::opt_id(&Some(f.employer_id)),
    };
    match org::accounts::grant(&s.db, &u.access, id, input).await {
        Ok(_) => Ok(done(
            &format!("/people/{id}"),
            &format!("已授予{}", role.label()),
        )),
        Err(kernel::Error::Invalid(errs)) => person_view(&s, &u, id, FormErrors(errs), None).await,
        Err(kernel::Error::Conflict { message, .. }) => {
            person_view(
                &s,
                &u,
                id,
                FormErrors(vec![FieldError {
                    field: "role".into(),
                    message,
                }]),
                None,
            )
            .await
        }
        Err(kernel::Error::Forbidden(m)) => {
            let message = m.to_owned();
            person_view(
                &s,
                &u,
                id,
                FormErrors(vec![FieldError {
                    field: "role".into(),
                    message,
                }]),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /people/{id}/roles/{grant}/revoke
pub async fn revoke_role(
    State(s): State<AppState>,
    u: PageUser,
    Path((id, grant)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> PageResult {
    org::accounts::revoke(&s.db, &u.access, id, grant).await?;
    Ok(done(&format!("/people/{id}"), "已撤销角色"))
}

/// The list filters as the export link carries them.
#[derive(Debug, Deserialize, Default)]
pub struct ListQueryPublic {
    pub(super) q: Option<String>,
    pub(super) kind: Option<String>,
    pub(super) unit_id: Option<String>,
    pub(super) employer_id: Option<String>,
    pub(super) unregistered: Option<String>,
}
