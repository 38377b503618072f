// The back-office journey in a real headless Chromium, at desktop size, in one language,
// with the client certificate the office's TLS handshake requires.
//
// Driven by crates/sesshu/tests/it/office_browser.rs, which starts the application and the
// office, books a reservation of the institution `staffonly` for today at the fixture venue,
// creates the three accounts, writes the browser's PKCS#12 file and runs this script once.
//
// Environment:
//   BASE_URL        the office, e.g. https://127.0.0.1:40123
//   UI_LANG         ja | en (the browser's locale, so the office picks it from Accept-Language)
//   P12_FILE        the browser's client certificate and key (PKCS#12)
//   P12_PASSWORD    its password
//   ARTIFACTS       folder for the screenshots office-<UI_LANG>-NN-<step>.png (created if missing)
//   STAFF_LOGIN     institution staff of the reservation's institution
//   VENUE_LOGIN     venue staff of the reservation's venue
//   ADMIN_LOGIN     a system administrator
//   PASSWORD        the password of those three (built-in directory)
//   NUMBER          the reservation number as the office writes it (KX7M-4QP9)
//   PERSON_NAME     the person's name in kanji
//   PERSON_ROMAN    the person's name in roman letters
//   PERSON_MAIL     the person's mail address
//   FIRST_DOSE      "YYYY-MM-DD HH:MM" (Tokyo): the first dose, today at the venue
//   NOW             "YYYY-MM-DD HH:MM" (Tokyo): the application clock, the check-in time
//   MOVE_TO         "YYYY-MM-DD HH:MM" (Tokyo): the free time the staff move the reservation to
//   LANE            the name of a lane of the venue (in UI_LANG), for the slot generator
//   NEW_LOGIN       the operator account the system administrator adds
//   NEW_PASSWORD    its password (12 characters or more)
//   CHROMIUM        optional: the browser (default /usr/bin/chromium)
//
// Every page shown is checked with axe-core at phone size (harness.mjs `checkA11y`); at the end
// the operator account the system administrator added opens every page of its menu, and a 404,
// for the same check (docs/accessibility.md).
//
// Exit code 0 on success; on failure a message naming the step, what was expected and the
// page URL, a screenshot office-<UI_LANG>-FAIL-<step>.png, and exit code 1.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { CheckFailed, required, run, fail, squash, escapeRegExp, step, expectPath, expectVisible, expectText, expectAbsent, expectLanguage, expectHeading, countsCell, checkA11y, a11yChecked } from './harness.mjs';

// ------------------------------------------------------------------ inputs


const BASE_URL = required('BASE_URL').replace(/\/$/, '');
const UI_LANG = required('UI_LANG');
const P12_FILE = required('P12_FILE');
const P12_PASSWORD = required('P12_PASSWORD');
const ARTIFACTS = required('ARTIFACTS');
const STAFF_LOGIN = required('STAFF_LOGIN');
const VENUE_LOGIN = required('VENUE_LOGIN');
const ADMIN_LOGIN = required('ADMIN_LOGIN');
const PASSWORD = required('PASSWORD');
const NUMBER = required('NUMBER');
const PERSON_NAME = required('PERSON_NAME');
const PERSON_ROMAN = required('PERSON_ROMAN');
const PERSON_MAIL = required('PERSON_MAIL');
const FIRST_DOSE = required('FIRST_DOSE');
const NOW = required('NOW');
const MOVE_TO = required('MOVE_TO');
const LANE = required('LANE');
const NEW_LOGIN = required('NEW_LOGIN');
const NEW_PASSWORD = required('NEW_PASSWORD');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

if (!['ja', 'en'].includes(UI_LANG)) {
  console.error(`office.mjs: UI_LANG must be ja or en, got ${UI_LANG}`);
  process.exit(2);
}
if (!/^[2-9A-Z]{4}-[2-9A-Z]{4}$/.test(NUMBER)) {
  console.error(`office.mjs: NUMBER must look like KX7M-4QP9, got ${NUMBER}`);
  process.exit(2);
}
if ([...NEW_PASSWORD].length < 12) {
  console.error('office.mjs: NEW_PASSWORD must have 12 characters or more');
  process.exit(2);
}

