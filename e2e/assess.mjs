// Browser journey for assessment (考评), phone and desktop.
//
// The demo city's month of work has been assessed under the seeds' schemes. `cadre` opens
// the community's results for this month, reads the grade distribution and the deductions,
// opens the month's bulletin (月通报), follows its provincial-inspection deduction down to
// the case that caused it, and downloads the bulletin as PDF and Excel; `grid` (the grid leader the
// deductions fall on) contests one of their results with a reason; `cadre` answers it with
// a changed total; `grid` sees the answer and the recorded change. The phone run contests
// the Guancheng result, the desktop run the Gulou one (each result can be contested once).
//
//   BASE_URL=... CIVICGRID_DEMO_PASSWORD=... node assess.mjs   (e2e/run.sh starts a server)
// Screenshots: e2e/out/assess-<viewport>-<nn>-<step>.png; exports: e2e/out/assess-*.pdf|xlsx.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BASE_URL, PASSWORD, OUT, VIEWPORTS, check, log, shot, expectText,
  submit, newContext, login, runAll, openByLink,
} from './lib.mjs';

const RUNS = VIEWPORTS.map((v) => ({ ...v, label: `assess ${v.viewport}`, file: `assess-${v.viewport}` }));

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
  const ctx = await newContext(browser, run, { acceptDownloads: true }, loginName);
  const page = await ctx.newPage();
  await login(page, loginName);
  return page;
}

function thisMonth() {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
}

async function journey(browser, run) {
  const period = thisMonth();
  const scheme = run.mobile ? '管城区网格化管理督查考核' : '鼓楼社区城管人员考评';
  const gt = await token('grid');
  const own = await api(gt, 'GET', `/assessment/results?period=${period}`);
  check(own.status === 200 && own.body.length >= 2, `the grid leader has this month's results: ${JSON.stringify(own.body)}`);
  const mine = own.body.find((r) => r.scheme_name === scheme);
  check(mine, `a ${scheme} result`);
  const community = mine.community_id;

  // The cadre: the community's results for the month.
  const c = await user(browser, run, 'cadre');
  await openByLink(c, '/assess');
  await expectText(c.locator('main'), '单位考评结果', 'the cadre can look at the unit results');
  await shot(c, 'assess-home');
  await c.locator('#unit').selectOption(String(community));
  await c.locator('#period').fill(period);
  await submit(c, c.getByRole('button', { name: '查看' }));
  await expectText(c.locator('main'), '等次分布', 'the results page shows the distribution');
  await expectText(c.locator('main'), '省级检查发现问题', 'the provincial inspection deduction is listed');
  await shot(c, 'unit-results');

  // The month's bulletin (月通报), generated from the records: a deduction down to its case.
  await c.goto(`${BASE_URL}/reports/bulletin?unit=${community}&period=${period}`);
  await expectText(c.locator('main'), '工作通报', 'the bulletin opens');
  await expectText(c.locator('main'), '省级检查发现问题', 'the bulletin lists the deduction');
  await shot(c, 'bulletin');
  const row = c.locator('tr, li').filter({ hasText: '省级检查发现问题' }).first();
  const first = row.locator('a').first();
  const href = await first.getAttribute('href');
  await Promise.all([c.waitForURL((u) => u.pathname === href.split('?')[0]), first.click()]);
  if (!new URL(c.url()).pathname.startsWith('/cases/')) {
    // The deduction's result first, then its case.
    await shot(c, 'bulletin-deduction-result');
    const caseLink = c.locator('li').filter({ hasText: '省级检查发现问题' }).locator('a[href^="/cases/"]').first();
    const caseHref = await caseLink.getAttribute('href');
    await Promise.all([c.waitForURL((u) => u.pathname === caseHref), caseLink.click()]);
  }
  await expectText(c.locator('main'), '遮阳蓬', 'the deduction leads to the case that caused it');
  await shot(c, 'deduction-case');

  // The bulletin's exports: the same content as PDF and Excel.
  await c.goto(`${BASE_URL}/reports/bulletin?unit=${community}&period=${period}`);
  for (const [ext, magic] of [['pdf', '%PDF'], ['xlsx', 'PK']]) {
    const link = c.locator(`a[href*="bulletin.${ext}"]`).first();
    check(await link.count(), `the bulletin links its ${ext} export`);
    const res = await c.context().request.get(BASE_URL + (await link.getAttribute('href')));
    check(res.status() === 200, `the ${ext} export answers 200, not ${res.status()}`);
    const body = await res.body();
    const head = body.subarray(0, 4).toString('latin1');
    check(head.startsWith(magic), `the ${ext} export is a ${ext} file (starts ${JSON.stringify(head)})`);
    const file = join(OUT, `assess-${run.viewport}-bulletin.${ext}`);
    writeFileSync(file, body);
    log(`export ${ext}: ${file} (${body.length} bytes)`);
  }

  // The grid leader contests; the cadre answers with a change; the answer is shown.
  const g = await user(browser, run, 'grid');
  await openByLink(g, '/assess');
  const line = g.locator('li').filter({ hasText: scheme }).first();
  await shot(g, 'my-results');
  await Promise.all([g.waitForURL(/\/assess\/results\/\d+/), line.locator('a').first().click()]);
  await expectText(g.locator('main'), '各项得分', 'the result shows its components');
  await g.locator('#reason').fill(`（${run.viewport}）省级检查发现的遮阳蓬当天已报网格员处理，请核实`);
  await submit(g, g.getByRole('button', { name: '提出申诉' }));
  await expectText(g.locator('main'), '申诉中', 'the contest is recorded');
  await shot(g, 'contested');
  const resultUrl = new URL(g.url()).pathname;

  await c.goto(`${BASE_URL}/assess`);
  await expectText(c.locator('main'), '待我答复的申诉', 'the cadre sees the contest');
  await c.goto(BASE_URL + resultUrl);
  await c.locator('#answer').fill('经核实，问题发现前网格已上报，按区级扣分改判');
  await c.locator('#new_total').fill(String((mine.total_e2 + 1000) / 100));
  await submit(c, c.getByRole('button', { name: '改判' }));
  await expectText(c.locator('main'), '修改记录', 'the change is recorded on the result');
  await shot(c, 'answered');

  await g.goto(BASE_URL + resultUrl);
  await expectText(g.locator('main'), '按区级扣分改判', 'the person sees the answer');
  await expectText(g.locator('main'), '已答复：改判', 'and that the result changed');
  await shot(g, 'answer-seen');
  writeFileSync(join(OUT, `assess-${run.viewport}-done.txt`), resultUrl);
}

await runAll('assess', /^assess-/, RUNS, journey);
