// Browser journey for duty (值班与会议), phone and desktop: leave and a shift swap.
//
// `cadre` puts `personnel` on two weekend shifts in the demo grid (through the API, with
// the recorded reason the roster asks for); on the pages `personnel` asks for leave from
// the first, `cadre` approves it; `personnel` asks `personnel2` to take the second,
// `personnel2` accepts, `cadre` approves the swap; `personnel2`'s 我的值班 now lists the
// shift and `personnel`'s shows it as 已调班. No clock-in anywhere.
//
//   BASE_URL=... CIVICGRID_DEMO_PASSWORD=... node duty.mjs   (e2e/run.sh starts a server)
// Screenshots: e2e/out/duty-<viewport>-<nn>-<step>.png.

import {
  BASE_URL, PASSWORD, VIEWPORTS, check, log, shot, expectText,
  submit, newContext, login, runAll, openByLink,
} from './lib.mjs';

const RUNS = VIEWPORTS.map((v) => ({ ...v, label: `duty ${v.viewport}`, file: `duty-${v.viewport}` }));

async function api(token, method, path, body) {
  const r = await fetch(`${BASE_URL}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

async function token(loginName) {
  const r = await api(null, 'POST', '/auth/token', { login: loginName, password: PASSWORD });
  check(r.status === 201, `token for ${loginName}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

async function user(browser, run, loginName) {
  const ctx = await newContext(browser, run, {}, loginName);
  const page = await ctx.newPage();
  await login(page, loginName);
  return page;
}

// A Saturday at least two weeks ahead, different for each run (no overlap with the demo's).
function saturday(weeksAhead) {
  const d = new Date(Date.now() + 8 * 3_600_000 + weeksAhead * 7 * 86_400_000);
  while (d.getUTCDay() !== 6) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

// The 我的值班 card of the shift whose task is `task`.
function card(page, task) {
  return page.locator('li').filter({ hasText: task });
}

async function journey(browser, run) {
  const stamp = `${run.viewport} ${new Date().toISOString().slice(11, 19)}`;
  const weeks = run.mobile ? 2 : 3;
  const date = saturday(weeks);
  const ct = await token('cadre');
  const pt = await token('personnel');
  const me = (await api(pt, 'GET', '/me')).body;
  const mine = (await api(pt, 'GET', '/duty/mine')).body;
  check(Array.isArray(mine) && mine.length > 0, `personnel has a demo shift: ${JSON.stringify(mine)}`);
  const unit = mine[0].unit_id;
  const tasks = [`值守甲 ${stamp}`, `值守乙 ${stamp}`];
  for (const [i, task] of tasks.entries()) {
    const r = await api(ct, 'POST', '/duty/shifts', {
      unit_id: unit, date, start: i ? '14:00' : '09:00', end: i ? '16:00' : '11:00',
      place: '社区党群服务站', task,
      people: [{ person_id: me.person.id, reason: '本人同意周末值守' }],
    });
    check(r.status === 201, `shift ${task}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  log(`two shifts on ${date} for personnel`);

  // Leave from the first shift, asked in advance.
  const p = await user(browser, run, 'personnel');
  await p.goto(`${BASE_URL}/duty`);
  await expectText(p.locator('main'), tasks[0], 'my duties list the new shift');
  await shot(p, 'my-duties');
  const first = card(p, tasks[0]);
  await first.getByLabel('请假理由').fill('单位临时加班');
  await submit(p, first.getByRole('button', { name: '请假' }));
  await expectText(p.locator('.toast'), '请假已提交', 'a toast after asking for leave');
  await shot(p, 'leave-asked');

  const c = await user(browser, run, 'cadre');
  await c.goto(`${BASE_URL}/duty`);
  const leaveLine = c.locator('li').filter({ hasText: '申请请假' }).filter({ hasText: '单位临时加班' }).first();
  await expectText(leaveLine, '单位临时加班', 'the cadre sees the leave request');
  await shot(c, 'leave-queue');
  await submit(c, leaveLine.getByRole('button', { name: '批准请假' }));
  await shot(c, 'leave-approved');
  await p.goto(`${BASE_URL}/duty`);
  await expectText(card(p, tasks[0]), '请假已批准', 'the leave shows approved on my duty');

  // A swap of the second shift to personnel2.
  const second = card(p, tasks[1]);
  const select = second.getByLabel('请谁代班');
  const options = await select.locator('option').allInnerTexts();
  const p2name = (await api(await token('personnel2'), 'GET', '/me')).body.person.name;
  check(options.includes(p2name), `personnel2 (${p2name}) is offered as a stand-in: ${options}`);
  await select.selectOption({ label: p2name });
  await submit(p, second.getByRole('button', { name: '调班' }));
  await shot(p, 'swap-proposed');

  const p2 = await user(browser, run, 'personnel2');
  await p2.goto(`${BASE_URL}/duty`);
  const offer = p2.locator('li').filter({ hasText: '请我代班' }).or(p2.locator('li').filter({ has: p2.getByRole('button', { name: '接受代班' }) })).first();
  await shot(p2, 'swap-offered');
  await submit(p2, offer.getByRole('button', { name: '接受代班' }));
  await shot(p2, 'swap-accepted');

  await c.goto(`${BASE_URL}/duty`);
  const swapLine = c.locator('li').filter({ hasText: '调班待审批' }).first();
  await expectText(swapLine, p2name, 'the cadre sees the accepted swap');
  await swapLine.getByLabel(/理由/).first().fill('代班人本人同意');
  await submit(c, swapLine.getByRole('button', { name: '批准调班' }));
  await shot(c, 'swap-approved');

  await p2.goto(`${BASE_URL}/duty`);
  await expectText(p2.locator('main'), tasks[1], 'personnel2 now has the shift');
  await shot(p2, 'roster-changed');
  await p.goto(`${BASE_URL}/duty`);
  await expectText(card(p, tasks[1]), '已调班', 'personnel sees the shift swapped away');
  await shot(p, 'swapped-away');

  // The cadre's roster and meetings pages, reached from /duty.
  await c.goto(`${BASE_URL}/duty`);
  await openByLink(c, '/duty/roster');
  await expectText(c.locator('main'), tasks[1], 'the roster lists the swapped shift');
  await shot(c, 'roster-page');
  await c.goto(`${BASE_URL}/duty`);
  await openByLink(c, '/duty/meetings');
  await expectText(c.locator('main'), '安排会议或培训', 'the meetings page has its form');
  await shot(c, 'meetings-page');
}

await runAll('duty', /^duty-/, RUNS, journey);
