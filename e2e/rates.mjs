// The rates' dashboards live, in a real headless Chromium at desktop size (Japanese), with the
// client certificate the office's TLS handshake requires: an operator keeps /rates open; venue
// staff check a person in from another browser session; the operator's page shows the check-in
// within seconds without reloading (static/rates.js swaps in /rates/live). Then a browser
// without JavaScript loads the page and reads the same numbers.
//
// Driven by crates/sesshu/tests/it/rates.rs, which starts the application and the office, books
// two reservations of `uni` for DAY 10:00 at the fixture venue (lane A), creates the two
// accounts, writes the browser's PKCS#12 file and runs this script once.
//
// Environment:
//   BASE_URL        the office, e.g. https://127.0.0.1:40123
//   P12_FILE        the browser's client certificate and key (PKCS#12)
//   P12_PASSWORD    its password
//   ARTIFACTS       folder for the screenshots rates-NN-<step>.png (created if missing)
//   OPERATOR_LOGIN  an operator (watches the dashboards)
//   VENUE_LOGIN     venue staff of the fixture venue (checks the person in)
//   PASSWORD        the password of both (built-in directory)
//   NUMBER          the reservation to check in (KX7M-4QP9)
//   DAY             YYYY-MM-DD: the slots' day, today on the application's clock
//   CHROMIUM        optional: the browser (default /usr/bin/chromium)
//
// Every page shown with JavaScript is checked with axe-core at phone size, and the dashboards
// once more in English through the language link (harness.mjs `checkA11y`, docs/accessibility.md).
//
// Exit code 0 on success; on failure a message naming the step, what was expected and the page
// URL, a screenshot rates-FAIL-<step>.png, and exit code 1.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { CheckFailed, required, run, fail, squash, step, expectPath, expectVisible, expectText, expectLanguage, expectHeading, checkA11y, a11yChecked } from './harness.mjs';


const BASE_URL = required('BASE_URL').replace(/\/$/, '');
const P12_FILE = required('P12_FILE');
const P12_PASSWORD = required('P12_PASSWORD');
const ARTIFACTS = required('ARTIFACTS');
const OPERATOR_LOGIN = required('OPERATOR_LOGIN');
const VENUE_LOGIN = required('VENUE_LOGIN');
const PASSWORD = required('PASSWORD');
const NUMBER = required('NUMBER');
const DAY = required('DAY');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

if (!/^[2-9A-Z]{4}-[2-9A-Z]{4}$/.test(NUMBER)) {
  console.error(`rates.mjs: NUMBER must look like KX7M-4QP9, got ${NUMBER}`);
  process.exit(2);
}
if (!/^\d{4}-\d{2}-\d{2}$/.test(DAY)) {
  console.error(`rates.mjs: DAY must be YYYY-MM-DD, got ${DAY}`);
  process.exit(2);
}

// The texts (crates/office/src/i18n/): Japanese, the browser's locale.
const T = {
  loginTitle: '事務局ログイン',
  directoryLabel: '認証先',
  builtinDirectory: 'Sesshu の事務局アカウント',
  loginField: 'ログインID',
  passwordField: 'パスワード',
  loginButton: 'ログイン',
  navRates: '接種率',
  ratesTitle: '接種率',
  ratesAll: 'すべての機関',
  checkinTitle: '受付',
  checkinLookup: 'QRコードまたは予約番号',
  checkinLookupButton: '呼び出す',
  checkinButton: '受付済みにする',
  checkinDone: '受付しました。',
};

// How long the page may take to show a change: the script asks every 5 s.
const LIVE_TIMEOUT_MS = 20_000;

let browser = null;
let page = null;
let shot = 0;
const problems = []; // failed requests, error responses, console errors: reported at the end

