// Browser journeys for civicgrid: Playwright (playwright-core) driving Debian's chromium.
//
//   BASE_URL=http://127.0.0.1:8080 CIVICGRID_DEMO_PASSWORD=... node journey.mjs
//
// The server must already run with the demo city (`civicgrid demo`); e2e/run.sh starts one.
// The journey runs twice, as a phone (390×844) and as a desktop (1280×800), with distinct
// names, codes and phones: the admin logs in, opens the organisation tree and a street,
// creates a community and a grid under it, imports three people into that community from
// an xlsx built here, finds one of them and checks their page; a file with a bad row must be
// refused whole. A full-page screenshot of every step goes to e2e/out/<viewport>-<nn>-<step>.png.
// A failed check ends that run with a clear message (and e2e/out/<viewport>-failed.png); the
// script exits 1 when any run failed. Browser console errors, failed loads and horizontal
// overflow are listed as warnings at the end (fatal with E2E_STRICT=1).

import ExcelJS from 'exceljs';
import {
  BASE_URL, TIMEOUT, VIEWPORTS, CheckFailed, check, expectedStatus, shot, expectText, mainText,
  openByLink, submit, newContext, fillLogin, runAll,
} from './lib.mjs';

const LOGIN = process.env.E2E_LOGIN || 'admin';
const STREET = process.env.E2E_STREET || '大智街道';

// The last three digits of each run's community code (and of its names); E2E_TAGS=097,096
// picks others, to run the journey again against the same database.
const TAGS = (process.env.E2E_TAGS || '099,098').split(',').map((t) => t.trim());
const RUNS = VIEWPORTS.map((v, i) => ({ ...v, tag: TAGS[i] }));
for (const r of RUNS) {
  if (!/^\d{3}$/.test(r.tag || '')) {
    console.error(`journey: E2E_TAGS must be two 3-digit codes like 099,098 (got ${process.env.E2E_TAGS})`);
    process.exit(2);
  }
}

const PEOPLE_HEADER = [
  '姓名', '手机号', '身份证号', '人员类型', '派出单位', '党员', '专长', '身体限制', '可服务时间',
  '居住社区编码', '单位报到日期', '报到社区编码', '报到依据', '社区报到日期',
];

function phoneFor(run, i) {
  // 199 + run digit + 7 digits from the clock: unique across runs and across re-runs.
  const clock = String(Date.now() + i).slice(-6);
  return `199${run.mobile ? 1 : 2}${i}${clock}`;
}

/** A people workbook (first sheet, header in the first row, every cell text). */
async function peopleXlsx(rows) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  ws.addRow(PEOPLE_HEADER);
  for (const r of rows) ws.addRow(PEOPLE_HEADER.map((h) => r[h] ?? ''));
  ws.eachRow((row) => row.eachCell({ includeEmpty: true }, (cell) => { cell.numFmt = '@'; }));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function uploadPeople(page, fileName, buffer) {
  await openByLink(page, '/import');
  await page.locator('form[action="/import/people"] input[type=file][name=file]').setInputFiles({
    name: fileName,
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer,
  });
  await submit(page, page.getByRole('button', { name: '上传并导入人员' }));
}

