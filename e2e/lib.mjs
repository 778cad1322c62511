// Shared helpers of the browser journeys (journey.mjs, work.mjs): settings from the
// environment, checks, warnings (console errors, unexpected HTTP ≥ 400, horizontal
// overflow), full-page screenshots per step, logging in, and the runner that prints the
// warnings and exits with the result.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const PASSWORD = process.env.CIVICGRID_DEMO_PASSWORD;
export const OUT = process.env.E2E_OUT || join(HERE, 'out');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// With E2E_STRICT=1, layout warnings (horizontal overflow) and browser console errors fail
// the run too; by default they are listed at the end.
export const STRICT = process.env.E2E_STRICT === '1';
export const TIMEOUT = 30_000;

/** The two runs of every journey: a phone and a desktop. */
export const VIEWPORTS = [
  { viewport: '390x844', width: 390, height: 844, mobile: true },
  { viewport: '1280x800', width: 1280, height: 800, mobile: false },
];

export class CheckFailed extends Error {}

export function check(cond, message) {
  if (!cond) throw new CheckFailed(message);
}

// Browser-side problems (console errors, CSP violations, failed loads), counted by kind.
export const warnings = new Map();
export function warn(text) {
  let key = text.replace(/'sha256-[^']*'/g, "'sha256-…'");
  if (key.length > 220) key = `${key.slice(0, 220)}…`;
  warnings.set(key, (warnings.get(key) || 0) + 1);
}
// Statuses a journey provokes on purpose ("422 /import/people" for a refused file).
export const expectedStatus = new Set();

// The run in progress: `run` (one of VIEWPORTS plus the script's own fields; `run.label`
// names it in the log, `run.file` starts its screenshots' names, both default to the
// viewport), the step counter and the last step's name.
export const state = { run: null, stepNo: 0, stepName: '' };

export function startRun(run) {
  state.run = run;
  state.stepNo = 0;
  state.stepName = '';
}

export function log(msg) {
  console.log(`[${runLabel(state.run)}] ${msg}`);
}

function runLabel(run) {
  return run ? run.label ?? run.viewport : '-';
}

function shotFile(name) {
  return join(OUT, `${state.run.file ?? state.run.viewport}-${name}.png`);
}

/** One step: a full-page screenshot afterwards plus layout checks. */
export async function shot(page, name) {
  state.stepNo += 1;
  state.stepName = name;
  const file = shotFile(`${String(state.stepNo).padStart(2, '0')}-${name}`);
  // From the top: a page scrolled to a field shows its sticky top bar (and the phone's tab
  // bar) in the middle of a full-page screenshot.
  await page.evaluate(() => window.scrollTo(0, 0));
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
      `${runLabel(state.run)} step ${state.stepNo} ${name} (${page.url()}): page is ${layout.scrollWidth}px wide ` +
      `in a ${layout.clientWidth}px viewport (horizontal overflow): ${layout.wide.join(', ')}`,
    );
  }
  log(`step ${String(state.stepNo).padStart(2, '0')} ${name}: ok (${file.replace(HERE + '/', 'e2e/')})`);
}

export async function expectText(locator, text, what) {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: TIMEOUT });
  } catch {
    const seen = (await locator.allInnerTexts().catch(() => [])).join(' | ').slice(0, 400);
    throw new CheckFailed(`${what}: expected to see “${text}”, saw: ${seen || '(nothing)'}`);
  }
}

export async function mainText(page) {
  return (await page.locator('main').first().innerText()).replace(/\s+/g, ' ');
}

/** Click a visible link (menu on desktop, tab bar on the phone) or fall back to the address. */
export async function openByLink(page, href) {
  const link = page.locator(`a[href="${href}"]:visible`).first();
  if (await link.count()) {
    await Promise.all([page.waitForURL((u) => u.pathname === href, { timeout: TIMEOUT }), link.click()]);
  } else {
    await page.goto(BASE_URL + href);
  }
}

export async function submit(page, button) {
  await Promise.all([page.waitForEvent('framenavigated', { timeout: TIMEOUT }), button.click()]);
  await page.waitForLoadState('load');
}

/**
 * A browser context for one run (its viewport, zh-CN, Beijing time) whose pages report
 * console errors, page errors and unexpected HTTP ≥ 400 as warnings. `extra` adds context
 * options (e.g. geolocation); `label` names the user in the warnings.
 */
export async function newContext(browser, run, extra = {}, label = '') {
  const ctx = await browser.newContext({
    viewport: { width: run.width, height: run.height },
    isMobile: run.mobile,
    hasTouch: run.mobile,
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...extra,
  });
  ctx.setDefaultTimeout(TIMEOUT);
  const who = label ? ` ${label}` : '';
  ctx.on('page', (page) => {
    const path = () => { try { return new URL(page.url()).pathname; } catch { return page.url(); } };
    page.on('console', (m) => {
      // Failed loads are reported by the response listener with their address.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        warn(`${run.viewport}${who} ${path()}: console error: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => warn(`${run.viewport}${who} ${path()}: page error: ${e.message}`));
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (r.status() >= 400 && !expectedStatus.has(`${r.status()} ${u.pathname}`)) {
        warn(`${run.viewport}${who}: HTTP ${r.status()} from ${u.pathname}${u.search} (while on ${path()})`);
      }
    });
  });
  return ctx;
}

/** Fill the login form (already open) with `login` and the demo password. */
export async function fillLogin(page, login) {
  await page.goto(`${BASE_URL}/login`);
  await expectText(page.locator('h1'), '社区下沉工作平台', 'login page');
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill(PASSWORD);
}

/** Log `login` in through /login; fails the run when the form does not let them in. */
export async function login(page, login) {
  await fillLogin(page, login);
  await submit(page, page.getByRole('button', { name: '登录' }));
  check(!new URL(page.url()).pathname.startsWith('/login'),
    `login as ${login} failed: still on ${page.url()}: ${(await page.locator('.alert').allInnerTexts()).join(' ')}`);
}

/**
 * Launch chromium, remove this script's old screenshots (the names in OUT that `mine`
 * matches), run `journey(browser, run)` for every run, print the warnings and exit 0 when
 * every run passed. A failed run leaves a screenshot of every open page.
 */
export async function runAll(name, mine, runs, journey) {
  if (!PASSWORD) {
    console.error(`${name}: set CIVICGRID_DEMO_PASSWORD to the demo password`);
    process.exit(2);
  }
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (mine.test(f)) rmSync(join(OUT, f));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  let failed = 0;
  let passed = 0;
  try {
    for (const run of runs) {
      try {
        startRun(run);
        await journey(browser, run);
        passed += 1;
        console.log(`${name} ${runLabel(run)}: passed`);
      } catch (e) {
        failed += 1;
        const msg = e instanceof CheckFailed ? e.message : (e.stack || String(e));
        console.error(`${name} ${runLabel(run)}: FAILED after step ${state.stepNo} (${state.stepName}): ${msg}`);
        let n = 0;
        for (const ctx of browser.contexts()) {
          for (const p of ctx.pages()) {
            n += 1;
            const file = shotFile(n === 1 ? 'failed' : `failed-${n}`);
            await p.screenshot({ path: file, fullPage: true }).catch(() => {});
            console.error(`  at ${p.url()}; screenshot ${file}`);
          }
        }
      } finally {
        for (const ctx of browser.contexts()) await ctx.close().catch(() => {});
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
  console.log(`\n${name}: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
