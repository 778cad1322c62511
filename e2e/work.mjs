// Browser journeys for civicgrid's community work: orders (点单→派单→接单→完成→评价) and
// activities (发布→报名→候补→递补→签到→审核), each user logged in through /login in a
// browser context of their own. Same style and helpers as journey.mjs (see lib.mjs).
//
//   BASE_URL=http://127.0.0.1:8080 CIVICGRID_DEMO_PASSWORD=... node work.mjs
//
// The server must already run with the demo city (`civicgrid demo`); e2e/run.sh starts one
// and runs this after journey.mjs. Four runs: orders and activities, each as a phone
// (390×844) and as a desktop (1280×800), with descriptions and titles that name the
// viewport and the time, so the script can run again against the same database.
// Screenshots: e2e/out/work-<journey>-<viewport>-<nn>-<step>.png (and …-failed.png).
// E2E_WORK=orders (or activities) runs one of the two. The activities journey waits about
// a minute and a half per viewport for its activity to start.
//
// Orders: `personnel` states in 我的 the skill 医疗 and Saturdays 09:00–21:00; `resident`
// orders 健康义诊 for next Saturday 19:00–21:00; `cadre` finds the order on /dispatch and
// dispatches it to `personnel` from the recommendation cards (with a reason when the card
// asks for one); `personnel` sees the notice, accepts, reports 90 minutes; `resident`
// confirms with 5 stars; `personnel`'s time coins rose by exactly 90 minutes and their
// points rose. (Why not Saturday 09:00–11:00: every demo person is free on Saturdays
// 09:00–17:00, dozens of them in the community have 医疗 and no task this month, and the
// dispatch page offers only the ten best, so the demo `personnel` — who already carries two
// tasks this month — would never be offered. Nobody else is free on Saturday evenings.)
//
// Activities: `cadre` publishes one seat, starting 1–2 minutes later (withdrawing is only
// allowed before the start and before checking in, reviewing attendance only after it;
// check-in opens 30 minutes before it), with a 300 m circle; `personnel` takes the seat, `personnel2` is
// waitlisted, `personnel` withdraws and `personnel2` is promoted (notice and seat);
// `personnel2` checks in with the browser's position (a context with geolocation
// granted); once the activity has run a minute `cadre` approves the attendance in
// /attendance/review (credited: the minutes served so far); `personnel2`'s time coins rose.

import {
  BASE_URL, VIEWPORTS, CheckFailed, check, log, shot, expectText, mainText,
  openByLink, submit, newContext, login, runAll,
} from './lib.mjs';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BEIJING = 8 * HOUR;
// The fence of the activity and the position the check-in reports (about 14 m apart).
const CENTRE = { lon: '114.3050', lat: '30.5930' };
const HERE_ON_SITE = { longitude: 114.3051, latitude: 30.5931, accuracy: 20 };

const JOURNEYS = { orders: ordersJourney, activities: activitiesJourney };
const ONLY = (process.env.E2E_WORK || 'orders,activities').split(',').map((j) => j.trim());
const RUNS = [];
for (const v of VIEWPORTS) {
  for (const j of ONLY) {
    if (!JOURNEYS[j]) {
      console.error(`work: E2E_WORK lists journeys out of orders,activities (got ${process.env.E2E_WORK})`);
      process.exit(2);
    }
    RUNS.push({ ...v, journey: j, label: `${j} ${v.viewport}`, file: `work-${j}-${v.viewport}` });
  }
}

/** `YYYY-MM-DDTHH:MM` in Beijing time (what the datetime-local fields take). */
function beijing(ms) {
  return new Date(ms + BEIJING).toISOString().slice(0, 16);
}

/** The next Saturday at least a day away, as `YYYY-MM-DD` (Beijing). */
function nextSaturday() {
  let t = Date.now() + DAY;
  while (new Date(t + BEIJING).getUTCDay() !== 6) t += DAY;
  return beijing(t).slice(0, 10);
}

/** Minutes in a figure like "1 小时 30 分钟", "45 分钟", "0 分钟" (thousands with commas). */
function minutesOf(text) {
  const t = text.replace(/[,，\s]/g, '');
  const h = t.match(/(\d+)小时/);
  const m = t.match(/(\d+)分钟/);
  check(h || m, `cannot read a duration in “${text}”`);
  const minutes = (h ? Number(h[1]) * 60 : 0) + (m ? Number(m[1]) : 0);
  return t.startsWith('-') ? -minutes : minutes;
}

