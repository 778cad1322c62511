//! Registries (登记造册): each kind with its attributes checked, edits, deactivation; the
//! scope (out of scope reads 404, writes 403) and the masked phone; a hardship vendor's
//! page says they are to be relocated, not only fined, and every entry shows its case
//! history; xlsx import all-or-nothing with row errors, and the export; the pages.

use serde_json::{Value, json};
use testkit::TestApp;

const CODE_A: &str = "91420102MA4K000A00";
const CODE_B: &str = "91420102MA4K000B14";
const CODE_C: &str = "91420102MA4K000C28";

fn fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn stall(grid: i64) -> Value {
    json!({"kind": "stall", "name": "老刘水果摊", "grid_id": grid, "address": "幸福路口",
           "contact_name": "刘大爷", "contact_phone": "138-0000-1111", "hardship": true,
           "attrs": {"goods": "水果", "form": "流动摊贩", "relocation": "幸福路便民疏导点"}})
}

async fn crud_per_kind_with_attribute_validation(app: TestApp) {
    let g = app.fx.grid_a;
    let cadre = app.api("cadre_a").await;
    let leader = app.api("grid_a").await;
    let ent = json!({"kind": "enterprise", "name": "江城印务有限公司", "grid_id": g,
                     "code": CODE_A, "attrs": {"industry": "印刷", "pollution": "废气", "env_key": true}});
    let r = cadre.post("/registries", ent.clone()).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["kind_label"], "企业");
    assert_eq!(r.body["attrs"]["env_key"], true);

    let before = app.count("registry_entry").await;
    for (body, want) in [
        (
            json!({"kind": "enterprise", "name": "无代码企业", "grid_id": g,
                "attrs": {"industry": "餐饮"}}),
            vec!["code"],
        ),
        (
            json!({"kind": "enterprise", "name": "错代码", "grid_id": g, "code": "91420102MA4K000A01",
                "attrs": {"industry": "餐饮"}}),
            vec!["code"],
        ),
        (
            json!({"kind": "enterprise", "name": "重复", "grid_id": g, "code": CODE_A,
                "attrs": {"industry": "餐饮"}}),
            vec!["code"],
        ),
        (
            json!({"kind": "enterprise", "name": "缺行业", "grid_id": g, "code": CODE_B,
                "attrs": {"pollution": "臭气"}}),
            vec!["attrs.industry", "attrs.pollution"],
        ),
        (
            json!({"kind": "stall", "name": "摊", "grid_id": g,
                "attrs": {"goods": "水果", "form": "固定摊点", "colour": "红"}}),
            vec!["attrs.colour"],
        ),
        (
            json!({"kind": "road", "name": "幸福路", "grid_id": g,
                "attrs": {"from": "解放大道", "to": "中山大道", "length_m": "很长"}}),
            vec!["attrs.length_m"],
        ),
        (
            json!({"kind": "building", "name": "3 栋", "grid_id": g, "hardship": true,
                "attrs": {"floors": 0}}),
            vec!["hardship", "attrs.floors"],
        ),
        (
            json!({"kind": "building", "name": "", "grid_id": 999_999, "contact_phone": "12345",
                "attrs": {"floors": 6}}),
            vec!["grid_id", "name", "contact_phone"],
        ),
        (
            json!({"kind": "shop", "name": "x", "grid_id": g}),
            vec!["kind"],
        ),
    ] {
        let r = cadre.post("/registries", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        let mut got = fields(&r.body);
        got.sort();
        let mut want: Vec<String> = want.into_iter().map(String::from).collect();
        want.sort();
        assert_eq!(got, want, "{body}");
    }
    assert_eq!(app.count("registry_entry").await, before);

    let s = cadre.post("/registries", stall(g)).await;
    assert_eq!(s.status, 201, "{:?}", s.body);
    assert_eq!(s.body["contact_phone"], "13800001111");
    let sid = s.body["id"].as_i64().unwrap();
    let road = cadre
        .post(
            "/registries",
            json!({"kind": "road", "name": "幸福路", "grid_id": g,
               "attrs": {"from": "解放大道", "to": "中山大道", "length_m": "860"}}),
        )
        .await;
    assert_eq!(road.status, 201);
    assert_eq!(road.body["attrs"]["length_m"], 860);
    let b = leader
        .post(
            "/registries",
            json!({"kind": "building", "name": "幸福小区 3 栋", "grid_id": g,
               "attrs": {"floors": "18", "households": 120, "property": "安居物业"}}),
        )
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);

    // Edits: the grid leader changes the stall; the kind stays.
    let mut changed = stall(g);
    changed["attrs"]["goods"] = json!("水果、蔬菜");
    let r = leader
        .put(&format!("/registries/{sid}"), changed.clone())
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["attrs"]["goods"], "水果、蔬菜");
    changed["kind"] = json!("road");
    let r = leader.put(&format!("/registries/{sid}"), changed).await;
    assert_eq!(r.status, 422);
    assert_eq!(fields(&r.body), ["kind"]);

    // Lists: by kind, by text; deactivated entries apart.
    let list = cadre.get("/registries?kind=stall").await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let found = cadre.get(&format!("/registries?q={}", "印务")).await;
    assert_eq!(found.body["items"][0]["name"], "江城印务有限公司");
    let grid_list = cadre.get(&format!("/registries?unit_id={g}")).await;
    assert_eq!(grid_list.body["items"].as_array().unwrap().len(), 4);
    let off = cadre
        .post(&format!("/registries/{sid}/deactivate"), json!({}))
        .await;
    assert_eq!(off.status, 200);
    assert_eq!(off.body["active"], false);
    assert_eq!(
        cadre
            .post(&format!("/registries/{sid}/deactivate"), json!({}))
            .await
            .status,
        409
    );
    assert_eq!(
        cadre.get("/registries?kind=stall").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let inactive = cadre.get("/registries?kind=stall&inactive=true").await;
    assert_eq!(inactive.body["items"][0]["id"], sid);
    let on = cadre
        .post(&format!("/registries/{sid}/reactivate"), json!({}))
        .await;
    assert_eq!(on.body["active"], true);
    let kinds = cadre.get("/registries/kinds").await;
    assert_eq!(kinds.body.as_array().unwrap().len(), 4);
    assert_eq!(
        app.count("audit_log WHERE object_kind = 'registry_entry'")
            .await,
        7
    );
}