async function journey(browser, run) {
  const ctx = await newContext(browser, run);
  const page = await ctx.newPage();

  const communityName = `江滩测试社区${run.tag}`;
  const communityCode = `420102001${run.tag}`;
  const gridName = `江滩测试第1网格${run.tag}`;
  const gridCode = `${communityCode}01`;
  const people = [
    { name: `测试甲${run.tag}`, kind: '下沉人员', employer: '市教育局', basis: '居住地' },
    { name: `测试乙${run.tag}`, kind: '下沉人员', employer: '市卫生健康委员会', basis: '分派' },
    { name: `测试丙${run.tag}`, kind: '居民', employer: '', basis: '居住地' },
  ];
  const rejected = `测试丁${run.tag}`;

  // 1. Log in as the admin.
  await fillLogin(page, LOGIN);
  await shot(page, 'login');
  await submit(page, page.getByRole('button', { name: '登录' }));
  check(!new URL(page.url()).pathname.startsWith('/login'),
    `login as ${LOGIN} failed: still on ${page.url()}: ${(await page.locator('.alert').allInnerTexts()).join(' ')}`);
  await shot(page, 'home');

  // 2. The organisation tree, then the street.
  await openByLink(page, '/units');
  await expectText(page.locator('main a'), STREET, 'organisation tree');
  await shot(page, 'units-tree');
  await Promise.all([
    page.waitForURL(/\/units\/\d+$/),
    page.locator('main a', { hasText: STREET }).first().click(),
  ]);
  await expectText(page.locator('header h1'), STREET, 'street page title');
  await shot(page, 'street');

  // 3. A new community under the street.
  await Promise.all([
    page.waitForURL(/\/units\/new\?parent=\d+/),
    page.locator('main a', { hasText: '新建下级' }).first().click(),
  ]);
  await page.locator('select[name=kind]').selectOption('community');
  await page.locator('input[name=name]').fill(communityName);
  await page.locator('input[name=code]').fill(communityCode);
  await page.locator('input[name=center_lon]').fill('114.2990');
  await page.locator('input[name=center_lat]').fill('30.5880');
  await shot(page, 'community-form');
  await submit(page, page.getByRole('button', { name: '新建' }));
  check(/\/units\/\d+/.test(new URL(page.url()).pathname) && !page.url().includes('/units/new'),
    `creating community ${communityName}/${communityCode} did not lead to its page: ${page.url()}: ` +
    (await page.locator('.alert, .err').allInnerTexts()).join(' '));
  await expectText(page.locator('header h1'), communityName, 'new community page title');
  await expectText(page.locator('.toast'), '', 'toast after creating the community');
  await expectText(page.locator('dl.kv dd'), communityCode, 'new community code');
  const communityPath = new URL(page.url()).pathname;
  await shot(page, 'community-created');

  // 4. A grid under the new community.
  await Promise.all([
    page.waitForURL(/\/units\/new\?parent=\d+/),
    page.locator('main a', { hasText: '新建下级' }).first().click(),
  ]);
  await page.locator('select[name=kind]').selectOption('grid');
  await page.locator('input[name=name]').fill(gridName);
  await page.locator('input[name=code]').fill(gridCode);
  await shot(page, 'grid-form');
  await submit(page, page.getByRole('button', { name: '新建' }));
  check(!page.url().includes('/units/new'),
    `creating grid ${gridName}/${gridCode} failed: ${page.url()}: ` +
    (await page.locator('.alert, .err').allInnerTexts()).join(' '));
  await expectText(page.locator('header h1'), gridName, 'new grid page title');
  await expectText(page.locator('.crumbs'), communityName, 'grid breadcrumbs');
  await shot(page, 'grid-created');

  // 5. Import three people living in / registered with the new community.
  const rows = people.map((p, i) => ({
    '姓名': p.name,
    '手机号': phoneFor(run, i),
    '人员类型': p.kind,
    '派出单位': p.employer,
    '党员': i === 0 ? '是' : '否',
    '专长': i === 0 ? '医疗、法律咨询' : '',
    '可服务时间': i === 2 ? '' : '周六 09:00-17:00；周日 09:00-12:00',
    '居住社区编码': communityCode,
    '单位报到日期': p.employer ? '2026-03-01' : '',
    '报到社区编码': communityCode,
    '报到依据': p.basis,
    '社区报到日期': '2026-03-05',
  }));
  const good = await peopleXlsx(rows);
  await openByLink(page, '/import');
  await shot(page, 'import-page');
  await uploadPeople(page, `人员-${run.tag}.xlsx`, good);
  const afterImport = await mainText(page);
  check(afterImport.includes('已全部导入'),
    `importing 3 people: the page does not say 已全部导入: ${afterImport.slice(0, 600)}`);
  await expectText(page.locator('.toast'), '已导入 3', 'toast after the import');
  await shot(page, 'import-ok');

  // 6. A file with a bad row is refused whole.
  const bad = await peopleXlsx([
    { '姓名': `测试错${run.tag}`, '手机号': '1234', '人员类型': '居民' },
    { '姓名': rejected, '手机号': phoneFor(run, 7), '人员类型': '居民', '居住社区编码': communityCode },
  ]);
  expectedStatus.add('422 /import/people');
  await uploadPeople(page, `人员-错误-${run.tag}.xlsx`, bad);
  expectedStatus.delete('422 /import/people');
  await expectText(page.locator('main table td'), '第 2 行', 'error table after a bad import');
  const afterBad = await mainText(page);
  check(!afterBad.includes('已全部导入'), 'a file with a bad row was reported as imported');
  check(afterBad.includes('一行也没有导入'), `the error report does not say nothing was imported: ${afterBad.slice(0, 600)}`);
  check(await page.locator('.toast').count() === 0, 'a toast was shown after a refused import');
  await shot(page, 'import-error');
  await page.goto(`${BASE_URL}/people?q=${encodeURIComponent(rejected)}`);
  check(await page.locator(`main a:has-text("${rejected}")`).count() === 0,
    `${rejected} (good row of a refused file) was imported anyway`);

  // 7. Find the first imported person and open their page.
  await openByLink(page, '/people');
  await page.locator('input[name=q]').fill(people[0].name);
  await submit(page, page.getByRole('button', { name: '筛选' }));
  // A table on a PC, a list of cells on a phone: whichever is shown.
  const hit = page.locator(`main a[href^="/people/"]:visible`, { hasText: people[0].name });
  await hit.first().waitFor({ state: 'visible', timeout: TIMEOUT }).catch(async () => {
    throw new CheckFailed(`/people?q=${people[0].name} does not list them: ${(await mainText(page)).slice(0, 600)}`);
  });
  check(await hit.count() === 1, `/people?q=${people[0].name} lists ${await hit.count()} rows, expected 1`);
  await expectText(page.locator('main table td:visible, main .cells .sub:visible'), people[0].employer, 'employer in the people list');
  await shot(page, 'people-search');
  await Promise.all([page.waitForURL(/\/people\/\d+$/), hit.first().click()]);
  await expectText(page.locator('header h1'), people[0].name, 'person page title');
  await expectText(page.locator('dl.kv dd'), people[0].employer, 'person page employer');
  await expectText(page.locator('dl.kv dd'), communityName, 'person page home community');
  await expectText(page.locator('dl.kv dd'), '医疗', 'person page skills');
  await expectText(page.locator('main h2'), '双报到', 'person page 双报到 section');
  await expectText(page.locator('main .cells .cell'), `社区报到：${communityName}`, 'person page 社区报到');
  await expectText(page.locator('main .cells .cell'), `单位报到：${people[0].employer}`, 'person page 单位报到');
  await shot(page, 'person');

  // 8. The new community lists the people registered with it.
  await page.goto(BASE_URL + communityPath);
  for (const p of people) {
    await expectText(page.locator('main .cells .cell'), p.name, `community page lists ${p.name}`);
  }
  await expectText(page.locator('dl.kv dd'), '1 个', 'community page counts its grid');
  await shot(page, 'community-people');

  await ctx.close();
}

runAll('journey', /^\d+x\d+-.*\.png$/, RUNS, journey).catch((e) => {
  console.error(`journey: ${e.stack || e}`);
  process.exit(1);
});