// ------------------------------------------------------------------ texts (crates/office/src/i18n/)

const TEXTS = {
  ja: {
    locale: 'ja-JP',
    otherLanguage: 'English',
    loginTitle: '事務局ログイン',
    directoryLabel: '認証先',
    builtinDirectory: 'Sesshu の事務局アカウント',
    loginField: 'ログインID',
    passwordField: 'パスワード',
    loginButton: 'ログイン',
    logoutButton: 'ログアウト',
    loggedOut: 'ログアウトしました。',
    signedInAs: 'ログイン中',
    roleSystemAdmin: 'システム管理者',
    roleOperator: '運用スタッフ',
    roleInstitutionStaff: '機関担当者',
    roleVenueStaff: '会場スタッフ',
    navReservations: '予約検索',
    navAudit: '監査ログ',
    navAdmins: '管理者アカウント',
    navFixes: '一括修正',
    notFoundTitle: '見つかりません',
    homeTitle: '概要',
    scopeAll: '全機関',
    countActive: '有効な予約',
    auditTitle: '監査ログ',
    auditAction: '操作',
    auditVerify: 'チェーンを検証する',
    auditIntact: '件の記録を検証しました。チェーンは完全です。',
    adminsTitle: '管理者アカウント',
    adminLogin: 'ログインID',
    adminDirectory: '認証先',
    adminRole: '役割',
    adminCreate: '追加する',
    adminCreated: 'アカウントを追加しました。',
    reservationsTitle: '予約検索',
    searchButton: '検索',
    reservationNumber: '予約番号',
    reservationState: '状態',
    stateBooked: '予約中',
    nameKanji: '氏名',
    nameKana: 'フリガナ',
    nameRoman: 'ローマ字氏名',
    mail: 'メールアドレス',
    notGiven: '（未登録）',
    auditedView: 'この表示は監査ログに記録されました。',
    checkinTitle: '受付',
    checkinLookup: 'QRコードまたは予約番号',
    checkinLookupButton: '呼び出す',
    checkinButton: '受付済みにする',
    checkinDone: '受付しました。',
    navLists: '接種者リスト',
    listShow: '表示',
    listCsv: 'CSV（UTF-8）',
    navSlots: '予約枠登録',
    slotsTitle: '予約枠の一括登録',
    slotsPreview: '確認する',
    slotsCreate: 'この内容で登録する',
    slotsCreated: '件の予約枠を登録しました。',
    moveTitle: '予約の変更（事務局）',
    reason: '理由',
    moveButton: 'この日時に変更する',
    moved: '予約を変更しました。本人に変更のメールを送ります。',
  },
  en: {
    locale: 'en-US',
    otherLanguage: '日本語',
    loginTitle: 'Back office login',
    directoryLabel: 'Log in with',
    builtinDirectory: 'Sesshu back-office account',
    loginField: 'Login ID',
    passwordField: 'Password',
    loginButton: 'Log in',
    logoutButton: 'Log out',
    loggedOut: 'You have logged out.',
    signedInAs: 'Signed in',
    roleSystemAdmin: 'System administrator',
    roleOperator: 'Operator staff',
    roleInstitutionStaff: 'Institution staff',
    roleVenueStaff: 'Venue staff',
    navReservations: 'Reservations',
    navAudit: 'Audit log',
    navAdmins: 'Administrator accounts',
    navFixes: 'Bulk fixes',
    notFoundTitle: 'Not found',
    homeTitle: 'Overview',
    scopeAll: 'All institutions',
    countActive: 'Active reservations',
    auditTitle: 'Audit log',
    auditAction: 'Action',
    auditVerify: 'Verify the chain',
    auditIntact: 'entries verified; the chain is intact.',
    adminsTitle: 'Administrator accounts',
    adminLogin: 'Login ID',
    adminDirectory: 'Logs in with',
    adminRole: 'Role',
    adminCreate: 'Add',
    adminCreated: 'The account was added.',
    reservationsTitle: 'Reservations',
    searchButton: 'Search',
    reservationNumber: 'Reservation number',
    reservationState: 'State',
    stateBooked: 'Booked',
    nameKanji: 'Name',
    nameKana: 'Name (kana)',
    nameRoman: 'Name (roman)',
    mail: 'Mail',
    notGiven: '(not given)',
    auditedView: 'This view was recorded in the audit log.',
    checkinTitle: 'Check-in',
    checkinLookup: 'QR code or reservation number',
    checkinLookupButton: 'Look up',
    checkinButton: 'Check in',
    checkinDone: 'Checked in.',
    navLists: 'Recipient lists',
    listShow: 'Show',
    listCsv: 'CSV (UTF-8)',
    navSlots: 'Slots',
    slotsTitle: 'Register slots',
    slotsPreview: 'Preview',
    slotsCreate: 'Create these slots',
    slotsCreated: 'slots created.',
    moveTitle: 'Move for the person (office)',
    reason: 'Reason',
    moveButton: 'Move to this time',
    moved: 'Moved. The person is mailed about it.',
  },
};
const T = TEXTS[UI_LANG];
const OTHER_LANG = UI_LANG === 'ja' ? 'en' : 'ja';
const OTHER = TEXTS[OTHER_LANG];

