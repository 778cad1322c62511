//! Open311 GeoReport v2 through HTTP, as a standard client uses it: list the services
//! (JSON and XML), read a definition, post a request with an API key, read it back (the
//! public subset without a key, everything with the key of an account that reads it), trade
//! the token for the id, query with the spec's filters, and follow the case's steps in
//! `servicerequestupdates`. Bad input answers GeoReport error documents and writes nothing.

use kernel::time::now_ms;
use org::Access;
use quick_xml::events::Event;
use reqwest::StatusCode;
use serde_json::Value;
use testkit::TestApp;

const DAY: i64 = 86_400_000;

/// An XML element as the tests look at it.
#[derive(Debug, Default, Clone)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Parse an XML document with quick-xml into its root element.
fn parse_xml(s: &str) -> Node {
    assert!(
        s.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
        "XML declaration: {s}"
    );
    let mut reader = quick_xml::Reader::from_str(s);
    reader.config_mut().trim_text(true);
    let mut stack = vec![Node::default()];
    let name_of = |n: quick_xml::name::QName<'_>| n.0.to_owned();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(Node {
                name: name_of(e.name()),
                ..Default::default()
            }),
            Event::Empty(e) => stack.last_mut().unwrap().children.push(Node {
                name: name_of(e.name()),
                ..Default::default()
            }),
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t),
            Event::GeneralRef(r) => {
                let c = match &*r {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("entity {other}"),
                };
                stack.last_mut().unwrap().text.push_str(c);
            }
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(n);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

/// A response as text.
struct Reply {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        assert!(
            self.content_type.starts_with("application/json"),
            "{} {}",
            self.content_type,
            self.body
        );
        serde_json::from_str(&self.body).expect("JSON body")
    }
    fn xml(&self) -> Node {
        assert!(
            self.content_type.starts_with("text/xml"),
            "{} {}",
            self.content_type,
            self.body
        );
        parse_xml(&self.body)
    }
}

async fn reply(res: reqwest::Response) -> Reply {
    Reply {
        status: res.status(),
        content_type: res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: res.text().await.expect("body"),
    }
}