async fn scope_and_masking(app: TestApp) {
    let g = app.fx.grid_a;
    let cadre = app.api("cadre_a").await;
    let id = cadre.post("/registries", stall(g)).await.body["id"]
        .as_i64()
        .unwrap();
    let outsider = app.api("admin_b").await;
    assert_eq!(outsider.get(&format!("/registries/{id}")).await.status, 404);
    assert_eq!(
        outsider
            .put(&format!("/registries/{id}"), stall(g))
            .await
            .status,
        403
    );
    assert_eq!(
        outsider
            .post(&format!("/registries/{id}/deactivate"), json!({}))
            .await
            .status,
        403
    );
    assert_eq!(outsider.post("/registries", stall(g)).await.status, 403);
    assert_eq!(
        outsider.get("/registries").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let mask = app
        .api("inspector_a")
        .await
        .get(&format!("/registries/{id}"))
        .await;
    assert_eq!(mask.status, 200);
    assert_eq!(mask.body["contact_phone"], "138****1111");
    assert_eq!(mask.body["contact_masked"], true);
    assert_eq!(mask.body["can_edit"], false);
    assert_eq!(
        app.api("inspector_a")
            .await
            .put(&format!("/registries/{id}"), stall(g))
            .await
            .status,
        403
    );
    let full = app
        .api("grid_a")
        .await
        .get(&format!("/registries/{id}"))
        .await;
    assert_eq!(full.body["contact_phone"], "13800001111");
    assert_eq!(
        app.api("personnel_a")
            .await
            .get(&format!("/registries/{id}"))
            .await
            .status,
        404
    );
    let page = app
        .browser("inspector_a")
        .await
        .get(&format!("/registries/{id}"))
        .await;
    assert!(page.html.contains("138****1111") && !page.html.contains("13800001111"));
    assert_eq!(
        app.browser("admin_b")
            .await
            .get(&format!("/registries/{id}"))
            .await
            .status,
        404
    );
}

async fn hardship_note_and_case_history_on_page(app: TestApp) {
    let g = app.fx.grid_a;
    let cadre = app.api("cadre_a").await;
    let id = cadre.post("/registries", stall(g)).await.body["id"]
        .as_i64()
        .unwrap();
    let mut plain = stall(g);
    plain["name"] = json!("张记早点");
    plain["hardship"] = json!(false);
    let plain_id = cadre.post("/registries", plain).await.body["id"]
        .as_i64()
        .unwrap();
    let token = app.token("grid_a").await;
    let access = org::auth::authenticate(&app.db, &token)
        .await
        .unwrap()
        .unwrap();
    let category = cases::category::list(&app.db, app.fx.city_id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.parent_id.is_some() && c.active)
        .unwrap()
        .id;
    let (case, _) = cases::report::report(
        &app.db,
        &access,
        cases::NewCase {
            category_id: Some(category),
            description: "水果摊占用人行道经营".into(),
            grid_id: Some(g),
            registry_id: Some(id),
            ..Default::default()
        },
        "web",
    )
    .await
    .unwrap();
    let v = cadre.get(&format!("/registries/{id}")).await;
    assert_eq!(v.body["cases"][0]["id"], case.id, "{:?}", v.body);
    assert!(
        v.body["hardship_note"]
            .as_str()
            .unwrap()
            .contains("幸福路便民疏导点")
    );
    let b = app.browser("cadre_a").await;
    let page = b.get(&format!("/registries/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("疏导安置") && page.html.contains("不能简单一罚了之"));
    assert!(page.html.contains("水果摊占用人行道经营"), "{}", page.html);
    let other = b.get(&format!("/registries/{plain_id}")).await;
    assert!(!other.html.contains("疏导安置"));
    assert!(other.html.contains("这里还没有案件"));
}

const STALL_HEADER: [&str; 13] = [
    "网格编码",
    "名称",
    "摊位编号",
    "地址",
    "经度",
    "纬度",
    "联系人",
    "联系电话",
    "困难摊贩",
    "经营品种",
    "摊点类型",
    "安置点",
    "备注",
];

fn stall_row<'a>(grid: &'a str, name: &'a str, goods: &'a str, form: &'a str) -> Vec<&'a str> {
    vec![
        grid,
        name,
        "",
        "幸福路",
        "",
        "",
        "王阿姨",
        "13800002222",
        "是",
        goods,
        form,
        "疏导点",
        "",
    ]
}

async fn xlsx_import_all_or_nothing_and_export(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let (status, bytes) = cadre.get_bytes("/registries/templates/stall").await;
    assert_eq!(status, 200);
    assert_eq!(&bytes[..2], b"PK");
    let grid = "990101001-01";
    let bad = testkit::xlsx(
        &STALL_HEADER,
        &[
            stall_row(grid, "王阿姨凉粉", "凉粉", "流动摊贩"),
            stall_row("990201001-01", "乙区的摊", "水果", "固定摊点"),
            stall_row(grid, "", "", "卖菜"),
        ],
    );
    let r = cadre
        .upload("/registries/import/stall", "s.xlsx", bad)
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["imported"], 0);
    let errors = r.body["errors"].as_array().unwrap();
    let at = |row: i64, col: &str| errors.iter().any(|e| e["row"] == row && e["column"] == col);
    assert!(at(3, "网格编码"), "{errors:?}");
    assert!(
        at(4, "名称") && at(4, "经营品种") && at(4, "摊点类型"),
        "{errors:?}"
    );
    assert!(!errors.iter().any(|e| e["row"] == 2));
    assert_eq!(app.count("registry_entry").await, 0);

    let good = testkit::xlsx(
        &STALL_HEADER,
        &[
            stall_row(grid, "王阿姨凉粉", "凉粉", "流动摊贩"),
            stall_row(grid, "李记烧烤", "烧烤", "固定摊点"),
        ],
    );
    let r = cadre
        .upload("/registries/import/stall", "s.xlsx", good)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["imported"], 2);
    assert_eq!(app.count("registry_entry WHERE hardship = 1").await, 2);

    // Enterprises: a code twice in one file is reported on the second row.
    let header = [
        "网格编码",
        "名称",
        "统一社会信用代码",
        "行业",
        "排污类型",
        "环保重点",
    ];
    let dup = testkit::xlsx(
        &header,
        &[
            vec![grid, "甲公司", CODE_B, "餐饮", "无", "否"],
            vec![grid, "乙公司", CODE_B, "印刷", "废气", "是"],
            vec![grid, "丙公司", CODE_C, "汽修", "噪音", "也许"],
        ],
    );
    let r = cadre
        .upload("/registries/import/enterprise", "e.xlsx", dup)
        .await;
    assert_eq!(r.status, 422);
    let errors = r.body["errors"].as_array().unwrap();
    let cols: Vec<(i64, &str)> = errors
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        cols,
        [(3, "统一社会信用代码"), (4, "排污类型"), (4, "环保重点")],
        "{errors:?}"
    );
    // A header missing, a kind that is not one, a caller who keeps nothing.
    let no_header = testkit::xlsx(&["名称"], &[vec!["x"]]);
    let r = cadre
        .upload("/registries/import/stall", "s.xlsx", no_header)
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        cadre
            .upload("/registries/import/shop", "s.xlsx", vec![1])
            .await
            .status,
        404
    );
    let resident = app.api("resident_a").await;
    let r = resident
        .upload(
            "/registries/import/stall",
            "s.xlsx",
            testkit::xlsx(&STALL_HEADER, &[]),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .api("admin_b")
        .await
        .upload(
            "/registries/import/stall",
            "s.xlsx",
            testkit::xlsx(
                &STALL_HEADER,
                &[stall_row(grid, "越界", "水果", "固定摊点")],
            ),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["column"], "网格编码");

    // Export: the grid's stalls with the template's columns; it imports again.
    let (status, bytes) = cadre
        .get_bytes(&format!(
            "/registries/export/stall?unit_id={}",
            app.fx.grid_a
        ))
        .await;
    assert_eq!(status, 200);
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let first = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&first).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][0], "网格编码");
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .any(|r| r[1] == "李记烧烤" && r[0] == grid && r[8] == "是")
    );
    let outside = app
        .api("admin_b")
        .await
        .get_bytes(&format!(
            "/registries/export/stall?unit_id={}",
            app.fx.grid_a
        ))
        .await;
    assert_eq!(outside.0, 404);

    // The page: a refused file shows the report, nothing imported.
    let b = app.browser("cadre_a").await;
    let page = b.get("/registries/import").await;
    assert_eq!(page.status, 200);
    let bad = testkit::xlsx(&STALL_HEADER, &[stall_row(grid, "", "水果", "固定摊点")]);
    let r = b
        .upload(
            "/registries/import",
            "/registries/import/stall",
            "s.xlsx",
            bad,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.html);
    assert!(r.html.contains("未导入") && r.html.contains("第 2 行"));
    let good = testkit::xlsx(
        &STALL_HEADER,
        &[stall_row(grid, "赵家糖水", "糖水", "固定摊点")],
    );
    let r = b
        .upload(
            "/registries/import",
            "/registries/import/stall",
            "s.xlsx",
            good,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.html.contains("已全部导入"));
    assert_eq!(app.count("registry_entry").await, 3);
}