// ------------------------------------------------------------------ steps, checks, screenshots

let page = null;
let shot = 0;
const problems = []; // failed requests, error responses, console errors: reported at the end
const expectedErrors = new Set(); // paths whose error answer a step asks for (the 404 page)

/** The header bar: "<signed in>: <login> (<role>)". */
async function expectSignedIn(login, role, t = T) {
  const expected = t === TEXTS.ja ? `${t.signedInAs}：${login}（${role}）` : `${t.signedInAs}: ${login} (${role})`;
  await expectText(page.locator('header .who'), expected, 'who is signed in (header)');
}

/**
 * At desktop width the page itself never scrolls sideways: wide tables scroll inside their
 * own box (.scroll).
 */
async function expectNoHorizontalOverflow() {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  if (scrollWidth > innerWidth + 1) fail(`horizontal overflow at ${innerWidth}px: document scrollWidth ${scrollWidth}px`);
}

/** Checks the page (language, no overflow, accessibility) and keeps a full-page screenshot. */
async function screenshot(name, lang = UI_LANG) {
  // 'any': not a page of the office (Chromium's own error page).
  if (lang !== 'any') {
    await expectLanguage(lang);
    await expectNoHorizontalOverflow();
    await checkA11y(page, name);
  }
  shot += 1;
  const file = path.join(ARTIFACTS, `office-${UI_LANG}-${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

async function goto(pathAndQuery) {
  const response = await page.goto(BASE_URL + pathAndQuery);
  if (!response) fail(`no response for ${pathAndQuery}`);
}

// ------------------------------------------------------------------ browsers

let browser = null;

/**
 * A browser profile at desktop size with the office's client certificate.
 *
 * `ignoreHTTPSErrors`: the office's server certificate comes from the CA the test made, which
 * is not in Chromium's trust store (nor in the Node side of Playwright, which makes the TLS
 * connection that presents the client certificate). What this journey proves is the other
 * direction: the office accepts this browser only because of its client certificate.
 */
async function newContext({ certificate = true } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: T.locale,
    timezoneId: 'Asia/Tokyo',
    ignoreHTTPSErrors: true,
    ...(certificate
      ? { clientCertificates: [{ origin: BASE_URL, pfxPath: P12_FILE, passphrase: P12_PASSWORD }] }
      : {}),
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  if (!certificate) return context;
  // Chromium asks for /favicon.ico on its own; the office has none (a 404), which is not a
  // problem of the pages.
  const favicon = (url) => new URL(url, BASE_URL).pathname === '/favicon.ico';
  // A file download ends its navigation with net::ERR_ABORTED: the file arrived, the page
  // stays. Only for the office's exports.
  const download = (r) =>
    /\.(csv|xlsx)$/.test(new URL(r.url()).pathname) && r.failure()?.errorText === 'net::ERR_ABORTED';
  context.on('requestfailed', (r) => {
    if (!download(r)) problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
  });
  context.on('response', (r) => {
    const asked = expectedErrors.has(new URL(r.url()).pathname);
    if (r.status() >= 400 && !favicon(r.url()) && !asked) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  context.on('console', (m) => {
    const where = m.location()?.url || BASE_URL;
    const asked = expectedErrors.has(new URL(where, BASE_URL).pathname);
    if (m.type() === 'error' && !favicon(where) && !asked) problems.push(`console error on ${m.location()?.url ?? '?'}: ${m.text()}`);
  });
  context.on('weberror', (e) => problems.push(`page error: ${e.error()}`));
  return context;
}

/** In a new browser profile: the login page, then signed in as `login`. */
async function logIn(context, login, screenshotName, password = PASSWORD) {
  page = run.page = await context.newPage();
  await goto('/');
  await expectPath(/^\/login$/, 'the login page (not signed in yet)');
  await expectHeading(T.loginTitle);
  await page.getByLabel(T.directoryLabel).selectOption({ label: T.builtinDirectory });
  await page.getByLabel(T.loginField, { exact: true }).fill(login);
  await page.getByLabel(T.passwordField, { exact: true }).fill(password);
  if (screenshotName) await screenshot(screenshotName);
  await page.getByRole('button', { name: T.loginButton, exact: true }).click();
}

// ------------------------------------------------------------------ the journey

async function withoutCertificate() {
  await step('without a client certificate the office does not open', async () => {
    // The same browser and settings as the profiles below (server certificate errors
    // ignored too), but no client certificate: the office ends the handshake, so there is no
    // page at all, only Chromium's error page (net::ERR_SOCKET_NOT_CONNECTED or
    // net::ERR_BAD_SSL_CLIENT_AUTH_CERT, depending on when Chromium notices under TLS 1.3).
    const context = await newContext({ certificate: false });
    page = run.page = await context.newPage();
    let error = null;
    try {
      await page.goto(`${BASE_URL}/login`);
    } catch (e) {
      error = e;
    }
    if (!error) fail(`expected the navigation to ${BASE_URL}/login to fail without a client certificate, but it loaded (${page.url()})`);
    const code = /net::ERR_[A-Z_]+/.exec(String(error.message))?.[0];
    if (!code) fail(`expected a network error (net::ERR_…) for the refused handshake, got: ${error.message}`);
    console.log(`office.mjs: without a client certificate: ${code}`);
    await expectAbsent(page.getByText(T.loginTitle), `"${T.loginTitle}"`);
    await screenshot('no-certificate', 'any');
    // Left open on failure, for the failure screenshot; the browser closes it in the end.
    await context.close();
    page = run.page = null;
  });
}

async function institutionStaff(context) {
  const role = T.roleInstitutionStaff;

  await step('institution staff: log in', async () => {
    await logIn(context, STAFF_LOGIN, 'login');
    await expectPath(/^\/$/, 'the home page after logging in');
    await expectHeading(new RegExp(`^${escapeRegExp(T.homeTitle)}(: |：)\\S`));
    await expectSignedIn(STAFF_LOGIN, role);
    await expectText(countsCell(T.countActive), '1', `the count "${T.countActive}"`);
    await screenshot('staff-home');
  });

  await step('institution staff: search the reservation as heard on the phone', async () => {
    await page.locator('header nav').getByRole('link', { name: T.navReservations, exact: true }).click();
    await expectPath(/^\/reservations$/, 'the search page');
    await expectHeading(T.reservationsTitle);
    const heard = NUMBER.replace('-', '').toLowerCase();
    await page.getByLabel(T.reservationNumber, { exact: true }).fill(heard);
    await screenshot('search');
    await page.getByRole('button', { name: T.searchButton, exact: true }).click();
  });

  await step('institution staff: the reservation with the personal data', async () => {
    await expectPath(new RegExp(`^/reservations/${NUMBER}$`), 'the reservation page');
    await expectReservationPage(T);
    await screenshot('reservation');
  });

  await step(`institution staff: the same page in ${OTHER_LANG}`, async () => {
    await page.locator('header').getByRole('link', { name: T.otherLanguage, exact: true }).click();
    await expectPath(new RegExp(`^/reservations/${NUMBER}$`), 'the reservation page again after switching language');
    await expectLanguage(OTHER_LANG);
    await expectReservationPage(OTHER);
    await expectSignedIn(STAFF_LOGIN, OTHER.roleInstitutionStaff, OTHER);
    await screenshot(`reservation-in-${OTHER_LANG}`, OTHER_LANG);
  });

  await step('institution staff: move the reservation after the deadline, with a reason', async () => {
    await page.getByRole('link', { name: OTHER.moveTitle, exact: true }).click();
    await expectPath(new RegExp(`^/reservations/${NUMBER}/move$`), 'the move page');
    const time = MOVE_TO.split(' ')[1];
    await page.locator('input[name="slot"]').locator('xpath=..').filter({ hasText: time }).first().locator('input').check();
    await page.getByLabel(OTHER.reason, { exact: true }).fill('phone call');
    await screenshot('move', OTHER_LANG);
    await page.getByRole('button', { name: OTHER.moveButton, exact: true }).click();
    await expectPath(new RegExp(`^/reservations/${NUMBER}\\?done=moved$`), 'the reservation page after moving');
    await expectText(page.getByRole('status'), OTHER.moved, 'the notice that it moved');
    const firstDose = page.locator('main table.list tbody tr').first();
    await expectText(firstDose.locator('td').nth(1), MOVE_TO, 'the new time of the first dose');
    await screenshot('moved', OTHER_LANG);
  });

  await step('institution staff: log out', async () => {
    await page.locator('header').getByRole('button', { name: OTHER.logoutButton, exact: true }).click();
    await expectPath(/^\/login\?bye=1$/, 'the login page after logging out');
    // The language chosen stays with the browser.
    await expectHeading(OTHER.loginTitle);
    await expectText(page.getByRole('status'), OTHER.loggedOut, 'the notice that the staff member logged out');
    await expectAbsent(page.locator('header .who'), 'signed-in account in the header');
    await screenshot('logged-out', OTHER_LANG);
    await goto(`/reservations/${NUMBER}`);
    await expectPath(/^\/login$/, 'the login page instead of the reservation, once logged out');
  });
}

/** The reservation page of NUMBER in the language of `t`. */
async function expectReservationPage(t) {
  await expectHeading(new RegExp(`^${escapeRegExp(t.reservationNumber)}(: |：)${NUMBER}$`));
  await expectText(page.getByRole('note'), t.auditedView, 'the notice that the view is audited');
  const person = page.locator('main table.counts').last();
  await expectText(countsCell(t.nameKanji, person), PERSON_NAME, `the person's ${t.nameKanji}`);
  await expectText(countsCell(t.nameKana, person), t.notGiven, `the person's ${t.nameKana} (not given)`);
  await expectText(countsCell(t.nameRoman, person), PERSON_ROMAN, `the person's ${t.nameRoman}`);
  await expectText(countsCell(t.mail, person), PERSON_MAIL, `the person's ${t.mail}`);
  await expectText(countsCell(t.reservationState), t.stateBooked, 'the state of the reservation');
  const firstDose = page.locator('main table.list tbody tr').first();
  await expectText(firstDose.locator('td').nth(1), FIRST_DOSE, 'the date and time of the first dose');
}

async function venueStaff(context) {
  await step('venue staff: log in lands on the check-in page', async () => {
    await logIn(context, VENUE_LOGIN);
    await expectPath(/^\/checkin$/, 'the check-in page after logging in');
    await expectHeading(T.checkinTitle);
    await expectSignedIn(VENUE_LOGIN, T.roleVenueStaff);
    await expectAbsent(page.locator('header nav').getByRole('link', { name: T.navReservations, exact: true }), `"${T.navReservations}" in the menu`);
    await screenshot('checkin-form');
  });

  await step('venue staff: the reservation number shows the person', async () => {
    await page.getByLabel(T.checkinLookup, { exact: true }).fill(NUMBER);
    await page.getByRole('button', { name: T.checkinLookupButton, exact: true }).click();
    await expectPath(new RegExp(`^/checkin/${NUMBER}$`), 'the check-in page of the reservation');
    await expectHeading(new RegExp(`^${escapeRegExp(T.checkinTitle)}(: |：)${NUMBER}$`));
    await expectText(countsCell(T.nameKanji), PERSON_NAME, `the person's ${T.nameKanji}`);
    await expectVisible(checkinButton(), `the button "${T.checkinButton}"`);
    await screenshot('checkin-person');
  });

  await step('venue staff: check in', async () => {
    await checkinButton().click();
    await expectPath(new RegExp(`^/checkin/${NUMBER}\\?done=now$`), 'the check-in page after checking in');
    await expectText(page.getByRole('status'), T.checkinDone, 'the outcome notice');
    await expectAbsent(checkinButton(), `"${T.checkinButton}" button once checked in`);
    const firstDose = page.locator('main table.list tbody tr').first();
    await expectText(firstDose.locator('td').last(), NOW, 'the check-in time of the first dose');
    await screenshot('checked-in');
  });

  await step("venue staff: today's recipient list, and its CSV for Excel", async () => {
    await page.locator('header nav').getByRole('link', { name: T.navLists, exact: true }).click();
    await expectPath(/^\/lists\/recipients$/, 'the recipient list form');
    await page.getByRole('button', { name: T.listShow, exact: true }).click();
    await expectPath(/^\/lists\/recipients\?/, 'the recipient list');
    const row = page.locator('main table.list tbody tr').filter({ hasText: NUMBER });
    await expectText(row.locator('td').nth(2), PERSON_NAME, "the person's name in the list");
    await screenshot('recipients');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: T.listCsv, exact: true }).click(),
    ]);
    const bytes = fs.readFileSync(await download.path());
    if (bytes[0] !== 0xef || bytes[1] !== 0xbb || bytes[2] !== 0xbf) fail('expected the CSV to start with a UTF-8 byte order mark');
    const text = bytes.toString('utf8');
    if (!text.includes(NUMBER) || !text.includes(PERSON_NAME)) fail(`expected the CSV to hold ${NUMBER} and ${PERSON_NAME}, got: ${text.slice(0, 300)}`);
    if (!/^recipients_\d{4}-\d{2}-\d{2}_venue\d+\.csv$/.test(download.suggestedFilename())) fail(`unexpected file name ${download.suggestedFilename()}`);
  });
}