/** Points in a figure like "12.50 分". */
function pointsOf(text) {
  const m = text.replace(/[,，\s]/g, '').match(/(-?\d+(?:\.\d+)?)分/);
  check(m, `cannot read points in “${text}”`);
  return Number(m[1]);
}

/** A user logged in through /login in a context of their own; `name` from the top bar. */
async function user(browser, run, loginName, extra = {}) {
  const ctx = await newContext(browser, run, extra, loginName);
  const page = await ctx.newPage();
  // Forms marked data-confirm (取消报名) ask first: the user agrees.
  page.on('dialog', (d) => d.accept().catch(() => {}));
  await login(page, loginName);
  const name = (await page.locator('header .who').innerText()).trim();
  check(name, `${loginName}: no name in the top bar (.who)`);
  log(`${loginName} is ${name}`);
  return { page, name, login: loginName };
}

/** The two figures of /bank: 时间币余额 in minutes and 积分. */
async function bank(page) {
  await openByLink(page, '/bank');
  const nums = page.locator('main .figure .num');
  await nums.first().waitFor({ state: 'visible' });
  const [time, points] = await nums.allInnerTexts();
  check(time !== undefined && points !== undefined, `/bank shows ${await nums.count()} figures, expected 2`);
  return { minutes: minutesOf(time), points: pointsOf(points), text: `${time.trim()}，${points.trim()}` };
}

/** Open the inbox and the first message whose title and body contain `title` and `body`. */
async function openNotice(page, title, body, what) {
  await openByLink(page, '/inbox');
  const cell = page.locator('main .cells.inbox button.cell').filter({ hasText: title }).filter({ hasText: body });
  try {
    await cell.first().waitFor({ state: 'visible' });
  } catch {
    throw new CheckFailed(`${what}: no message “${title}” / “${body}” in 消息: ${(await mainText(page)).slice(0, 600)}`);
  }
  return cell.first();
}

async function expectToast(page, text, what) {
  await expectText(page.locator('main .toast'), text, what);
}