async fn registry_pages_render_forms_with_errors(app: TestApp) {
    let b = app.browser("cadre_a").await;
    let empty = b.get("/registries").await;
    assert_eq!(empty.status, 200);
    assert!(empty.html.contains("还没有登记造册"));
    let form = b.get("/registries/new?kind=enterprise").await;
    assert_eq!(form.status, 200);
    assert!(form.html.contains("统一社会信用代码") && form.html.contains("环保重点"));
    let grid = app.fx.grid_a.to_string();
    let bad = b
        .submit(
            "/registries/new?kind=enterprise",
            "/registries/new",
            &[
                ("kind", "enterprise"),
                ("name", "江城印务"),
                ("grid_id", &grid),
                ("code", ""),
                ("attrs.industry", ""),
                ("attrs.pollution", "废气"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请填写统一社会信用代码") && bad.html.contains("请填写行业"));
    assert!(bad.html.contains("value=\"江城印务\""), "typed name kept");
    let ok = b
        .submit(
            "/registries/new?kind=stall",
            "/registries/new",
            &[
                ("kind", "stall"),
                ("name", "老刘水果摊"),
                ("grid_id", &grid),
                ("attrs.goods", "水果"),
                ("attrs.form", "流动摊贩"),
                ("hardship", "1"),
                ("attrs.relocation", ""),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    let path = ok.location.unwrap();
    let path = path.split('?').next().unwrap().to_owned();
    let page = b.get(&path).await;
    assert!(page.html.contains("疏导安置") && page.html.contains("困难摊贩"));
    let edit = b.get(&format!("{path}/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(edit.html.contains("老刘水果摊"));
    let bad = b
        .submit(
            &format!("{path}/edit"),
            &format!("{path}/edit"),
            &[
                ("name", "老刘水果摊"),
                ("grid_id", &grid),
                ("attrs.goods", "水果"),
                ("attrs.form", "流动摊贩"),
                ("contact_phone", "123"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("联系电话应为 11 位手机号"));
    let list = b.get("/registries?kind=stall").await;
    assert!(list.html.contains("老刘水果摊") && list.html.contains("困难摊贩"));
    let off = b.submit(&path, &format!("{path}/deactivate"), &[]).await;
    assert_eq!(off.status, 303);
    assert!(b.get(&path).await.html.contains("已停用"));
    let outsider = app.browser("admin_b").await;
    let r = outsider
        .submit("/registries", &format!("{path}/edit"), &[("name", "x")])
        .await;
    assert_eq!(r.status, 403);
}

testkit::backend_tests!(
    crud_per_kind_with_attribute_validation,
    scope_and_masking,
    hardship_note_and_case_history_on_page,
    xlsx_import_all_or_nothing_and_export,
    registry_pages_render_forms_with_errors,
);