function checkinButton() {
  // "1回目を受付済みにする" / "Check in dose 1".
  return page.getByRole('button', { name: new RegExp(escapeRegExp(T.checkinButton)) });
}

async function systemAdmin(context) {
  await step('system administrator: log in', async () => {
    await logIn(context, ADMIN_LOGIN);
    await expectPath(/^\/$/, 'the home page after logging in');
    await expectHeading(new RegExp(`^${escapeRegExp(T.homeTitle)}(: |：)${escapeRegExp(T.scopeAll)}$`));
    await expectSignedIn(ADMIN_LOGIN, T.roleSystemAdmin);
  });

  let listed = 0;
  await step('system administrator: the audit log', async () => {
    await page.locator('header nav').getByRole('link', { name: T.navAudit, exact: true }).click();
    await expectPath(/^\/audit$/, 'the audit log page');
    await expectHeading(T.auditTitle);
    const actions = await auditActions();
    for (const action of ['office.login', 'personal.view', 'checkin']) {
      if (!actions.includes(action)) fail(`expected a "${action}" entry in the audit log, found: ${[...new Set(actions)].join(', ')}`);
    }
    listed = actions.length;
    await screenshot('audit');
  });

  await step('system administrator: verify the chain', async () => {
    await page.getByRole('button', { name: T.auditVerify, exact: true }).click();
    const outcome = page.getByRole('status');
    const text = await expectText(outcome, new RegExp(`^\\d+ ?${escapeRegExp(T.auditIntact)}$`), 'the outcome of the verification');
    const verified = Number(/^\d+/.exec(text)[0]);
    // Fewer than a page of entries: the page lists all that were verified.
    if (listed < 50 && verified !== listed) fail(`expected ${listed} entries verified (as listed), got ${verified}`);
    await screenshot('audit-verified');
  });

  await step('system administrator: add an operator account', async () => {
    await page.locator('header nav').getByRole('link', { name: T.navAdmins, exact: true }).click();
    await expectPath(/^\/admins$/, 'the administrator accounts page');
    await expectHeading(T.adminsTitle);
    const logins = (await page.locator('main table.list tbody tr td:first-child').allTextContents()).map(squash);
    for (const login of [STAFF_LOGIN, VENUE_LOGIN, ADMIN_LOGIN]) {
      if (!logins.includes(login)) fail(`expected the account ${login} in the list, found: ${logins.join(', ')}`);
    }
    const form = page.locator('main form[action="/admins"]');
    await form.getByLabel(T.adminDirectory).selectOption({ label: T.builtinDirectory });
    await form.getByLabel(T.adminLogin, { exact: true }).fill(NEW_LOGIN);
    await form.getByLabel(T.adminRole).selectOption({ label: T.roleOperator });
    await form.getByLabel(T.passwordField, { exact: true }).fill(NEW_PASSWORD);
    await screenshot('admins');
    await form.getByRole('button', { name: T.adminCreate, exact: true }).click();
    await expectPath(/^\/admins\/\d+\?done=created$/, 'the new account\'s page');
    await expectHeading(new RegExp(`^${escapeRegExp(T.adminsTitle)}(: |：)${escapeRegExp(NEW_LOGIN)}$`));
    await expectText(page.getByRole('status'), T.adminCreated, 'the outcome notice');
    await expectText(countsCell(T.adminRole), T.roleOperator, 'the role of the new account');
    await screenshot('admin-added');
  });

  await generateSlots();

  await step('system administrator: the bulk fixes form (not in the operator\'s menu)', async () => {
    await page.locator('header nav').getByRole('link', { name: T.navFixes, exact: true }).click();
    await expectPath(/^\/reservations\/fixes$/, 'the bulk fixes form');
    await screenshot('fixes');
  });
}

