//! The organisation tree through the API.

use serde_json::json;
use testkit::TestApp;

async fn tree_create_rename_move_delete(app: TestApp) {
    let api = app.api("admin_a").await;
    let fx = &app.fx;
    // A community and two nested grids under street A.
    let c = api
        .post("/units", json!({"parent_id": fx.street_a, "kind": "community", "name": "新建社区", "code": "990101009"}))
        .await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let cid = c.body["id"].as_i64().unwrap();
    let g = api
        .post("/units", json!({"parent_id": cid, "kind": "grid", "name": "主体网格", "code": "990101009-01",
            "boundary": r#"{"type":"Polygon","coordinates":[[[114.0,30.0],[114.01,30.0],[114.01,30.01],[114.0,30.01],[114.0,30.0]]]}"#}))
        .await;
    assert_eq!(g.status, 201, "{:?}", g.body);
    let gid = g.body["id"].as_i64().unwrap();
    // The centre was computed from the boundary.
    assert!((g.body["center_lon"].as_f64().unwrap() - 114.005).abs() < 1e-6);
    let sub = api
        .post(
            "/units",
            json!({"parent_id": gid, "kind": "grid", "name": "单元网格", "code": "990101009-01-1"}),
        )
        .await;
    assert_eq!(sub.status, 201, "grids nest: {:?}", sub.body);
    let sid = sub.body["id"].as_i64().unwrap();
    // A community cannot go under a grid; a street cannot go under a community.
    let bad = api
        .post(
            "/units",
            json!({"parent_id": gid, "kind": "community", "name": "错", "code": "X1"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["errors"][0]["field"], "kind");
    // Duplicate code.
    let dup = api
        .post(
            "/units",
            json!({"parent_id": cid, "kind": "grid", "name": "重复", "code": "990101009-01"}),
        )
        .await;
    assert_eq!(dup.status, 422);
    assert_eq!(dup.body["errors"][0]["field"], "code");
    // Rename.
    let r = api
        .patch(&format!("/units/{gid}"), json!({"name": "第一网格"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], "第一网格");
    assert!(r.body["boundary"].is_string(), "rename keeps the boundary");
    // Tree view: community, grid, sub-grid in order.
    let t = api.get(&format!("/units/{cid}/tree?levels=3")).await;
    let names: Vec<&str> = t
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["新建社区", "第一网格", "单元网格"]);
    // Move the grid (with its sub-grid) to community A: paths follow.
    let m = api
        .post(
            &format!("/units/{gid}/move"),
            json!({"parent_id": fx.community_a}),
        )
        .await;
    assert_eq!(m.status, 200, "{:?}", m.body);
    let moved_sub = api.get(&format!("/units/{sid}")).await;
    let ca = api.get(&format!("/units/{}", fx.community_a)).await;
    assert!(
        moved_sub.body["path"]
            .as_str()
            .unwrap()
            .starts_with(ca.body["path"].as_str().unwrap()),
        "sub-grid moved along"
    );
    assert_eq!(
        moved_sub.body["depth"],
        ca.body["depth"].as_i64().unwrap() + 2
    );
    // Cannot move into its own subtree.
    let cyc = api
        .post(&format!("/units/{gid}/move"), json!({"parent_id": sid}))
        .await;
    assert_eq!(cyc.status, 422);
    // A node with children cannot be deleted; the message says why.
    let del = api.delete(&format!("/units/{gid}")).await;
    assert_eq!(del.status, 409);
    assert!(
        del.body["detail"]
            .as_str()
            .unwrap()
            .contains("1 个下级节点"),
        "{:?}",
        del.body
    );
    // A community with people cannot be deleted either.
    let del = api.delete(&format!("/units/{}", fx.community_a)).await;
    assert_eq!(del.status, 409);
    // Fourteen distinct people live in or are registered with community A (person A does both:
    // counted once).
    assert!(
        del.body["detail"].as_str().unwrap().contains("14 名人员"),
        "{:?}",
        del.body
    );
    // Empty nodes can.
    assert_eq!(api.delete(&format!("/units/{sid}")).await.status, 204);
    assert_eq!(api.delete(&format!("/units/{gid}")).await.status, 204);
    assert_eq!(api.delete(&format!("/units/{cid}")).await.status, 204);
    assert_eq!(api.get(&format!("/units/{cid}")).await.status, 404);
}

async fn joint_community_groups_villages(app: TestApp) {
    let api = app.api("platform").await;
    let town = api
        .post("/units", json!({"parent_id": app.fx.district_a, "kind": "town", "name": "某镇", "code": "990150"}))
        .await;
    let town = town.body["id"].as_i64().unwrap();
    let joint = api
        .post("/units", json!({"parent_id": town, "kind": "joint_community", "name": "联村社区", "code": "990150100"}))
        .await;
    assert_eq!(joint.status, 201);
    let joint = joint.body["id"].as_i64().unwrap();
    for (i, name) in ["东村", "西村", "南村"].iter().enumerate() {
        let v = api
            .post("/units", json!({"parent_id": joint, "kind": "village", "name": name, "code": format!("99015011{i}")}))
            .await;
        assert_eq!(v.status, 201, "{:?}", v.body);
        let g = api
            .post("/units", json!({"parent_id": v.body["id"], "kind": "grid", "name": "一组", "code": format!("99015011{i}-1")}))
            .await;
        assert_eq!(g.status, 201);
    }
    let kids = api.get(&format!("/units/{joint}/children")).await;
    assert_eq!(kids.body.as_array().unwrap().len(), 3);
    assert!(
        kids.body
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["kind"] == "village")
    );
}

async fn invalid_geometry_is_refused(app: TestApp) {
    let api = app.api("cadre_a").await;
    for (boundary, why) in [
        ("{not json", "JSON"),
        (r#"{"type":"Point","coordinates":[114,30]}"#, "Polygon"),
        (
            r#"{"type":"Polygon","coordinates":[[[114,30],[114.1,30],[114.1,30.1],[114,30.1]]]}"#,
            "闭合",
        ),
        (
            r#"{"type":"Polygon","coordinates":[[[514,30],[114.1,30],[114.1,30.1],[514,30]]]}"#,
            "坐标",
        ),
    ] {
        let r = api
            .post("/units", json!({"parent_id": app.fx.community_a, "kind": "grid", "name": "网格", "code": "G-1", "boundary": boundary}))
            .await;
        assert_eq!(r.status, 422, "{boundary}");
        assert_eq!(r.body["errors"][0]["field"], "boundary");
        assert!(
            r.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(why),
            "{:?}",
            r.body
        );
    }
    let r = api
        .post("/units", json!({"parent_id": app.fx.community_a, "kind": "grid", "name": "网格", "code": "G-2", "center_lon": 200.0, "center_lat": 30.0}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        app.count("org_unit WHERE code LIKE 'G-%'").await,
        0,
        "nothing half-written"
    );
}

testkit::backend_tests!(
    tree_create_rename_move_delete,
    joint_community_groups_villages,
    invalid_geometry_is_refused
);
