// Drives Canopy's /ui explorer in a real headless Chromium (Debian's package, through playwright-core) against a
// running `canopy serve --demo`. Environment: CANOPY_URL, CANOPY_USER, CANOPY_PASSWORD (the demo administrator),
// UI_SCREENSHOT (where to save the final screenshot), CHROMIUM (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.CANOPY_URL;
const USER = process.env.CANOPY_USER || 'admin';
const PASSWORD = process.env.CANOPY_PASSWORD || 'canopy-demo-admin';
const SCREENSHOT = process.env.UI_SCREENSHOT || 'explorer.png';
const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';
if (!BASE) {
  console.error('CANOPY_URL is not set (tests/ui/run sets it)');
  process.exit(2);
}

// From fixtures/demo: two customers have "lakeside" in their name, and no other does.
const FILTER = 'lakeside';
const EXPECTED = ['Lakeside Legal LLP', 'Lakeside Legal – Boston office'];

const browser = await chromium.launch({ executablePath: EXECUTABLE, headless: true });
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const page = await context.newPage();
page.setDefaultTimeout(15_000);
const problems = [];
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('console', (m) => {
  if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console error: ${m.text()} (${m.location().url})`);
});

let passed = 0;
let failed = 0;
async function step(name, body) {
  const t0 = Date.now();
  try {
    await body();
    passed++;
    console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`  FAIL ${name}\n${String(e && e.stack ? e.stack : e).replace(/^/gm, '       ')}`);
    throw e;
  }
}

/** Runs the open operation and waits for its answer (the page clears the last one when a run starts). */
async function runOperation() {
  await page.click('#run');
  await page.waitForSelector('#answer[data-state="done"]');
}

const tableRows = (selector) =>
  page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => Array.from(r.cells, (c) => c.textContent)));

try {
  await step('the page loads without a sign-in and lists the operations by group', async () => {
    const response = await page.goto(`${BASE}/ui`);
    assert.equal(response.status(), 200);
    const policy = response.headers()['content-security-policy'] || '';
    assert.match(policy, /default-src 'none'/);
    await page.waitForSelector('body[data-ready="1"]');
    const groups = await page.$$eval('#op-groups details.group > summary', (s) => s.map((x) => x.textContent));
    for (const group of ['Customers', 'Accounts', 'Authentication']) assert.ok(groups.includes(group), `${groups}`);
    const inCustomers = await page.$$eval('details[data-group="Customers"] li[data-op]', (l) => l.map((x) => x.dataset.op));
    assert.ok(inCustomers.includes('ListCustomers') && inCustomers.includes('PatchCustomer'), `${inCustomers}`);
  });

  await step('signing in as the demo administrator shows who is signed in', async () => {
    await page.fill('#signin-user', USER);
    await page.fill('#signin-password', PASSWORD);
    await page.click('#signin-submit');
    await page.waitForSelector('#who:visible');
    const who = await page.textContent('#who');
    assert.match(who, new RegExp(`Signed in as .*${USER}|SystemAdministrator`));
    assert.match(who, /SystemAdministrator/);
    assert.equal(await page.isVisible('#signin'), false);
  });

  await step('ListCustomers gets a form built from its metadata', async () => {
    await page.click('a[data-op="ListCustomers"]');
    await page.waitForFunction(() => document.getElementById('op-name').textContent === 'ListCustomers');
    assert.equal(await page.textContent('#op-route'), 'GET /customers');
    assert.equal(await page.getAttribute('#f-nameFilter', 'type'), 'text');
    assert.equal(await page.getAttribute('#f-shallowParent', 'type'), 'checkbox');
    assert.equal(await page.getAttribute('#f-page', 'type'), 'number');
    assert.equal(await page.getAttribute('#f-accountIds', 'data-kind'), 'list');
    const sortOrders = await page.$$eval('#f-sortOrder option', (o) => o.map((x) => x.value).filter(Boolean));
    assert.deepEqual(sortOrders, ['Ascend', 'Descend']);
  });

  await step(`a nameFilter run shows the matching customers as rows (JSON)`, async () => {
    await page.fill('#f-nameFilter', FILTER);
    await runOperation();
    await page.waitForSelector('#answer table.results-json');
    assert.match(await page.textContent('#answer-status'), /^200\b/);
    const rows = await tableRows('#answer-table table');
    const text = rows.map((r) => r.join(' | '));
    assert.equal(rows.length, EXPECTED.length, text.join('\n'));
    for (const name of EXPECTED) assert.ok(text.some((r) => r.includes(name)), `${name} in\n${text.join('\n')}`);
    assert.ok(!text.some((r) => r.includes('Riverside')), text.join('\n'));
    const pretty = JSON.parse(await page.textContent('#answer-body'));
    assert.equal(pretty.totalCount, EXPECTED.length);
  });

  await step('switching to CSV renders the answer as a table (and the screenshot is taken)', async () => {
    await page.check('#format-csv');
    await runOperation();
    await page.waitForSelector('#answer table.results-csv');
    assert.match(await page.textContent('#answer-meta'), /text\/csv/);
    const header = await page.$$eval('#answer-table table thead th', (h) => h.map((x) => x.textContent));
    assert.ok(header.includes('name') && header.includes('id'), `${header}`);
    const nameAt = header.indexOf('name');
    const rows = await tableRows('#answer-table table');
    assert.deepEqual(rows.map((r) => r[nameAt]).sort(), [...EXPECTED].sort());
    for (const row of rows) assert.equal(row.length, header.length);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  await step('copy as curl gives the same request, and running it gives the same answer', async () => {
    await page.click('#copy-curl');
    await page.waitForFunction(() => document.getElementById('copy-note').textContent !== '');
    const curl = await page.inputValue('#curl');
    assert.ok(curl.startsWith('curl '), curl);
    assert.ok(curl.includes(`'${BASE}/customers?nameFilter=${FILTER}&format=csv'`), curl);
    assert.match(curl, /-H 'Authorization: Bearer [\w.-]+'/);
    // The command as a shell runs it: the same CSV.
    const out = execFileSync('bash', ['-c', curl], { encoding: 'utf8' });
    assert.ok(out.startsWith('id,'), out);
    for (const name of EXPECTED) assert.ok(out.includes(name), out);
  });

  await step('a PATCH sends path members in the path and the rest as JSON; answers are shown as text', async () => {
    await page.check('#format-json');
    await page.click('a[data-op="PatchCustomer"]');
    await page.waitForFunction(() => document.getElementById('op-name').textContent === 'PatchCustomer');
    assert.equal(await page.textContent('#op-route'), 'PATCH /customers/{customerId}');
    const hostile = 'Boston <img src=x id=injected onerror="window.__pwned=1"> office';
    await page.fill('#f-customerId', 'cus-lakeside-boston');
    await page.fill('#f-name', hostile);
    await page.fill('#f-tagIds', 'vip, partner');
    const curl = await page.inputValue('#curl');
    assert.ok(curl.includes(`-X PATCH '${BASE}/customers/cus-lakeside-boston'`), curl);
    assert.ok(curl.includes(`"tagIds":["vip","partner"]`), curl);
    await runOperation();
    await page.waitForFunction(() => /^200\b/.test(document.getElementById('answer-status').textContent));
    const answer = JSON.parse(await page.textContent('#answer-body'));
    assert.equal(answer.name, hostile);
    assert.deepEqual(answer.tags.map((t) => t.id).sort(), ['partner', 'vip']);
    // Listed again: the name shows literally, and no element came out of it.
    await page.click('a[data-op="ListCustomers"]');
    await page.fill('#f-nameFilter', 'Boston');
    await runOperation();
    await page.waitForSelector('#answer table.results-json');
    const rows = (await tableRows('#answer-table table')).map((r) => r.join(' | '));
    assert.ok(rows.some((r) => r.includes(hostile)), rows.join('\n'));
    assert.equal(await page.$('#injected'), null);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  await step('bad input is reported before anything is sent', async () => {
    await page.click('a[data-op="GetCustomer"]');
    await page.waitForFunction(() => document.getElementById('op-name').textContent === 'GetCustomer');
    assert.match(await page.inputValue('#curl'), /^# customerId is part of the path/);
    await page.click('a[data-op="NewCustomer"]');
    await page.fill('#f-data', '{not json');
    assert.match(await page.inputValue('#curl'), /^# data: not valid JSON/);
  });

  await step('signing out forgets the token: the next run is a 401', async () => {
    await page.click('a[data-op="ListCustomers"]');
    await page.click('#signout');
    await page.waitForSelector('#signin:visible');
    assert.doesNotMatch(await page.inputValue('#curl'), /Authorization/);
    await runOperation();
    await page.waitForFunction(() => /^401\b/.test(document.getElementById('answer-status').textContent));
  });

  await step('nothing went wrong in the page (no script errors, no policy violations)', async () => {
    assert.deepEqual(problems, []);
  });
} catch (_) {
  try {
    const failure = SCREENSHOT.replace(/\.png$/, '') + '-failure.png';
    mkdirSync(dirname(failure), { recursive: true });
    await page.screenshot({ path: failure, fullPage: true });
    console.log(`  (screenshot of the failure: ${failure})`);
  } catch (_) {
    // the browser itself may be gone
  }
  if (problems.length) console.log(`  page problems:\n    ${problems.join('\n    ')}`);
} finally {
  await browser.close();
}

console.log(`ui: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