/**
 * The operator added above signs in and opens every page of the menu, and the forms that
 * start from them: each must pass the accessibility check. Following the menu keeps the list
 * complete as pages are added.
 */
async function everyPageOfTheMenu(context) {
  await step('operator: log in', async () => {
    await logIn(context, NEW_LOGIN, null, NEW_PASSWORD);
    await expectPath(/^\/$/, 'the home page after logging in');
    await expectSignedIn(NEW_LOGIN, T.roleOperator);
  });
  const menu = await page.locator('header nav a:not(.lang)').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  if (menu.length < 10) fail(`expected the operator's menu to have its pages, found: ${menu.join(', ')}`);
  for (const href of [...menu, '/slots/new', '/slots/import', '/elsewhere/import']) {
    await step(`operator: the page ${href} passes the accessibility check`, async () => {
      await goto(href);
      await expectPath(new RegExp(`^${escapeRegExp(href)}$`), `the page ${href}`);
      await expectLanguage(UI_LANG);
      await checkA11y(page, `menu ${href}`);
    });
  }
  await step('operator: the page for an address that does not exist', async () => {
    expectedErrors.add('/no-such-page');
    const response = await page.goto(`${BASE_URL}/no-such-page`);
    if (response?.status() !== 404) fail(`expected 404 for /no-such-page, got ${response?.status()}`);
    await expectHeading(T.notFoundTitle);
    await screenshot('not-found');
  });
}

