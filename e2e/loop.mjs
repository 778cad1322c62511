// The closed loop of a case in the browser, at 390 and 1280 px against the demo city, each
// user logged in through /login in a context of their own:
//
// 1. `grid` (网格长, a phone with the position granted) reports a 流动摊点 in three taps —
//    tile, 获取位置, 提交上报 — adding a description and an (optional) photo;
// 2. `cadre` registers it (立案) and dispatches it to `property` (派遣);
// 3. `property` reports what was done (提交处置结果);
// 4. `grid` verifies on site and it fails (不通过，返工) with the reason;
// 5. `property` reworks it; `grid` verifies again, it passes and closes (已结案); `grid`, who
//    reported it, rates it;
// 6. an overdue case escalates when the clock is advanced: `grid` reports another problem,
//    `cadre` registers and dispatches it, then `civicgrid run-jobs --at <30 days later>`
//    runs the deadline job against the same database (as the scheduler would then), and the
//    case shows 已超期 and is answered for by the community.
//
//   BASE_URL=… CIVICGRID_DEMO_PASSWORD=… CIVICGRID_BIN=target/debug/civicgrid \
//   E2E_DATABASE_URL=sqlite:///tmp/…/civicgrid.db node e2e/loop.mjs
//
// e2e/run.sh starts the server and sets these. Screenshots: e2e/out/loop-<viewport>-*.png.

import { execFileSync } from 'node:child_process';
import {
  BASE_URL, VIEWPORTS, check, expectText, log, login, mainText, newContext, runAll, shot, submit,
} from './lib.mjs';

const BIN = process.env.CIVICGRID_BIN;
const DATABASE_URL = process.env.E2E_DATABASE_URL;
const BEIJING = 8 * 3_600_000;
// Inside the demo city's first grid (the position the phone reports).
const ON_SITE = { latitude: 30.5572, longitude: 114.2545, accuracy: 12 };
// A 1×1 PNG: evidence photos are optional, but the journey shows one can be added.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** `YYYY-MM-DDTHH:MM` in Beijing time. */
function beijing(ms) {
  return new Date(ms + BEIJING).toISOString().slice(0, 16);
}

async function as(browser, run, who, extra = {}) {
  const ctx = await newContext(browser, run, extra, who);
  const page = await ctx.newPage();
  await login(page, who);
  const name = (await page.locator('header .who').innerText()).trim();
  log(`${who} is ${name}`);
  return { ctx, page, name };
}

async function open(page, id) {
  await page.goto(`${BASE_URL}/cases/${id}`);
  await page.locator('main .order-state').waitFor({ state: 'visible' });
}

async function expectState(page, label, what) {
  await expectText(page.locator('main .order-state .badge.big').first(), label, what);
}

/** Report in three taps (tile, position, submit), with optional extras; the new case's id. */
async function report(page, tile, description, photo) {
  await page.goto(`${BASE_URL}/cases/new`);
  await page.locator('label.tile', { hasText: tile }).first().click();
  await page.getByRole('button', { name: '获取位置' }).click();
  await expectText(page.locator('[data-geo-fill-status]'), '精度约 12 米', 'the position is taken once');
  const desc = page.locator('#description');
  if (!(await desc.isVisible())) {
    await page.locator('details:has(#description) > summary').click();
  }
  await desc.fill(description);
  if (photo) {
    await page.locator('#photo').setInputFiles({ name: 'stall.png', mimeType: 'image/png', buffer: PNG });
  }
  await shot(page, `report-${tile}`);
  await submit(page, page.getByRole('button', { name: /提交上报/ }));
  const m = new URL(page.url()).pathname.match(/^\/cases\/(\d+)$/);
  check(m, `reporting did not lead to the case: ${page.url()}: ${(await mainText(page)).slice(0, 400)}`);
  await expectText(page.locator('main .toast'), '已上报，案卷编号', 'toast after reporting');
  return m[1];
}

async function registerAndDispatch(page, id, handlerName) {
  await open(page, id);
  await submit(page, page.locator('#step-register button[type=submit]'));
  await expectState(page, '待派遣', 'after 立案');
  const value = await page.locator('#handler_person_id option').evaluateAll(
    (os, name) => (os.find((o) => o.textContent.includes(name)) || {}).value,
    handlerName,
  );
  check(value, `${handlerName} is not among the handlers offered`);
  await page.locator('#handler_person_id').selectOption(value);
  await page.locator('#dispatch-note').fill('请今天处理');
  await submit(page, page.locator('#step-dispatch button[type=submit]'));
  await expectState(page, '处置中', 'after 派遣');
}

