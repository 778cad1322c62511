// Browser journeys for consultation and public opinion (议事与民意), phone and desktop:
//
// 1. Decision rights by who pays: `joint` (the 幸福联村社区 cadre) drafts a proposal paid by
//    东湖村's collective (through the API, then works on the pages), records a decision and
//    is refused — the page names the missing consent (还需要东湖村村民代表会议同意);
//    `village` (东湖村's cadre) records the assembly's vote on the proposal page; `joint`
//    records the decision again and it passes; the public history shows both.
// 2. An anonymous suggestion becomes a case: `resident` drops an anonymous suggestion in
//    the 民意箱 and keeps the receipt code; `cadre` sees it in the 民情台账 without a name
//    and turns it into a case in one step; the case page shows the text; the resident,
//    following the receipt code, sees 已转为案件 #N.
//
//   BASE_URL=... CIVICGRID_DEMO_PASSWORD=... node civic.mjs   (e2e/run.sh starts a server)
// Screenshots: e2e/out/civic-<viewport>-<nn>-<step>.png.

import {
  BASE_URL, PASSWORD, VIEWPORTS, check, log, shot, expectText, mainText,
  openByLink, submit, newContext, login, runAll, expectedStatus,
} from './lib.mjs';

const RUNS = VIEWPORTS.map((v) => ({ ...v, label: `civic ${v.viewport}`, file: `civic-${v.viewport}` }));

async function api(token, method, path, body) {
  const r = await fetch(`${BASE_URL}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await r.json().catch(() => null);
  return { status: r.status, body: json };
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

function today() {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}

async function journey(browser, run) {
  const stamp = `${run.viewport} ${new Date().toISOString().slice(11, 19)}`;

  // 1. A collective-funded proposal: refused until 东湖村's assembly consents.
  const jt = await token('joint');
  const demo = (await api(jt, 'GET', '/civic/proposals')).body.find((p) => p.funding === 'collective');
  check(demo, 'the demo has a collective proposal of the joint community');
  const parties = (await api(jt, 'GET', `/civic/proposals/${demo.id}`)).body.parties;
  const village = parties[0].village_id;
  const created = await api(jt, 'POST', '/civic/proposals', {
    unit_id: demo.unit_id, title: `村道修缮 e2e ${stamp}`, body: '硬化东湖村村道 300 米，村集体出资',
    funding: 'collective', villages: [village],
  });
  check(created.status === 201, `drafting: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id;
  const path = `/civic/proposals/${id}`;
  expectedStatus.add(`409 ${path}/decide`);

  const joint = await user(browser, run, 'joint');
  await openByLink(joint, '/civic');
  await shot(joint, 'civic-hub');
  await joint.goto(BASE_URL + path);
  await expectText(joint.locator('main'), '村集体出资', 'proposal page');
  await submit(joint, joint.getByRole('button', { name: '提交共建理事会商议' }));
  await joint.locator('#decision-note').fill('联村党委同意实施');
  await submit(joint, joint.locator(`form[action="${path}/decide"] button[type=submit]`));
  await expectText(joint.locator('.alert'), '还需要东湖村村民代表会议同意', 'refused decision');
  await shot(joint, 'decision-refused');
  log('decision refused until 东湖村 consents');

  const vill = await user(browser, run, 'village');
  await vill.goto(BASE_URL + path);
  await expectText(vill.locator('main'), '录入东湖村村民代表会议表决结果', 'consent form for the village cadre');
  const form = vill.locator(`form[action="${path}/consent"]`);
  await form.locator('input[name=assembly_date]').fill(today());
  await form.locator('textarea[name=note]').fill('应到 35 人，实到 31 人，同意 27 人');
  await shot(vill, 'village-consent');
  await submit(vill, form.locator('button[type=submit]'));
  await expectText(vill.locator('main'), '东湖村村民代表会议同意', 'consent in the history');

  await joint.goto(BASE_URL + path);
  await joint.locator('#decision-note').fill('东湖村村民代表会议已同意，联村党委记录决策');
  await submit(joint, joint.locator(`form[action="${path}/decide"] button[type=submit]`));
  await expectText(joint.locator('main'), '决策：通过', 'decision recorded');
  check(!(await mainText(joint)).includes('还需要'), 'nothing is missing any more');
  await shot(joint, 'decision-passed');

  // 2. An anonymous suggestion becomes a case.
  const text = `e2e ${stamp}：小区北门台阶破损，老人容易摔倒`;
  const resident = await user(browser, run, 'resident');
  await openByLink(resident, '/civic');
  await openByLink(resident, '/civic/opinions/new');
  await resident.locator('textarea[name=body]').fill(text);
  await resident.locator('input[name=anonymous]').check();
  await shot(resident, 'opinion-form');
  await submit(resident, resident.getByRole('button', { name: '提交' }));
  const code = (await resident.locator('#receipt-code').innerText()).trim();
  check(/^[A-Z0-9]{12}$/.test(code), `receipt code: ${code}`);
  await shot(resident, 'receipt');

  const cadre = await user(browser, run, 'cadre');
  await cadre.goto(`${BASE_URL}/civic/ledger?status=pending`);
  const line = cadre.locator('li.card').filter({ hasText: text }).first();
  await line.waitFor();
  check((await line.innerText()).includes('匿名'), 'the ledger line says 匿名, with no name');
  await line.locator('select[name=category_id]').selectOption({ index: 1 });
  await shot(cadre, 'ledger');
  await submit(cadre, line.getByRole('button', { name: '转为案件' }));
  const toast = await mainText(cadre);
  const m = (await cadre.content()).match(/已转为案件 #(\d+)/);
  check(m, `no 已转为案件 #N after converting: ${toast.slice(0, 200)}`);
  const caseId = m[1];
  await cadre.goto(`${BASE_URL}/cases/${caseId}`);
  await expectText(cadre.locator('main'), '小区北门台阶破损', 'the case has the text');
  await shot(cadre, 'case');

  await resident.goto(`${BASE_URL}/civic/receipt?code=${code}`);
  await expectText(resident.locator('main'), `已转为案件 #${caseId}`, 'receipt shows the case');
  await shot(resident, 'follow');
  log(`anonymous suggestion became case #${caseId}`);
}

runAll('civic', /^civic-.*\.png$/, RUNS, journey).catch((e) => {
  console.error(`civic: ${e.stack || e}`);
  process.exit(1);
});