async function generateSlots() {
  await step('system administrator: generate next week\'s slots after a preview', async () => {
    await page.locator('header nav').getByRole('link', { name: T.navSlots, exact: true }).click();
    await expectPath(/^\/slots$/, 'the slots of a day');
    await page.getByRole('link', { name: T.slotsTitle, exact: true }).click();
    await expectPath(/^\/slots\/new$/, 'the slot generator');
    await expectHeading(T.slotsTitle);
    await page.locator('input[name="lane"]').locator('xpath=..').filter({ hasText: LANE }).first().locator('input').check();
    await page.getByRole('button', { name: T.slotsPreview, exact: true }).click();
    await expectPath(/^\/slots\/preview$/, 'the preview');
    const total = await expectText(page.locator('#slots-total'), /^[1-9]\d*$/, 'the number of slots to create');
    await screenshot('slots-preview');
    await page.getByRole('button', { name: T.slotsCreate, exact: true }).click();
    await expectPath(new RegExp(`^/slots/new\\?created=${total}$`), 'the generator again, with the outcome');
    await expectText(page.getByRole('status'), new RegExp(`${total}\\s*${escapeRegExp(T.slotsCreated)}|${total} ${escapeRegExp(T.slotsCreated)}`), 'the notice of the slots created');
    await screenshot('slots-created');
  });
}