async function ordersJourney(browser, run) {
  const stamp = beijing(Date.now()).slice(5).replace('T', ' ');
  const description = `e2e ${run.viewport} ${stamp}：老人想量血压，问问平时用药`;
  const saturday = nextSaturday();

  const resident = await user(browser, run, 'resident');
  const cadre = await user(browser, run, 'cadre');
  const personnel = await user(browser, run, 'personnel');

  // 0. The sent-down person states what they can do and when: 医疗, Saturdays 09:00–21:00.
  {
    const p = personnel.page;
    await openByLink(p, '/me');
    const medical = p.locator('form[action="/me/profile"] .checks label').filter({ hasText: /^\s*医疗\s*$/ }).locator('input');
    check(await medical.count() === 1, `/me: ${await medical.count()} checkboxes named 医疗 among the skills`);
    await medical.check();
    await p.locator('input[name=d6_on]').check();
    await p.locator('input[name=d6_start]').fill('09:00');
    await p.locator('input[name=d6_end]').fill('21:00');
    await shot(p, 'personnel-profile');
    await submit(p, p.locator('form[action="/me/profile"] button[type=submit]'));
    check(await p.locator('main .alert, main .err').count() === 0,
      `saving the profile failed: ${(await p.locator('main .alert, main .err').allInnerTexts()).join(' ')}`);
    check(await p.locator('form[action="/me/profile"] .checks label').filter({ hasText: /^\s*医疗\s*$/ }).locator('input').isChecked(),
      '/me: 医疗 is not checked after saving');
  }

  // 1. The resident orders 健康义诊 for next Saturday evening.
  const r = resident.page;
  await openByLink(r, '/orders/new');
  await r.locator('label.tile', { has: r.locator('input[name=category][value=health]') }).click();
  check(await r.locator('input[name=category][value=health]').isChecked(), '健康义诊 is not selected after clicking it');
  await r.locator('textarea[name=description]').fill(description);
  await r.locator('input[name=place]').fill('滨江社区 3 栋 2 单元 502');
  await r.locator('input[name=wanted_from]').fill(`${saturday}T19:00`);
  await r.locator('input[name=wanted_to]').fill(`${saturday}T21:00`);
  await shot(r, 'order-form');
  await submit(r, r.getByRole('button', { name: '提交需求' }));
  const m = new URL(r.url()).pathname.match(/^\/orders\/(\d+)$/);
  check(m, `placing the order did not lead to its page: ${r.url()}: ${(await r.locator('main .alert, main .err').allInnerTexts()).join(' ')}`);
  const orderId = m[1];
  await expectText(r.locator('main .order-state .badge'), '待派单', 'new order state');
  await expectText(r.locator('main .lead'), description, 'new order description');
  await shot(r, 'order-placed');

  // 2. The cadre dispatches it to the demo personnel from the recommendations.
  const c = cadre.page;
  await openByLink(c, '/dispatch');
  const row = c.locator('main .cells .cell').filter({ hasText: description });
  await expectText(row, description, 'the new order on /dispatch');
  await shot(c, 'dispatch-board');
  await Promise.all([
    c.waitForURL((u) => u.pathname === `/orders/${orderId}/dispatch`),
    row.locator(`a[href="/orders/${orderId}/dispatch"]`).click(),
  ]);
  const cards = c.locator('main form.rec');
  await cards.first().waitFor({ state: 'visible' });
  const card = cards.filter({ has: c.locator('h3.rec-name', { hasText: personnel.name }) });
  if (await card.count() !== 1) {
    const names = (await c.locator('main form.rec h3.rec-name').allInnerTexts()).join('、');
    throw new CheckFailed(`dispatch page of order ${orderId}: ${await card.count()} cards for ${personnel.name} (personnel); cards: ${names}`);
  }
  const reasons = (await card.locator('ul.reasons li').allInnerTexts()).map((t) => t.trim());
  check(reasons.length > 0, `the card of ${personnel.name} gives no reasons`);
  log(`recommendation of ${personnel.name}: ${reasons.join('；')}`);
  check(reasons.some((t) => t.includes('医疗')), `the card of ${personnel.name} does not mention the skill 医疗: ${reasons.join('；')}`);
  await card.scrollIntoViewIfNeeded();
  await shot(c, 'dispatch-card');
  const flagged = await card.evaluate((f) => f.classList.contains('flagged'));
  if (flagged) {
    await card.locator('textarea[name=reason]').fill('e2e：本人主动要求承接，已电话确认');
    log(`${personnel.name} needs a reason: ${(await card.locator('.warn').innerText()).trim()}`);
  }
  await submit(c, card.getByRole('button', { name: `派给 ${personnel.name}` }));
  await expectToast(c, `已派单给 ${personnel.name}`, 'toast after dispatching');
  check(new URL(c.url()).pathname === '/dispatch', `after dispatching: on ${c.url()}, expected /dispatch`);
  await shot(c, 'dispatched');

  // 3. The person notes their figures, sees the notice, accepts and reports 90 minutes.
  const p = personnel.page;
  const before = await bank(p);
  log(`${personnel.name} before: ${before.text}`);
  await shot(p, 'bank-before');
  const notice = await openNotice(p, '新派单：健康义诊', description, 'dispatch notice');
  await shot(p, 'inbox-dispatch');
  await Promise.all([p.waitForURL((u) => u.pathname === `/orders/${orderId}`), notice.click()]);
  await expectText(p.locator('main .order-state .badge'), '待接单', 'order state for the person');
  await submit(p, p.locator('#accept').getByRole('button', { name: '接单' }));
  await expectToast(p, '已接单', 'toast after accepting');
  await expectText(p.locator('main .order-state .badge'), '服务中', 'order state after accepting');
  await p.locator('#finish input[name=minutes]').fill('90');
  await p.locator('#finish textarea[name=note]').fill('已量血压 135/85，建议下周复查，按时服药');
  await shot(p, 'finish-form');
  await submit(p, p.getByRole('button', { name: '提交完成情况' }));
  await expectToast(p, '已提交', 'toast after finishing');
  await expectText(p.locator('main .order-state .badge'), '待确认', 'order state after finishing');
  await shot(p, 'finished');

  // 4. The resident confirms with 5 stars.
  await r.goto(`${BASE_URL}/orders/${orderId}`);
  await expectText(r.locator('main dl.kv dd'), '已量血压', 'the note on the resident’s order page');
  await r.locator('#confirm label[for="confirm-r5"]').click();
  check(await r.locator('#confirm input[name=rating][value="5"]').isChecked(), '5 stars are not selected after clicking the fifth star');
  await r.locator('#confirm textarea[name=comment]').fill('很耐心，讲得很清楚');
  await shot(r, 'confirm-form');
  await submit(r, r.getByRole('button', { name: '确认完成并评价' }));
  await expectToast(r, '已确认完成', 'toast after confirming');
  await expectText(r.locator('main .order-state .badge'), '已完成', 'order state after confirming');
  await shot(r, 'confirmed');

  // 5. The person's time coins rose by 1.5 h, their points rose.
  const after = await bank(p);
  log(`${personnel.name} after: ${after.text}`);
  await shot(p, 'bank-after');
  check(after.minutes - before.minutes === 90,
    `time coins of ${personnel.name} went from ${before.text} to ${after.text}: +${after.minutes - before.minutes} minutes, expected +90`);
  check(after.points > before.points, `points of ${personnel.name} did not rise: ${before.text} → ${after.text}`);
}

