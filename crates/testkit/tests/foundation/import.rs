//! Spreadsheet import and export through the API and the pages.

use testkit::TestApp;

const HEADER: [&str; 14] = [
    "姓名",
    "手机号",
    "身份证号",
    "人员类型",
    "派出单位",
    "党员",
    "专长",
    "身体限制",
    "可服务时间",
    "居住社区编码",
    "单位报到日期",
    "报到社区编码",
    "报到依据",
    "社区报到日期",
];

fn row<'a>(name: &'a str, phone: &'a str, id: &'a str) -> Vec<&'a str> {
    vec![
        name,
        phone,
        id,
        "下沉人员",
        "甲区民政局",
        "是",
        "医疗、电工",
        "",
        "周六 09:00-17:00；周日 09:00-12:00",
        "990101001",
        "2026-05-01",
        "990101001",
        "居住地",
        "2026-05-06",
    ]
}

async fn template_then_import_all_or_nothing(app: TestApp) {
    let api = app.api("cadre_a").await;
    let (status, bytes) = api.get_bytes("/templates/people").await;
    assert_eq!(status, 200);
    assert_eq!(&bytes[..2], b"PK", "an xlsx (zip) file");
    let before = app.count("person").await;
    // One bad row among good ones: nothing is imported, every bad row is reported.
    let bad = testkit::xlsx(
        &HEADER,
        &[
            row("赵一", "13700001111", ""),
            row("钱二", "1234", ""),
            row("孙三", "13700001111", ""),
            row("", "13700003333", "110105194912310021"),
        ],
    );
    let r = api.upload("/import/people", "people.xlsx", bad).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let errors = r.body["errors"].as_array().unwrap();
    let rows: Vec<i64> = errors.iter().map(|e| e["row"].as_i64().unwrap()).collect();
    assert!(rows.contains(&3), "malformed phone on row 3: {errors:?}");
    assert!(rows.contains(&4), "duplicate phone on row 4: {errors:?}");
    assert!(
        rows.contains(&5),
        "missing name and bad ID on row 5: {errors:?}"
    );
    assert!(!rows.contains(&2), "row 2 is fine");
    assert!(errors.iter().any(|e| e["column"] == "身份证号"));
    assert_eq!(r.body["imported"], 0);
    assert_eq!(
        app.count("person").await,
        before,
        "either every row or none"
    );
    // All good: all imported, with their 双报到 registrations.
    let good = testkit::xlsx(
        &HEADER,
        &[
            row("赵一", "13700001111", ""),
            row(
                "钱二",
                "13700002222",
                "11010519491231002X".replace("002X", "0000").as_str(),
            ),
        ],
    );
    let r = api.upload("/import/people", "people.xlsx", good).await;
    // The second ID number has a wrong check digit; fix it and the file imports.
    assert_eq!(r.status, 422);
    let good = testkit::xlsx(
        &HEADER,
        &[
            row("赵一", "13700001111", ""),
            row("钱二", "13700002222", ""),
        ],
    );
    let r = api.upload("/import/people", "people.xlsx", good).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["imported"], 2);
    assert_eq!(app.count("person").await, before + 2);
    assert_eq!(
        app.count("registration r JOIN person p ON p.id = r.person_id WHERE p.name = '赵一'")
            .await,
        2
    );
    // Export: a list with masked phones for an inspector.
    let (status, bytes) = app
        .api("inspector_a")
        .await
        .get_bytes("/export/people")
        .await;
    assert_eq!(status, 200);
    let text = xlsx_text(&bytes);
    assert!(text.contains("赵一"));
    assert!(text.contains("137****1111"));
    assert!(!text.contains("13700001111"));
}

async fn unit_tree_import_and_bad_files(app: TestApp) {
    let api = app.api("admin_a").await;
    let file = testkit::xlsx(
        &["上级编码", "类型", "名称", "编码"],
        &[
            vec!["990101", "社区", "导入社区", "990101050"],
            vec!["990101050", "网格", "导入网格一", "990101050-01"],
            vec!["990101050", "网格", "导入网格二", "990101050-02"],
        ],
    );
    let r = api.upload("/import/units", "units.xlsx", file).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["imported"], 3);
    assert_eq!(app.count("org_unit WHERE code LIKE '990101050%'").await, 3);
    // Not an xlsx.
    let r = api
        .upload("/import/units", "units.xlsx", b"name,code\nx,y\n".to_vec())
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "file");
    // No file field.
    let r = api
        .post_raw("/import/units", "application/json", b"{}".to_vec())
        .await;
    assert_eq!(r.status, 400);
    // Export of the tree round-trips the codes.
    let (status, bytes) = api.get_bytes("/export/units").await;
    assert_eq!(status, 200);
    assert!(xlsx_text(&bytes).contains("990101050-02"));
}

async fn import_page_reports_rows(app: TestApp) {
    let b = app.browser("cadre_a").await;
    let bad = testkit::xlsx(&HEADER, &[row("周四", "1380000", "")]);
    let page = b.upload("/import", "/import/people", "p.xlsx", bad).await;
    assert_eq!(page.status, 422);
    assert!(page.html.contains("第 2 行"), "{}", page.html);
    assert!(page.html.contains("一行也没有导入"));
    let good = testkit::xlsx(&HEADER, &[row("周四", "13800004444", "")]);
    let page = b.upload("/import", "/import/people", "p.xlsx", good).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("已全部导入"));
}

async fn command_line_import_uses_the_same_checks(app: TestApp) {
    let bad = testkit::xlsx(&HEADER, &[row("吴五", "1370000", "")]);
    let r = server::import_file(&app.db, "people", &bad, None)
        .await
        .unwrap();
    assert!(!r.ok());
    assert_eq!(r.errors[0].row, 2);
    let good = testkit::xlsx(&HEADER, &[row("吴五", "13700005555", "")]);
    let r = server::import_file(&app.db, "people", &good, Some("990000"))
        .await
        .unwrap();
    assert_eq!(r.imported, 1);
    assert!(
        server::import_file(&app.db, "people", &good, Some("123456"))
            .await
            .is_err()
    );
    assert!(
        server::import_file(&app.db, "cats", &good, None)
            .await
            .is_err()
    );
    // Written by the platform, and audited as such.
    assert_eq!(
        app.count("audit_log WHERE actor_name LIKE '%命令行导入%'")
            .await,
        1
    );
}

fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

testkit::backend_tests!(
    template_then_import_all_or_nothing,
    unit_tree_import_and_bad_files,
    import_page_reports_rows,
    command_line_import_uses_the_same_checks
);