async function screenshot(name) {
  await expectLanguage('ja');
  if (!scriptless.has(page.context())) await checkA11y(page, `rates: ${name}`);
  shot += 1;
  const file = path.join(ARTIFACTS, `rates-${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

async function goto(pathAndQuery) {
  const response = await page.goto(BASE_URL + pathAndQuery);
  if (!response) fail(`no response for ${pathAndQuery}`);
}

/**
 * A browser profile at desktop size with the office's client certificate; with JavaScript or
 * without. `ignoreHTTPSErrors`: the office's server certificate comes from the test's CA.
 */
// Browser profiles without JavaScript: axe cannot run there (their pages are checked with it on).
const scriptless = new WeakSet();

async function newContext({ javaScript = true } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    ignoreHTTPSErrors: true,
    javaScriptEnabled: javaScript,
    clientCertificates: [{ origin: BASE_URL, pfxPath: P12_FILE, passphrase: P12_PASSWORD }],
  });
  if (!javaScript) scriptless.add(context);
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const favicon = (url) => new URL(url, BASE_URL).pathname === '/favicon.ico';
  context.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  context.on('response', (r) => {
    if (r.status() >= 400 && !favicon(r.url())) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  context.on('console', (m) => {
    if (m.type() === 'error' && !favicon(m.location()?.url || BASE_URL)) problems.push(`console error on ${m.location()?.url ?? '?'}: ${m.text()}`);
  });
  context.on('weberror', (e) => problems.push(`page error: ${e.error()}`));
  return context;
}

async function logIn(context, login) {
  page = run.page = await context.newPage();
  await goto('/');
  await expectPath(/^\/login$/, 'the login page (not signed in yet)');
  await expectHeading(T.loginTitle);
  await page.getByLabel(T.directoryLabel).selectOption({ label: T.builtinDirectory });
  await page.getByLabel(T.loginField, { exact: true }).fill(login);
  await page.getByLabel(T.passwordField, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: T.loginButton, exact: true }).click();
}

/** The cell of the first slot's row in the column headed `title`, on `on` (a page). */
async function slotCell(on, title) {
  const table = on.locator('#rates-slots-table');
  const headers = (await table.locator('thead th').allTextContents()).map(squash);
  const column = headers.indexOf(title);
  if (column < 0) fail(`expected a column "${title}" in the slots' table, found: ${headers.join(', ')}`);
  return table.locator('tbody tr').first().locator('th, td').nth(column);
}

const CHECKED_IN = '受付済み';

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const f of fs.readdirSync(ARTIFACTS)) {
    if (f.startsWith('rates-') && f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, f));
  }
  const started = Date.now();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  let ok = false;
  try {
    const watching = await newContext();
    let dashboard = null;
    await step('operator: the dashboards from the menu', async () => {
      await logIn(watching, OPERATOR_LOGIN);
      await expectPath(/^\/$/, 'the home page after logging in');
      await page.locator('header nav').getByRole('link', { name: T.navRates, exact: true }).click();
      await expectPath(/^\/rates$/, 'the dashboards');
      await expectHeading(`${T.ratesTitle}：${T.ratesAll}`);
      await expectText(page.locator('#rates-slots-title'), new RegExp(`${DAY}$`), "the slots' heading with today");
      await expectText(await slotCell(page, CHECKED_IN), '0', 'checked in before the desk does it');
      // Marks this document: a reload would lose it.
      await page.evaluate(() => {
        window.ratesMarker = 'the same page';
      });
      await expectVisible(page.locator('#rates-chart-slots rect.bar'), "the slots' chart");
      dashboard = page;
      await screenshot('dashboard-before');
    });

    const desk = await newContext();
    await step('venue staff: check the person in, in another session', async () => {
      await logIn(desk, VENUE_LOGIN);
      await expectPath(/^\/checkin$/, 'the check-in page after logging in');
      await page.getByLabel(T.checkinLookup, { exact: true }).fill(NUMBER);
      await page.getByRole('button', { name: T.checkinLookupButton, exact: true }).click();
      await expectPath(new RegExp(`^/checkin/${NUMBER}$`), 'the check-in page of the reservation');
      await page.getByRole('button', { name: new RegExp(T.checkinButton) }).click();
      await expectPath(new RegExp(`^/checkin/${NUMBER}\\?done=now$`), 'the check-in page after checking in');
      await expectText(page.getByRole('status'), T.checkinDone, 'the outcome notice');
      await screenshot('checked-in');
    });

    await step('operator: the page shows the check-in by itself', async () => {
      page = run.page = dashboard;
      await dashboard.bringToFront();
      try {
        await dashboard.waitForFunction(
          (column) => {
            const table = document.getElementById('rates-slots-table');
            if (!table) return false;
            const titles = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
            const row = table.querySelector('tbody tr');
            const cells = row ? [...row.querySelectorAll('th, td')] : [];
            return cells[titles.indexOf(column)]?.textContent.trim() === '1';
          },
          CHECKED_IN,
          { timeout: LIVE_TIMEOUT_MS, polling: 250 },
        );
      } catch {
        fail(`expected "${CHECKED_IN}" of the first slot to become 1 within ${LIVE_TIMEOUT_MS / 1000} s without reloading`);
      }
      const same = await dashboard.evaluate(() => window.ratesMarker);
      if (same !== 'the same page') fail('the page was reloaded (its marker is gone): the update must come without reloading');
      const navigations = await dashboard.evaluate(() => performance.getEntriesByType('navigation').length);
      if (navigations !== 1) fail(`expected one navigation, found ${navigations}`);
      await expectText(page.locator('#rates-days-table tbody tr').first().locator('td').nth(4), '1', 'the day\'s checked in, updated too');
      await screenshot('dashboard-after');
    });

    await step('without JavaScript: the page shows the same when loaded', async () => {
      const plain = await newContext({ javaScript: false });
      await logIn(plain, OPERATOR_LOGIN);
      await expectPath(/^\/$/, 'the home page after logging in');
      await goto(`/rates?day=${DAY}`);
      await expectText(await slotCell(page, CHECKED_IN), '1', 'checked in, read when the page loads');
      await screenshot('without-javascript');
      await plain.close();
    });

    await step('the dashboards in English, through the language link', async () => {
      page = run.page = dashboard;
      await page.locator('header').getByRole('link', { name: 'English', exact: true }).click();
      await expectPath(/^\/rates$/, 'the dashboards again after switching language');
      await expectLanguage('en');
      await expectVisible(page.locator('#rates-chart-slots rect.bar'), "the slots' chart");
      await checkA11y(page, 'rates: dashboard');
    });

    run.step = 'no failed requests, error responses or console errors';
    if (problems.length) fail(problems.join('\n  '));
    ok = true;
    console.log(`rates.mjs: ok in ${((Date.now() - started) / 1000).toFixed(1)} s; ${a11yChecked.length} pages without accessibility violations; screenshots in ${ARTIFACTS}`);
  } catch (error) {
    const url = page ? page.url() : '(no page)';
    const what = error instanceof CheckFailed ? error.message : error?.stack || String(error);
    console.error(`rates.mjs: FAILED at step "${run.step}":\n  ${what}\n  page URL: ${url}`);
    if (problems.length) console.error(`  also seen:\n  ${problems.join('\n  ')}`);
    if (page) {
      const file = path.join(ARTIFACTS, `rates-FAIL-${run.step.replace(/[^A-Za-z0-9-]+/g, '-')}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
        console.error(`  screenshot: ${file}`);
      } catch {
        // The page may be gone; the message above is what matters.
      }
    }
  } finally {
    await browser.close();
  }
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(`rates.mjs: FAILED before the browser ran: ${error?.stack || error}`);
  process.exit(1);
});