async function activitiesJourney(browser, run) {
  const stamp = beijing(Date.now()).slice(5).replace('T', ' ');
  const title = `e2e 楼道清理 ${run.viewport} ${stamp}`;

  const cadre = await user(browser, run, 'cadre');
  const p1 = await user(browser, run, 'personnel');
  // The phone at the activity: the position is granted and known.
  const p2 = await user(browser, run, 'personnel2', { permissions: ['geolocation'], geolocation: HERE_ON_SITE });
  const coinsBefore = await bank(p2.page);
  log(`${p2.name} before: ${coinsBefore.text}`);

  // 6. The cadre publishes an activity with one seat.
  const c = cadre.page;
  await openByLink(c, '/activities');
  await Promise.all([
    c.waitForURL((u) => u.pathname === '/activities/new'),
    c.locator('main a[href="/activities/new"]').first().click(),
  ]);
  await c.locator('label.choice', { hasText: '参加志愿服务' }).click();
  check(await c.locator('input[name=duty_kind][value="duty.volunteer"]').isChecked(), '参加志愿服务 is not selected');
  await c.locator('input[name=title]').fill(title);
  await c.locator('textarea[name=description]').fill('清理楼道杂物，请带手套。');
  // The start: the first whole minute at least a minute away.
  const startsAt = Math.ceil((Date.now() + 60_000) / 60_000) * 60_000;
  await c.locator('input[name=starts_at]').fill(beijing(startsAt));
  await c.locator('input[name=ends_at]').fill(beijing(startsAt + 2 * HOUR));
  await c.locator('input[name=place]').fill('滨江社区 3 栋楼下');
  await c.locator('input[name=fence][value=circle]').check();
  await c.locator('input[name=lon]').fill(CENTRE.lon);
  await c.locator('input[name=lat]').fill(CENTRE.lat);
  await c.locator('select[name=crs]').selectOption('wgs84');
  await c.locator('input[name=radius_m]').fill('300');
  await c.locator('input[name=capacity]').fill('1');
  await shot(c, 'activity-form');
  await submit(c, c.getByRole('button', { name: '发布活动' }));
  const m = new URL(c.url()).pathname.match(/^\/activities\/(\d+)$/);
  check(m, `publishing did not lead to the activity: ${c.url()}: ${(await c.locator('main .alert, main .err').allInnerTexts()).join(' ')}`);
  const activityId = m[1];
  const activityPath = `/activities/${activityId}`;
  await expectToast(c, '已发布活动', 'toast after publishing');
  await expectText(c.locator('main .act-title'), title, 'activity title');
  await shot(c, 'activity-published');

  // 7. personnel takes the seat, personnel2 is waitlisted, personnel withdraws and
  // personnel2 moves up.
  const a = p1.page;
  await openByLink(a, '/activities');
  const link = a.locator(`main a[href="${activityPath}"]`);
  await expectText(link, title, 'the new activity in personnel’s list');
  await Promise.all([a.waitForURL((u) => u.pathname === activityPath), link.first().click()]);
  await submit(a, a.locator(`form[action="${activityPath}/signup"] button`).filter({ hasText: '报名参加' }));
  await expectToast(a, '报名成功', 'toast after personnel signs up');
  await expectText(a.locator('main .order-state'), '您已获得名额', 'personnel holds the seat');
  await shot(a, 'signed-up');

  const b = p2.page;
  await b.goto(BASE_URL + activityPath);
  await submit(b, b.locator(`form[action="${activityPath}/signup"] button`).filter({ hasText: '报名' }));
  await expectToast(b, '候补第 1 位', 'toast after personnel2 signs up');
  await expectText(b.locator('main .order-state .badge'), '候补第 1 位', 'personnel2 waitlisted');
  await shot(b, 'waitlisted');

  await a.reload();
  await submit(a, a.getByRole('button', { name: '取消报名' }));
  await expectToast(a, '已取消报名', 'toast after personnel withdraws');
  check(await a.locator(`form[action="${activityPath}/signup"]`).count() === 1,
    'after withdrawing, personnel is not offered to sign up again');
  await shot(a, 'withdrawn');

  const promoted = await openNotice(b, '候补成功', title, 'promotion notice');
  await shot(b, 'inbox-promoted');
  await Promise.all([b.waitForURL((u) => u.pathname === activityPath), promoted.click()]);
  await expectText(b.locator('main .order-state'), '您已获得名额', 'personnel2 holds the seat after the promotion');
  await shot(b, 'promoted');

  // 8. personnel2 checks in with the position the browser gives.
  const geoButton = b.getByRole('button', { name: '获取位置并签到' });
  await geoButton.waitFor({ state: 'visible' });
  await submit(b, geoButton);
  await expectToast(b, '签到成功', 'toast after checking in');
  await shot(b, 'checked-in');

  // 9. Once the activity has run a minute, the cadre approves the attendance (while it
  // runs, an approval credits only the minutes served so far).
  const wait = startsAt + 62_000 - Date.now();
  if (wait > 0) {
    log(`waiting ${Math.ceil(wait / 1000)} s for the activity to have run a minute (attendance is reviewed after the start)`);
    await c.waitForTimeout(wait);
  }
  await c.goto(BASE_URL + activityPath);
  await Promise.all([
    c.waitForURL((u) => u.pathname === '/attendance/review'),
    c.locator('main a[href="/attendance/review"]').first().click(),
  ]);
  const item = c.locator('main article.review')
    .filter({ has: c.locator(`a[href="${activityPath}"]`) })
    .filter({ has: c.locator('h3.review-who', { hasText: p2.name }) });
  try {
    await item.first().waitFor({ state: 'visible' });
  } catch {
    throw new CheckFailed(`/attendance/review has no item of ${p2.name} for activity ${activityId}: ${(await mainText(c)).slice(0, 600)}`);
  }
  check(await item.count() === 1, `/attendance/review lists ${await item.count()} items of ${p2.name} for activity ${activityId}`);
  await item.scrollIntoViewIfNeeded();
  await shot(c, 'review-item');
  // “通过”, or “通过（核定 N 分钟）” while the activity still runs.
  const approve = item.getByRole('button', { name: /^通过(（核定 \d+ 分钟）)?$/ });
  if (await approve.count()) {
    await submit(c, approve);
  } else {
    log('claimed 0 minutes: adjusting to 60');
    await item.locator('input[name=minutes]').fill('60');
    await item.locator('form:has(input[name=form][value=adjust]) input[name=reason]').fill('e2e：签到后随即签退，按实际 60 分钟');
    await submit(c, item.getByRole('button', { name: '调整时长并通过' }));
  }
  await expectToast(c, '已通过', 'toast after approving');
  check(await c.locator('main article.review').filter({ has: c.locator(`a[href="${activityPath}"]`) }).count() === 0,
    'the approved attendance is still in the review queue');
  await shot(c, 'approved');

  // 10. personnel2's time coins rose.
  const coinsAfter = await bank(p2.page);
  log(`${p2.name} after: ${coinsAfter.text}`);
  await shot(p2.page, 'bank-after');
  check(coinsAfter.minutes > coinsBefore.minutes,
    `time coins of ${p2.name} did not rise: ${coinsBefore.text} → ${coinsAfter.text}`);
}

runAll('work', /^work-.*\.png$/, RUNS, (browser, run) => JOURNEYS[run.journey](browser, run)).catch((e) => {
  console.error(`work: ${e.stack || e}`);
  process.exit(1);
});