async fn get(app: &TestApp, path: &str) -> Reply {
    reply(
        app.http
            .get(format!("{}/open311/v2/{path}", app.base))
            .send()
            .await
            .expect("request"),
    )
    .await
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> Reply {
    reply(
        app.http
            .post(format!("{}/open311/v2/{path}", app.base))
            .form(form)
            .send()
            .await
            .expect("request"),
    )
    .await
}

/// Check a GeoReport error document in both shapes: JSON `[{code, description}]` or
/// `<errors><error><code/><description/></error></errors>`, with the status; returns the
/// descriptions.
fn error_doc(r: &Reply, status: u16) -> String {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    if r.content_type.starts_with("text/xml") {
        let root = r.xml();
        assert_eq!(root.name, "errors");
        let errors = root.all("error");
        assert!(!errors.is_empty());
        errors
            .iter()
            .map(|e| {
                assert_eq!(e.names(), ["code", "description"]);
                assert_eq!(e.text_of("code"), Some(status.to_string().as_str()));
                e.text_of("description").unwrap().to_owned()
            })
            .collect::<Vec<_>>()
            .join("；")
    } else {
        let v = r.json();
        let a = v.as_array().expect("an array of errors");
        assert!(!a.is_empty());
        a.iter()
            .map(|e| {
                assert_eq!(e["code"], status);
                e["description"].as_str().unwrap().to_owned()
            })
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// Post a request as the holder of `key`; the new id and token.
async fn report(app: &TestApp, key: &str, code: &str, extra: &[(&str, &str)]) -> (i64, String) {
    let mut form = vec![
        ("api_key", key),
        ("service_code", code),
        ("address_string", "甲社区 3 栋楼下"),
        ("description", "人行道上有人摆摊卖水果"),
    ];
    form.extend_from_slice(extra);
    let r = post(app, "requests.json", &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let id: i64 = v[0]["service_request_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (id, v[0]["token"].as_str().unwrap().to_owned())
}

async fn access_of(app: &TestApp, login: &str) -> Access {
    let token = app.token(login).await;
    org::auth::authenticate(&app.db, &token)
        .await
        .unwrap()
        .unwrap()
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// The elements of a service request, in the spec's order.
const REQUEST_ELEMENTS: [&str; 17] = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
];

const SERVICE_ELEMENTS: [&str; 7] = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
];

async fn services_in_json_and_xml(app: TestApp) {
    let r = get(&app, "services.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json; charset=utf-8");
    let v = r.json();
    let services = v.as_array().unwrap();
    let find = |code: &str| services.iter().find(|s| s["service_code"] == code);
    let stall = find("E0401").expect("占道经营");
    assert_eq!(stall["service_name"], "占道经营");
    assert_eq!(stall["group"], "街面秩序");
    assert_eq!(stall["metadata"], true);
    assert_eq!(stall["type"], "realtime");
    assert!(
        stall["description"]
            .as_str()
            .unwrap()
            .contains("城管执法中队")
    );
    assert_eq!(find("E0402").unwrap()["service_name"], "流动摊点");
    assert_eq!(find("E0402").unwrap()["group"], "街面秩序");
    // Only 小类 are services; the 大类 are their groups.
    assert!(find("E04").is_none());
    for s in services {
        let keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        for k in SERVICE_ELEMENTS {
            assert!(keys.contains(&k), "{k} in {s}");
        }
    }
    // No suffix is JSON; the city's code as jurisdiction_id gives the same list.
    assert_eq!(get(&app, "services").await.json(), v);
    assert_eq!(
        get(&app, "services.json?jurisdiction_id=990000")
            .await
            .json(),
        v
    );

    let r = get(&app, "services.xml").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "text/xml; charset=utf-8");
    let root = r.xml();
    assert_eq!(root.name, "services");
    assert_eq!(root.children.len(), services.len());
    for s in &root.children {
        assert_eq!(s.name, "service");
        assert_eq!(s.names(), SERVICE_ELEMENTS, "{s:?}");
    }
    let stall = root
        .all("service")
        .into_iter()
        .find(|s| s.text_of("service_name") == Some("占道经营"))
        .expect("占道经营 in XML");
    assert_eq!(stall.text_of("service_code"), Some("E0401"));
    assert_eq!(stall.text_of("group"), Some("街面秩序"));
    assert_eq!(stall.text_of("metadata"), Some("true"));
    assert!(
        root.all("service")
            .iter()
            .any(|s| s.text_of("service_name") == Some("流动摊点")
                && s.text_of("group") == Some("街面秩序"))
    );

    // An unknown jurisdiction is a 404 error document, in the format asked for.
    let d = error_doc(
        &get(&app, "services.json?jurisdiction_id=nowhere").await,
        404,
    );
    assert!(d.contains("nowhere"), "{d}");
    error_doc(
        &get(&app, "services.xml?jurisdiction_id=nowhere").await,
        404,
    );
}

async fn service_definition_has_the_urgency(app: TestApp) {
    let r = get(&app, "services/E0401.json").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.json();
    assert_eq!(d["service_code"], "E0401");
    let a = &d["attributes"][0];
    assert_eq!(d["attributes"].as_array().unwrap().len(), 1);
    assert_eq!(a["code"], "urgency");
    assert_eq!(a["variable"], true);
    assert_eq!(a["datatype"], "singlevaluelist");
    assert_eq!(a["required"], false);
    assert_eq!(a["order"], 1);
    assert!(a["description"].as_str().unwrap().contains("紧急"));
    assert_eq!(a["values"][0]["key"], "normal");
    assert_eq!(a["values"][0]["name"], "一般");
    assert_eq!(a["values"][1]["key"], "urgent");
    assert_eq!(a["values"][1]["name"], "紧急");

    let root = get(&app, "services/E0401.xml").await.xml();
    assert_eq!(root.name, "service_definition");
    assert_eq!(root.names(), ["service_code", "attributes"]);
    let attrs = root.child("attributes").unwrap();
    assert_eq!(attrs.names(), ["attribute"]);
    let a = attrs.child("attribute").unwrap();
    assert_eq!(
        a.names(),
        [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values"
        ]
    );
    assert_eq!(a.text_of("code"), Some("urgency"));
    assert_eq!(a.text_of("datatype"), Some("singlevaluelist"));
    let values = a.child("values").unwrap().all("value");
    assert_eq!(values.len(), 2);
    assert_eq!(values[1].names(), ["key", "name"]);
    assert_eq!(values[1].text_of("key"), Some("urgent"));
    assert_eq!(values[1].text_of("name"), Some("紧急"));

    // A 大类 is no service; an unknown code is a 404 in either format.
    error_doc(&get(&app, "services/E04.json").await, 404);
    let d = error_doc(&get(&app, "services/NOPE.xml").await, 404);
    assert!(d.contains("NOPE"), "{d}");
}

async fn post_and_read_back(app: TestApp) {
    let key = app.token("resident_a").await;
    let (id, token) = report(
        &app,
        &key,
        "E0401",
        &[
            ("lat", "30.6"),
            ("long", "114.3"),
            ("attribute[urgency]", "urgent"),
            ("first_name", "三"),
            ("last_name", "张"),
            ("phone", "13800000000"),
            ("media_url", "http://example.invalid/p.jpg"),
            ("device_id", "ignored"),
        ],
    )
    .await;
    assert_eq!(token.len(), 32);
    // Stored as a case like any other, with its channel, token and the reporter's home
    // community (the fixture's grids have no boundaries).
    let stored = format!(
        "case_file WHERE id = {id} AND channel = 'open311' AND token = '{token}' \
         AND state = 'reported' AND urgency = 'urgent' AND community_id = {} \
         AND reporter_name = '张三' AND reporter_contact = '13800000000'",
        app.fx.community_a
    );
    assert_eq!(app.count(&stored).await, 1);
    // Every write is in the audit log.
    for action in ["case_report", "case_token"] {
        let q = format!(
            "audit_log WHERE object_kind = 'case_file' AND object_id = {id} AND action = '{action}'"
        );
        assert_eq!(app.count(&q).await, 1, "{action}");
    }

    // Without a key: the public subset, enough to follow the status.
    let v = get(&app, &format!("requests/{id}.json")).await.json();
    let r = &v[0];
    assert_eq!(r["service_request_id"], id.to_string());
    assert_eq!(r["status"], "open");
    assert_eq!(r["status_notes"], "待受理");
    assert_eq!(r["service_code"], "E0401");
    assert_eq!(r["service_name"], "占道经营");
    assert_eq!(r["agency_responsible"], "城管执法中队");
    assert!(
        r["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    assert!(r["updated_datetime"].as_str().unwrap().ends_with("+08:00"));
    for hidden in ["description", "address", "lat", "long", "service_notice"] {
        assert!(r[hidden].is_null(), "{hidden} hidden: {r}");
    }
    assert!(!v.to_string().contains("13800000000"));

    // With the reporter's key (as api_key, or as a bearer header): everything.
    let full = get(&app, &format!("requests/{id}.json?api_key={key}"))
        .await
        .json();
    let r = &full[0];
    assert_eq!(r["description"], "人行道上有人摆摊卖水果");
    assert_eq!(r["address"], "甲社区 3 栋楼下");
    assert!((r["lat"].as_f64().unwrap() - 30.6).abs() < 1e-6, "{r}");
    assert!((r["long"].as_f64().unwrap() - 114.3).abs() < 1e-6, "{r}");
    assert!(r["service_notice"].as_str().unwrap().contains("紧急"));
    let bearer = app
        .http
        .get(format!("{}/open311/v2/requests/{id}.json", app.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(reply(bearer).await.json(), full);

    // The same in XML.
    let root = get(&app, &format!("requests/{id}.xml")).await.xml();
    assert_eq!(root.name, "service_requests");
    let req = root.child("request").unwrap();
    assert_eq!(
        req.text_of("service_request_id"),
        Some(id.to_string().as_str())
    );
    assert_eq!(req.text_of("status"), Some("open"));
    assert_eq!(req.text_of("service_code"), Some("E0401"));
    assert_eq!(req.names(), REQUEST_ELEMENTS);
    for hidden in ["description", "address", "lat", "long", "service_notice"] {
        assert_eq!(req.text_of(hidden), Some(""), "{hidden} empty in XML");
    }
    let root = get(&app, &format!("requests/{id}.xml?api_key={key}"))
        .await
        .xml();
    let req = root.child("request").unwrap();
    assert_eq!(req.text_of("description"), Some("人行道上有人摆摊卖水果"));
    assert_eq!(req.text_of("lat"), Some("30.6"));
    assert_eq!(req.text_of("long"), Some("114.3"));
    assert_eq!(req.names(), REQUEST_ELEMENTS);

    // The token gives the id back, in both formats.
    let t = get(&app, &format!("tokens/{token}.json")).await.json();
    assert_eq!(t[0]["service_request_id"], id.to_string());
    assert_eq!(t[0]["token"], token);
    let root = get(&app, &format!("tokens/{token}.xml")).await.xml();
    assert_eq!(root.name, "service_requests");
    let req = root.child("request").unwrap();
    assert_eq!(req.names(), ["service_request_id", "token"]);
    assert_eq!(
        req.text_of("service_request_id"),
        Some(id.to_string().as_str())
    );
    error_doc(&get(&app, "tokens/0000.json").await, 404);
    error_doc(&get(&app, "requests/999999.json").await, 404);
    error_doc(&get(&app, "requests/abc.xml").await, 404);

    // The POST response in XML, and a position from a Chinese map app (GCJ-02), stored
    // and answered in WGS-84.
    let r = post(
        &app,
        "requests.xml",
        &[
            ("api_key", &key),
            ("service_code", "E0402"),
            ("lat", "30.6"),
            ("long", "114.3"),
            ("coordinate_system", "gcj02"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let root = r.xml();
    assert_eq!(root.name, "service_requests");
    let created = root.child("request").unwrap();
    assert_eq!(
        created.names(),
        [
            "service_request_id",
            "service_notice",
            "account_id",
            "token"
        ]
    );
    let id2 = created.text_of("service_request_id").unwrap();
    let r = &get(&app, &format!("requests/{id2}.json?api_key={key}"))
        .await
        .json()[0];
    let (lat, long) = (r["lat"].as_f64().unwrap(), r["long"].as_f64().unwrap());
    assert!(
        (lat - 30.6).abs() > 1e-4 && (lat - 30.6).abs() < 0.01,
        "{lat}"
    );
    assert!(
        (long - 114.3).abs() > 1e-4 && (long - 114.3).abs() < 0.01,
        "{long}"
    );
    assert_eq!(
        app.count(&format!("case_file WHERE id = {id2} AND crs = 'gcj02'"))
            .await,
        1
    );
}

async fn requests_by_the_spec_filters(app: TestApp) {
    let key = app.token("resident_a").await;
    let cadre_key = app.token("cadre_a").await;
    let (a, _) = report(&app, &key, "E0401", &[]).await;
    let (b, _) = report(&app, &key, "E0402", &[]).await;
    let (c, _) = report(&app, &key, "E0401", &[]).await;
    let cadre = access_of(&app, "cadre_a").await;
    cases::flow::void(
        &app.db,
        &cadre,
        c,
        cases::flow::Reason {
            reason: "经核实为合法摊点，已告知王某".into(),
        },
    )
    .await
    .unwrap();

    let all = get(&app, "requests.json").await.json();
    assert_eq!(ids(&all), [c, b, a], "newest first");
    let q = async |s: &str| get(&app, &format!("requests.json?{s}")).await;
    assert_eq!(ids(&q("status=open").await.json()), [b, a]);
    assert_eq!(ids(&q("status=closed").await.json()), [c]);
    assert_eq!(ids(&q("status=open,closed").await.json()), [c, b, a]);
    assert_eq!(ids(&q("service_code=E0402").await.json()), [b]);
    assert_eq!(ids(&q("service_code=E0401&status=open").await.json()), [a]);
    assert_eq!(ids(&q("service_code=E0401,E0402").await.json()), [c, b, a]);
    // An id list overrides every other filter.
    assert_eq!(
        ids(&q(&format!(
            "service_request_id={a},{c}&status=open&service_code=E0402"
        ))
        .await
        .json()),
        [c, a]
    );

    // A voided case is closed; why it was not registered is for readers only.
    let public = &q(&format!("service_request_id={c}")).await.json()[0];
    assert_eq!(public["status"], "closed");
    assert_eq!(public["status_notes"], "未立案");
    let full = &q(&format!("service_request_id={c}&api_key={cadre_key}"))
        .await
        .json()[0];
    assert_eq!(full["status_notes"], "未立案：经核实为合法摊点，已告知王某");

    // Dates: the default window is the last 90 days; start/end pick a window of their own.
    let old = now_ms() - 100 * DAY;
    app.exec(&format!(
        "UPDATE case_file SET reported_at = {old}, updated_at = {old}, created_at = {old} WHERE id = {a}"
    ))
    .await;
    assert_eq!(ids(&q("").await.json()), [c, b]);
    let day = |days_ago: i64| cases::georeport::w3c(now_ms() - days_ago * DAY);
    let window = format!(
        "start_date={}&end_date={}",
        urlencode(&day(110)),
        urlencode(&day(95))
    );
    assert_eq!(ids(&q(&window).await.json()), [a]);
    assert_eq!(
        ids(&q(&format!("end_date={}", urlencode(&day(95)))).await.json()),
        [a]
    );
    assert_eq!(
        ids(&q(&format!("start_date={}", urlencode(&day(1))))
            .await
            .json()),
        [c, b]
    );
    let today = &cases::georeport::w3c(now_ms())[..10];
    assert_eq!(
        ids(&q(&format!("start_date={today}&end_date={today}"))
            .await
            .json()),
        [c, b],
        "a date stands for the whole day"
    );
    let utc = format!(
        "start_date={}T00:00:00Z",
        &cases::georeport::w3c(now_ms() - 2 * DAY)[..10]
    );
    assert_eq!(ids(&q(&utc).await.json()), [c, b]);
    // The XML list has one <request> per case.
    let root = get(&app, "requests.xml?status=open").await.xml();
    assert_eq!(root.name, "service_requests");
    assert_eq!(root.all("request").len(), 1);
    assert_eq!(root.children.len(), 1);

    // Bad filters are 400 error documents in either format.
    for (path, words) in [
        ("requests.json?start_date=yesterday", "start_date"),
        ("requests.xml?end_date=2026-13-40", "end_date"),
        ("requests.json?status=pending", "status"),
        ("requests.xml?service_code=ZZZ", "ZZZ"),
        ("requests.json?service_request_id=1,x", "service_request_id"),
        (
            "requests.json?start_date=2026-05-02&end_date=2026-05-01",
            "start_date",
        ),
        (
            "requests.xml?start_date=2026-01-01&end_date=2026-06-01",
            "90",
        ),
    ] {
        let d = error_doc(&get(&app, path).await, 400);
        assert!(d.contains(words), "{path}: {d}");
    }
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

async fn updates_follow_the_loop(app: TestApp) {
    let key = app.token("resident_a").await;
    let cadre_key = app.token("cadre_a").await;
    let (id, _) = report(&app, &key, "E0401", &[]).await;
    let cadre = access_of(&app, "cadre_a").await;
    cases::flow::register(&app.db, &cadre, id).await.unwrap();
    cases::flow::dispatch(
        &app.db,
        &cadre,
        id,
        cases::flow::Dispatch {
            handler_person_id: Some(app.fx.person_a),
            department: None,
            note: Some("请今天内劝离".into()),
        },
    )
    .await
    .unwrap();

    let r = &get(&app, &format!("requests/{id}.json")).await.json()[0];
    assert_eq!(r["status"], "open");
    assert_eq!(r["status_notes"], "处置中（城管执法中队）");
    assert!(r["expected_datetime"].as_str().unwrap().ends_with("+08:00"));

    let sid = id.to_string();
    let mine = |v: &Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|u| u["service_request_id"] == sid.as_str())
            .cloned()
            .collect()
    };
    let public = mine(&get(&app, "servicerequestupdates.json").await.json());
    let words: Vec<&str> = public
        .iter()
        .map(|u| u["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        words,
        ["已收到上报", "已立案", "已派遣，由城管执法中队处置"]
    );
    assert!(public.iter().all(|u| u["status"] == "open"));
    assert!(public.iter().all(|u| u["media_url"] == ""));
    // update_id is the case event's id, oldest first.
    let events: Vec<i64> = cases::store::events(&app.db, app.fx.city_id, id)
        .await
        .unwrap()
        .iter()
        .filter(|e| !e.action.starts_with("credit"))
        .map(|e| e.id)
        .collect();
    let update_ids: Vec<i64> = public
        .iter()
        .map(|u| u["update_id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(update_ids, events);
    // A reader also gets what was written at each step.
    let full = mine(
        &get(
            &app,
            &format!("servicerequestupdates.json?api_key={cadre_key}"),
        )
        .await
        .json(),
    );
    assert_eq!(
        full[2]["description"],
        "已派遣，由城管执法中队处置：请今天内劝离"
    );

    // XML: <service_request_updates><request_update>…
    let root = get(&app, "servicerequestupdates.xml").await.xml();
    assert_eq!(root.name, "service_request_updates");
    let u = root
        .all("request_update")
        .into_iter()
        .find(|u| u.text_of("update_id") == Some(events[2].to_string().as_str()))
        .unwrap();
    assert_eq!(
        u.names(),
        [
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
            "media_url"
        ]
    );
    assert_eq!(u.text_of("status"), Some("open"));

    // Handled and verified: closed, in the request and in its last update.
    let person = access_of(&app, "personnel_a").await;
    cases::flow::handle(
        &app.db,
        &person,
        id,
        cases::flow::Handling {
            note: "已劝离摊贩，现场已清理".into(),
        },
    )
    .await
    .unwrap();
    let r = &get(&app, &format!("requests/{id}.json")).await.json()[0];
    assert_eq!(r["status_notes"], "已处置，待核查");
    cases::flow::verify(
        &app.db,
        &cadre,
        id,
        cases::flow::Verdict {
            result: "pass".into(),
            note: None,
        },
    )
    .await
    .unwrap();
    let r = &get(&app, &format!("requests/{id}.json")).await.json()[0];
    assert_eq!(r["status"], "closed");
    assert_eq!(r["status_notes"], "已结案");
    let last = mine(&get(&app, "servicerequestupdates.json").await.json())
        .pop()
        .unwrap();
    assert_eq!(last["status"], "closed");
    assert_eq!(last["description"], "核查通过，已结案");

    // A window of its own; bad dates are 400 error documents.
    let old = cases::georeport::w3c(now_ms() - 30 * DAY);
    let empty = get(
        &app,
        &format!("servicerequestupdates.json?end_date={}", urlencode(&old)),
    )
    .await
    .json();
    assert!(mine(&empty).is_empty());
    error_doc(
        &get(&app, "servicerequestupdates.json?start_date=soon").await,
        400,
    );
    error_doc(
        &get(&app, "servicerequestupdates.xml?end_date=31/12/2026").await,
        400,
    );
}

async fn bad_posts_write_nothing(app: TestApp) {
    let key = app.token("resident_a").await;
    let before = app.count("case_file").await;
    let good = [("service_code", "E0401"), ("address_string", "甲社区")];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = good.to_vec();
        for (k, v) in extra {
            f.retain(|(x, _)| x != k);
            f.push((k, v));
        }
        f
    };
    let keyed = |extra: &[(&'static str, &'static str)]| {
        let mut f = with(extra);
        f.push(("api_key", key.as_str()));
        f
    };
    // No key, a wrong key: 403.
    for fmt in ["json", "xml"] {
        let d = error_doc(&post(&app, &format!("requests.{fmt}"), &good).await, 403);
        assert!(d.contains("api_key"), "{d}");
        let d = error_doc(
            &post(
                &app,
                &format!("requests.{fmt}"),
                &with(&[("api_key", "not-a-key")]),
            )
            .await,
            403,
        );
        assert!(d.contains("api_key"), "{d}");
    }
    // GET with a wrong key is refused too, not answered as if there were none.
    error_doc(&get(&app, "requests.json?api_key=wrong").await, 403);

    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (keyed(&[("service_code", "ZZ99")]), "ZZ99"),
        (keyed(&[("service_code", "E04")]), "大类"),
        (
            keyed(&[("lat", "51.5"), ("long", "-0.12"), ("address_string", "")]),
            "境内",
        ),
        (keyed(&[("lat", "30.6")]), "lat"),
        (keyed(&[("lat", "north"), ("long", "114.3")]), "lat"),
        (keyed(&[("address_string", "")]), "位置"),
        (
            keyed(&[("attribute[urgency]", "asap")]),
            "attribute[urgency]",
        ),
        (
            keyed(&[
                ("lat", "30.6"),
                ("long", "114.3"),
                ("coordinate_system", "bd09"),
            ]),
            "coordinate_system",
        ),
    ];
    for (form, words) in &cases {
        for fmt in ["json", "xml"] {
            let mut f = form.clone();
            f.retain(|(k, v)| !(*k == "address_string" && v.is_empty()));
            let d = error_doc(&post(&app, &format!("requests.{fmt}"), &f).await, 400);
            assert!(d.contains(words), "{f:?}: {d}");
        }
    }
    let mut missing = keyed(&[]);
    missing.retain(|(k, _)| *k != "service_code");
    let d = error_doc(&post(&app, "requests.json", &missing).await, 400);
    assert!(d.contains("service_code"), "{d}");
    // An unknown jurisdiction is 404.
    error_doc(
        &post(
            &app,
            "requests.xml",
            &keyed(&[("jurisdiction_id", "000000")]),
        )
        .await,
        404,
    );
    // JSON is not the POST format.
    let r = reply(
        app.http
            .post(format!("{}/open311/v2/requests.json", app.base))
            .header("content-type", "application/json")
            .body(format!(r#"{{"api_key":"{key}","service_code":"E0401"}}"#))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let d = error_doc(&r, 400);
    assert!(d.contains("x-www-form-urlencoded"), "{d}");
    assert_eq!(app.count("case_file").await, before, "nothing written");

    // Paths that are no resource answer error documents too.
    error_doc(&get(&app, "nothing.json").await, 404);
    error_doc(&get(&app, "requests/1/more.xml").await, 404);
    error_doc(&get(&app, "services.html").await, 400);
    error_doc(&post(&app, "services.json", &keyed(&[])).await, 400);
    let put = app
        .http
        .put(format!("{}/open311/v2/requests/1.xml", app.base))
        .send()
        .await
        .unwrap();
    error_doc(&reply(put).await, 405);
}

async fn keys_read_only_their_scope(app: TestApp) {
    let key = app.token("resident_a").await;
    let (id, _) = report(&app, &key, "E0401", &[("lat", "30.6"), ("long", "114.3")]).await;
    let full = |v: &Value| !v[0]["description"].is_null() && !v[0]["lat"].is_null();
    for (login, sees) in [
        ("admin_b", false),
        ("admin_a", true),
        ("cadre_a", true),
        ("resident_a", true),
    ] {
        let k = app.token(login).await;
        let one = get(&app, &format!("requests/{id}.json?api_key={k}"))
            .await
            .json();
        assert_eq!(full(&one), sees, "{login}: {one}");
        let listed = get(
            &app,
            &format!("requests.json?service_request_id={id}&api_key={k}"),
        )
        .await
        .json();
        assert_eq!(full(&listed), sees, "{login} in the list");
        assert_eq!(listed[0]["status"], "open");
        let xml = get(&app, &format!("requests/{id}.xml?api_key={k}"))
            .await
            .xml();
        let described = xml.child("request").unwrap().text_of("description");
        assert_eq!(described != Some(""), sees, "{login}: {described:?}");
    }
    // District B's admin posting files in district B (its home community), not in A.
    let b = app.token("admin_b").await;
    let (bid, _) = report(&app, &b, "E0402", &[]).await;
    assert_eq!(
        app.count(&format!(
            "case_file WHERE id = {bid} AND community_id = {}",
            app.fx.community_b
        ))
        .await,
        1
    );
    let a = app.token("admin_a").await;
    let v = get(&app, &format!("requests/{bid}.json?api_key={a}"))
        .await
        .json();
    assert!(!full(&v), "A's admin does not read B's case: {v}");
}

testkit::backend_tests!(
    services_in_json_and_xml,
    service_definition_has_the_urgency,
    post_and_read_back,
    requests_by_the_spec_filters,
    updates_follow_the_loop,
    bad_posts_write_nothing,
    keys_read_only_their_scope,
);
