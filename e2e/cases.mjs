// Cases journey (案件) at 390 and 1280 px against the demo city: a grid leader reports a
// problem in three taps (tile, 获取位置 with a granted position, 提交上报), the cadre's
// board, a case page with its forms, the list, the map, the figures and the ledger;
// the property company's watches; a resident's own cases; the catalogues.
//
//   BASE_URL=http://127.0.0.1:8097 CIVICGRID_DEMO_PASSWORD=… node e2e/cases.mjs

import { BASE_URL, VIEWPORTS, check, expectText, login, newContext, runAll, shot, submit } from './lib.mjs';

async function as(browser, run, who, extra = {}) {
  const ctx = await newContext(browser, run, extra, who);
  const page = await ctx.newPage();
  await login(page, who);
  return { ctx, page };
}

async function visit(page, path, name, text) {
  await page.goto(BASE_URL + path);
  if (text) await expectText(page.locator('main'), text, path);
  await shot(page, name);
}

async function journey(browser, run) {
  // 1. The grid leader reports in three taps (the position is granted and taken once).
  {
    const { ctx, page } = await as(browser, run, 'grid', {
      geolocation: { latitude: 30.5572, longitude: 114.2545, accuracy: 12 },
      permissions: ['geolocation'],
    });
    await visit(page, '/cases/new', 'report-form', '什么问题');
    await page.locator('label.tile', { hasText: '暴露垃圾' }).click();
    await page.getByRole('button', { name: '获取位置' }).click();
    await expectText(page.locator('[data-geo-fill-status]'), '精度约 12 米', 'position taken');
    await shot(page, 'report-located');
    await submit(page, page.getByRole('button', { name: /提交上报/ }));
    await expectText(page.locator('.toast'), '已上报，案卷编号', 'report toast');
    await shot(page, 'report-done');
    await visit(page, '/cases', 'grid-board', '待核查');
    await ctx.close();
  }
  // 2. The cadre: board, a case, the list, the map, the figures, the ledger.
  {
    const { ctx, page } = await as(browser, run, 'cadre');
    await visit(page, '/', 'cadre-home', '待立案');
    await visit(page, '/cases', 'cadre-board', '已超期');
    const overdue = page.locator('a.case-cell').filter({ hasText: '已超期' }).first();
    const href = await overdue.getAttribute('href');
    check(href, 'an overdue case on the board');
    await visit(page, href, 'case-overdue', '处置时限');
    await page.goto(BASE_URL + '/cases/list?state=reported');
    await shot(page, 'list-reported');
    const first = await page.locator('a.case-cell, table a[href^="/cases/"]').first().getAttribute('href');
    await visit(page, first, 'case-reported', '立案');
    await page.goto(BASE_URL + '/cases/list?state=handled');
    const handled = await page.locator('a.case-cell, table a[href^="/cases/"]').first().getAttribute('href');
    await visit(page, handled, 'case-handled', '核查');
    await page.goto(BASE_URL + '/cases/list?state=closed');
    const closed = await page.locator('a.case-cell, table a[href^="/cases/"]').first().getAttribute('href');
    await visit(page, closed, 'case-closed', '盯守');
    await page.goto(BASE_URL + '/cases/list?missed=true');
    const missed = await page.locator('a.case-cell, table a[href^="/cases/"]').first().getAttribute('href');
    await visit(page, missed, 'case-missed', '网格漏报');
    await visit(page, '/cases/list', 'list-all', '案卷');
    await page.goto(BASE_URL + '/cases');
    const map = await page.locator('a', { hasText: '案件地图' }).first().getAttribute('href');
    await visit(page, map, 'map-community', '网格责任链');
    await page.locator('nav.chips a', { hasText: '第1网格' }).first().click();
    await page.waitForLoadState('load');
    await shot(page, 'map-grid');
    await visit(page, '/cases/figures', 'figures', '结案率');
    await visit(page, '/cases/requests', 'requests', '延期');
    await ctx.close();
  }
  // 3. The property company's watch, the resident's own cases, the catalogues.
  {
    const { ctx, page } = await as(browser, run, 'property');
    await visit(page, '/cases/watches', 'watches', '盯守中');
    await visit(page, '/cases/mine', 'property-mine', '派给我处置的');
    await ctx.close();
  }
  {
    const { ctx, page } = await as(browser, run, 'resident');
    await visit(page, '/cases/mine', 'resident-mine', '我上报的');
    await visit(page, '/cases/new', 'resident-report', '什么问题');
    await ctx.close();
  }
  {
    const { ctx, page } = await as(browser, run, 'admin');
    await visit(page, '/cases/categories', 'categories', '占道经营');
    await visit(page, '/cases/calendar', 'calendar', '全国节假日');
    await ctx.close();
  }
}

await runAll('cases', /^(390x844|1280x800)-cases-/, VIEWPORTS.map((v) => ({ ...v, file: `${v.viewport}-cases` })), journey);