async function handle(page, id, note) {
  await open(page, id);
  await page.locator('#handle-note').fill(note);
  await submit(page, page.locator('#step-handle button[type=submit]'));
  await expectState(page, '待核查', 'after 提交处置结果');
}

async function verify(page, id, pass, note) {
  await open(page, id);
  await page.locator(`#step-verify input[name=result][value=${pass ? 'pass' : 'fail'}]`).check();
  await page.locator('#verify-note').fill(note);
  await submit(page, page.locator('#step-verify button[type=submit]'));
}

async function journey(browser, run) {
  check(BIN && DATABASE_URL, 'set CIVICGRID_BIN and E2E_DATABASE_URL (e2e/run.sh does)');
  const stamp = beijing(Date.now()).slice(5).replace('T', ' ');
  const grid = await as(browser, run, 'grid', { geolocation: ON_SITE, permissions: ['geolocation'] });
  const cadre = await as(browser, run, 'cadre');
  const property = await as(browser, run, 'property');

  // 1. The patrol reports a stall, with a photo.
  const id = await report(grid.page, '流动摊点', `e2e ${run.viewport} ${stamp}：流动摊贩占用人行道`, true);
  await expectState(grid.page, '待受理', 'a new report');
  check(await grid.page.locator('main ul.photos img').count() === 1, 'the photo is on the case');
  await shot(grid.page, 'reported');

  // 2. Registered and dispatched.
  await registerAndDispatch(cadre.page, id, property.name);
  await expectText(cadre.page.locator('main dl.kv'), '处置时限', 'a deadline once dispatched');
  await shot(cadre.page, 'dispatched');

  // 3. Handled.
  await handle(property.page, id, '已劝离摊贩，现场已清理');
  await shot(property.page, 'handled');

  // 4. Verification fails once: rework.
  await verify(grid.page, id, false, '摊贩又回来了，请再次处置');
  await expectState(grid.page, '处置中', 'back to the handler after 核查不通过');
  await expectText(grid.page.locator('main dl.kv'), '核查不通过 1 次', 'the rework is counted');
  await shot(grid.page, 'rework');

  // 5. Reworked, verified, closed, rated.
  await handle(property.page, id, '已联系街道，摊贩移至安置点');
  await verify(grid.page, id, true, '现场已无摊点');
  await expectState(grid.page, '已结案', 'closed after 核查通过');
  await grid.page.locator('#step-rate input[name=satisfaction][value=satisfied]').check();
  await submit(grid.page, grid.page.locator('#step-rate button[type=submit]'));
  await expectText(grid.page.locator('main dl.kv'), '满意', 'the rating is on the case');
  const timeline = await mainText(grid.page);
  for (const step of ['立案', '派遣', '核查不通过', '核查通过']) {
    check(timeline.includes(step), `the history lacks ${step}`);
  }
  await shot(grid.page, 'closed');

  // 6. An overdue case escalates when the clock is advanced.
  const late = await report(grid.page, '乱堆乱放', `e2e ${run.viewport} ${stamp}：楼道口堆放杂物`, false);
  await registerAndDispatch(cadre.page, late, property.name);
  const at = beijing(Date.now() + 30 * 24 * 3_600_000);
  log(`civicgrid run-jobs --at ${at}`);
  execFileSync(BIN, ['--database-url', DATABASE_URL, 'run-jobs', '--at', at], {
    env: { ...process.env, CIVICGRID_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await open(cadre.page, late);
  await expectText(cadre.page.locator('main .order-state'), '已超期', 'overdue after the clock moved');
  await expectText(cadre.page.locator('main dl.kv'), '社区', 'answered for by the community');
  await expectText(cadre.page.locator('main'), '已超过处置时限', 'the escalation is on the record');
  await shot(cadre.page, 'escalated');
  await cadre.page.goto(`${BASE_URL}/cases`);
  check(await cadre.page.locator(`main a[href="/cases/${late}"]`).count() > 0, 'the overdue case is on the board');
  await shot(cadre.page, 'board');
}

await runAll('loop', /^loop-/, VIEWPORTS.map((v) => ({ ...v, file: `loop-${v.viewport}` })), journey);
