//! The demo city (`civicgrid demo`) comes with work to show: orders in several states and
//! activities with sign-ups, made through the services by its demo accounts.

use server::demo::{Scale, generate};
use testkit::TestApp;

async fn demo_city_has_work_in_progress(app: TestApp) {
    let small = Scale {
        districts: 1,
        streets: 1,
        communities: 2,
        grids: 2,
        employers: 3,
        personnel: 40,
    };
    let logins = generate(&app.db, small, testkit::PASSWORD).await.unwrap();
    assert!(logins.iter().any(|l| l.login == "resident"));

    let resident = app.api("resident").await;
    let mine = resident.get("/orders?view=mine").await;
    assert_eq!(mine.status, 200, "{:?}", mine.body);
    let states: Vec<&str> = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.len(), 3, "{states:?}");
    assert!(
        states.contains(&"accepted") && states.contains(&"placed"),
        "{states:?}"
    );

    let personnel = app.api("personnel").await;
    let assigned = personnel.get("/orders?view=assigned").await.body;
    assert_eq!(assigned["items"][0]["state"], "accepted");
    let acts = personnel.get("/me/activities").await;
    assert_eq!(acts.status, 200, "{:?}", acts.body);
    assert_eq!(acts.body["items"].as_array().unwrap().len(), 1);

    let cadre = app.api("cadre").await;
    let board = cadre.get("/orders/board").await.body;
    assert_eq!(board["placed"], 2);
    assert_eq!(board["accepted"], 1);
    let list = cadre.get("/activities").await;
    assert!(
        list.body["items"].as_array().unwrap().len() >= 2,
        "{:?}",
        list.body
    );

    // Registries and patrols of the first grids.
    let reg = cadre.get("/registries?limit=200").await;
    assert_eq!(
        reg.body["items"].as_array().unwrap().len(),
        14,
        "{:?}",
        reg.body
    );
    let hardship = cadre.get("/registries?kind=stall&hardship=true").await;
    assert_eq!(hardship.body["items"].as_array().unwrap().len(), 3);
    let mine = personnel.get("/patrols?view=mine").await;
    assert_eq!(
        mine.body["items"][0]["state"], "confirmed",
        "{:?}",
        mine.body
    );
    let waiting = cadre.get("/patrols?view=scope&state=recorded").await;
    assert_eq!(waiting.body["items"].as_array().unwrap().len(), 1);
    let slots = personnel.get("/patrols/roster/mine").await;
    assert_eq!(slots.body.as_array().unwrap().len(), 1);

    // This month's work is assessed under the seeds' schemes: the grid leader's result
    // carries the deductions of the province's and the city's inspections and the media.
    let month = assessment::period::Period::month_of(kernel::time::today()).to_string();
    let grid = app.api("grid").await;
    let own = grid
        .get(&format!("/assessment/results?period={month}"))
        .await;
    assert_eq!(own.status, 200, "{:?}", own.body);
    let gc = own
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scheme_name"] == "管城区网格化管理督查考核")
        .unwrap_or_else(|| panic!("{:?}", own.body));
    assert_eq!(gc["deductions_e2"], 1500 + 1000 + 2000, "{gc:?}");
    assert_eq!(gc["disqualified"], true);
    let mine = personnel
        .get(&format!("/assessment/results?period={month}"))
        .await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1, "{:?}", mine.body);
}

testkit::backend_tests!(demo_city_has_work_in_progress);
