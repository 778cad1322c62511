import { chromium } from 'playwright-core';
const BASE = 'http://127.0.0.1:8099';
const [login, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const vp of [{ w: 390, h: 844, tag: 'phone' }, { w: 1280, h: 800, tag: 'pc' }]) {
  const ctx = await browser.newContext({ viewport: { width: vp.w, height: vp.h }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/login`);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', process.env.PW);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  for (const p of paths) {
    const r = await page.goto(`${BASE}${p}`);
    const name = `${login}-${vp.tag}-${p.replace(/[^a-z0-9]+/gi, '_')}.png`;
    await page.screenshot({ path: `/tmp/x/shots/${name}`, fullPage: true });
    const over = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    console.log(r.status(), name, over ? 'OVERFLOW' : '');
  }
  await ctx.close();
}
await browser.close();