/** The "action" column of the audit log table. */
async function auditActions() {
  const headers = (await page.locator('main table.list thead th').allTextContents()).map(squash);
  const column = headers.indexOf(T.auditAction);
  if (column < 0) fail(`expected a column "${T.auditAction}" in the audit log, found: ${headers.join(', ')}`);
  const rows = page.locator('main table.list tbody tr');
  await expectVisible(rows, 'entries in the audit log');
  return (await rows.locator(`td:nth-child(${column + 1})`).allTextContents()).map(squash);
}

// ------------------------------------------------------------------ main

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Screenshots of an earlier run of this language would mix with this run's.
  for (const f of fs.readdirSync(ARTIFACTS)) {
    if (f.startsWith(`office-${UI_LANG}-`) && f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, f));
  }

  const started = Date.now();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  let ok = false;
  try {
    await withoutCertificate();
    // One browser profile per person, all on the office PC with its certificate.
    for (const person of [institutionStaff, venueStaff, systemAdmin, everyPageOfTheMenu]) {
      const context = await newContext();
      await person(context);
      await context.close();
      page = run.page = null;
    }

    run.step = 'no failed requests, error responses or console errors';
    if (problems.length) fail(problems.join('\n  '));
    ok = true;
    console.log(
      `office.mjs: ${UI_LANG}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `${a11yChecked.length} pages without accessibility violations (${a11yChecked.join(', ')}); screenshots in ${ARTIFACTS}`,
    );
  } catch (error) {
    const url = page ? page.url() : '(no page)';
    const what = error instanceof CheckFailed ? error.message : error?.stack || String(error);
    console.error(`office.mjs: FAILED (${UI_LANG}) at step "${run.step}":\n  ${what}\n  page URL: ${url}`);
    if (problems.length && !(error instanceof CheckFailed && run.step.startsWith('no failed'))) {
      console.error(`  also seen:\n  ${problems.join('\n  ')}`);
    }
    if (page) {
      const file = path.join(ARTIFACTS, `office-${UI_LANG}-FAIL-${run.step.replace(/[^A-Za-z0-9-]+/g, '-')}.png`);
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
  console.error(`office.mjs: FAILED (${UI_LANG}) before the browser ran: ${error?.stack || error}`);
  process.exit(1);
});
