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

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import ExcelJS from 'exceljs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const PASSWORD = process.env.CIVICGRID_DEMO_PASSWORD;
const LOGIN = process.env.E2E_LOGIN || 'admin';
const OUT = process.env.E2E_OUT || join(HERE, 'out');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const STREET = process.env.E2E_STREET || '大智街道';
// With E2E_STRICT=1, layout warnings (horizontal overflow) and browser console errors fail
// the run too; by default they are listed at the end.
const STRICT = process.env.E2E_STRICT === '1';
const TIMEOUT = 30_000;

// The last three digits of each run's community code (and of its names); E2E_TAGS=097,096
// picks others, to run the journey again against the same database.
const TAGS = (process.env.E2E_TAGS || '099,098').split(',').map((t) => t.trim());
const RUNS = [
  { viewport: '390x844', width: 390, height: 844, mobile: true, tag: TAGS[0] },
  { viewport: '1280x800', width: 1280, height: 800, mobile: false, tag: TAGS[1] },
];
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

class CheckFailed extends Error {}

function check(cond, message) {
  if (!cond) throw new CheckFailed(message);
}

// Browser-side problems (console errors, CSP violations, failed loads), counted by kind.
const warnings = new Map();
function warn(text) {
  let key = text.replace(/'sha256-[^']*'/g, "'sha256-…'");
  if (key.length > 220) key = `${key.slice(0, 220)}…`;
  warnings.set(key, (warnings.get(key) || 0) + 1);
}
// Statuses the journey provokes on purpose ("422 /import/people" for the refused file).
const expectedStatus = new Set();
let currentRun = null;
let stepNo = 0;
let stepName = '';

function log(msg) {
  console.log(`[${currentRun?.viewport ?? '-'}] ${msg}`);
}

/** One step: a full-page screenshot afterwards plus layout checks. */
async function shot(page, name) {
  stepNo += 1;
  stepName = name;
  const file = join(OUT, `${currentRun.viewport}-${String(stepNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const layout = await page.evaluate(() => {
    const doc = document.documentElement;
    const vw = doc.clientWidth;
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // Elements inside a horizontal scroller (e.g. .table-wrap) may be wider on purpose.
      let p = el.parentElement;
      let scrolled = false;
      while (p && p !== document.body) {
        const ox = getComputedStyle(p).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { scrolled = true; break; }
        p = p.parentElement;
      }
      if (!scrolled && r.right > vw + 1) {
        wide.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} right=${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: doc.scrollWidth, clientWidth: vw, wide: wide.slice(0, 5) };
  });
  if (layout.scrollWidth > layout.clientWidth + 1) {
    warn(
      `${currentRun.viewport} step ${stepNo} ${name} (${page.url()}): page is ${layout.scrollWidth}px wide ` +
      `in a ${layout.clientWidth}px viewport (horizontal overflow): ${layout.wide.join(', ')}`,
    );
  }
  log(`step ${String(stepNo).padStart(2, '0')} ${name}: ok (${file.replace(HERE + '/', 'e2e/')})`);
}

async function expectText(locator, text, what) {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: TIMEOUT });
  } catch {
    const seen = (await locator.allInnerTexts().catch(() => [])).join(' | ').slice(0, 400);
    throw new CheckFailed(`${what}: expected to see “${text}”, saw: ${seen || '(nothing)'}`);
  }
}

async function mainText(page) {
  return (await page.locator('main').first().innerText()).replace(/\s+/g, ' ');
}

/** Click a visible link (menu on desktop, tab bar on the phone) or fall back to the address. */
async function openByLink(page, href) {
  const link = page.locator(`a[href="${href}"]:visible`).first();
  if (await link.count()) {
    await Promise.all([page.waitForURL((u) => u.pathname === href, { timeout: TIMEOUT }), link.click()]);
  } else {
    await page.goto(BASE_URL + href);
  }
}

async function submit(page, button) {
  await Promise.all([page.waitForEvent('framenavigated', { timeout: TIMEOUT }), button.click()]);
  await page.waitForLoadState('load');
}

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
  currentRun = run;
  stepNo = 0;
  const ctx = await browser.newContext({
    viewport: { width: run.width, height: run.height },
    isMobile: run.mobile,
    hasTouch: run.mobile,
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  ctx.setDefaultTimeout(TIMEOUT);
  const page = await ctx.newPage();
  const path = () => new URL(page.url()).pathname;
  page.on('console', (m) => {
    // Failed loads are reported by the response listener with their address.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      warn(`${run.viewport} ${path()}: console error: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => warn(`${run.viewport} ${path()}: page error: ${e.message}`));
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (r.status() >= 400 && !expectedStatus.has(`${r.status()} ${u.pathname}`)) {
      warn(`${run.viewport}: HTTP ${r.status()} from ${u.pathname}${u.search} (while on ${path()})`);
    }
  });

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
  await page.goto(`${BASE_URL}/login`);
  await expectText(page.locator('h1'), '社区下沉工作平台', 'login page');
  await page.locator('input[name=login]').fill(LOGIN);
  await page.locator('input[name=password]').fill(PASSWORD);
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

async function main() {
  if (!PASSWORD) {
    console.error('journey: set CIVICGRID_DEMO_PASSWORD to the demo password');
    process.exit(2);
  }
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (f.endsWith('.png')) rmSync(join(OUT, f));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  let failed = 0;
  let passed = 0;
  try {
    for (const run of RUNS) {
      try {
        await journey(browser, run);
        passed += 1;
        console.log(`journey ${run.viewport}: passed`);
      } catch (e) {
        failed += 1;
        const msg = e instanceof CheckFailed ? e.message : (e.stack || String(e));
        console.error(`journey ${run.viewport}: FAILED after step ${stepNo} (${stepName}): ${msg}`);
        for (const ctx of browser.contexts()) {
          for (const p of ctx.pages()) {
            const file = join(OUT, `${run.viewport}-failed.png`);
            await p.screenshot({ path: file, fullPage: true }).catch(() => {});
            console.error(`  at ${p.url()}; screenshot ${file}`);
          }
          await ctx.close().catch(() => {});
        }
      }
    }
  } finally {
    await browser.close();
  }
  if (warnings.size) {
    console.log(`\n${warnings.size} kind(s) of warning${STRICT ? ' (E2E_STRICT=1: they fail the run)' : ''}:`);
    for (const [w, n] of warnings) console.log(`  - ${n > 1 ? `${n}× ` : ''}${w}`);
    if (STRICT) failed += 1;
  }
  console.log(`\njourney: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`journey: ${e.stack || e}`);
  process.exit(1);
});
