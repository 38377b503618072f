// The recipient journey in a real headless Chromium, at phone size, in one language.
//
// Driven by crates/sesshu/tests/it/browser.rs, which starts the application, adds the
// member and the slots, and runs this script twice: PHASE=journey, then (after moving the
// application clock past the change deadline) PHASE=deadline.
//
// Environment:
//   BASE_URL      the application, e.g. http://127.0.0.1:40123
//   UI_LANG       ja | en (the browser's locale, so the server picks it from Accept-Language)
//   INSTITUTION   institution code of the login link (e.g. uni)
//   LOGIN, PASSWORD
//   PHASE         journey | deadline
//   STATE_FILE    Playwright storage state: saved after journey, loaded in deadline
//   ARTIFACTS     folder for the screenshots <UI_LANG>-NN-<step>.png (created if missing)
//   FIRST_DAY     YYYY-MM-DD of the day to book
//   CHANGE_DAY    YYYY-MM-DD of the day to change to
//   DEADLINE      optional "YYYY-MM-DD HH:MM" (Tokyo): the change deadline of FIRST_DAY
//   CONTACT_MAIL  optional: the mail address the after-deadline block must show
//   CONSENT       optional: a phrase of the consent text shown after login (then agreed to)
//   IDP_URL       optional: the institution logs in at this SAML IdP (test IdP of scripts/saml)
//   CHROMIUM      optional: the browser (default /usr/bin/chromium)
//
// Every page shown is checked with axe-core (harness.mjs `checkA11y`, docs/accessibility.md); the
// journey also opens a 404, the consent page with no login waiting, the consent page in the other
// language (its link) and, at the end of the deadline phase, the start page after logging out.
//
// Exit code 0 on success; on failure a message naming the step, what was expected and the
// page URL, a screenshot <UI_LANG>-FAIL-<step>.png, and exit code 1.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { CheckFailed, required, run, fail, squash, escapeRegExp, step, expectPath, expectVisible, expectText, expectAbsent, expectLanguage, expectHeading, checkA11y, a11yChecked } from './harness.mjs';

// ------------------------------------------------------------------ inputs


const BASE_URL = required('BASE_URL').replace(/\/$/, '');
const UI_LANG = required('UI_LANG');
const INSTITUTION = required('INSTITUTION');
const LOGIN = required('LOGIN');
const PASSWORD = required('PASSWORD');
const PHASE = required('PHASE');
const STATE_FILE = required('STATE_FILE');
const ARTIFACTS = required('ARTIFACTS');
const FIRST_DAY = required('FIRST_DAY');
// Optional: a phrase of the consent text the login must ask to agree to.
const CONSENT = process.env.CONSENT || '';
// Optional: the base URL of a SAML IdP the institution's link leads to.
const IDP_URL = process.env.IDP_URL || '';
const CHANGE_DAY = required('CHANGE_DAY');
const DEADLINE = process.env.DEADLINE || '';
const CONTACT_MAIL = process.env.CONTACT_MAIL || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

if (!['ja', 'en'].includes(UI_LANG)) {
  console.error(`recipient.mjs: UI_LANG must be ja or en, got ${UI_LANG}`);
  process.exit(2);
}
if (!['journey', 'deadline'].includes(PHASE)) {
  console.error(`recipient.mjs: PHASE must be journey or deadline, got ${PHASE}`);
  process.exit(2);
}

// ------------------------------------------------------------------ texts (crates/web/src/i18n.rs)

const TEXTS = {
  ja: {
    locale: 'ja-JP',
    otherLanguage: 'English',
    appName: 'ワクチン接種予約',
    loginTitle: 'ログイン',
    loginField: 'ログインID',
    passwordField: 'パスワード',
    loginButton: 'ログイン',
    daysTitle: '接種日を選ぶ',
    dayTitleSuffix: 'の空き状況',
    bookButton: 'この時間で予約する',
    changeButton: 'この時間に変更する',
    myReservation: '予約の確認',
    noReservation: '現在、予約はありません。',
    goBook: '予約する',
    reservationNumber: '予約番号',
    firstDose: '1回目',
    secondDose: '2回目',
    changeDeadline: '変更・取消の締切：',
    changeTime: '日時を変更する',
    cancelReservation: '予約を取り消す',
    afterDeadline: '変更・取消の締切を過ぎました。',
    bookedDone: '予約しました。',
    changedDone: '予約を変更しました。',
    cancelledDone: '予約を取り消しました。',
    cancelTitle: '予約の取消',
    cancelConfirm: '取り消す',
    afterDeadlineShort: '変更・取消の締切を過ぎたため、変更は事務局のみ行えます。',
    consentTitle: '個人情報提供の同意',
    consentAccept: '同意する',
    consentExpired: '同意の確認の有効期限が切れました。もう一度ログインしてください。',
    notFoundTitle: 'ページが見つかりません',
    logout: 'ログアウト',
  },
  en: {
    locale: 'en-US',
    otherLanguage: '日本語',
    appName: 'Vaccination booking',
    loginTitle: 'Log in',
    loginField: 'Login ID',
    passwordField: 'Password',
    loginButton: 'Log in',
    daysTitle: 'Choose a day',
    dayTitleSuffix: ': free places',
    bookButton: 'Book this time',
    changeButton: 'Change to this time',
    myReservation: 'My reservation',
    noReservation: 'You have no reservation.',
    goBook: 'Book',
    reservationNumber: 'Reservation number',
    firstDose: '1st dose',
    secondDose: '2nd dose',
    changeDeadline: 'You can change or cancel until',
    changeTime: 'Change the time',
    cancelReservation: 'Cancel the reservation',
    afterDeadline: 'The deadline for changes has passed.',
    bookedDone: 'Your reservation is booked.',
    changedDone: 'Your reservation has been changed.',
    cancelledDone: 'Your reservation has been cancelled.',
    cancelTitle: 'Cancel the reservation',
    cancelConfirm: 'Cancel it',
    afterDeadlineShort: 'The deadline for changes has passed: only the office can change your reservation.',
    consentTitle: 'Consent to receive your personal information',
    consentAccept: 'I agree',
    consentExpired: 'The consent step has expired. Please log in again.',
    notFoundTitle: 'Page not found',
    logout: 'Log out',
  },
};
const T = TEXTS[UI_LANG];
const OTHER_LANG = UI_LANG === 'ja' ? 'en' : 'ja';

// ------------------------------------------------------------------ dates as the pages write them

const WEEKDAYS_JA = ['日', '月', '火', '水', '木', '金', '土'];
const WEEKDAYS_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A calendar day (UTC midnight, so no time zone shifts it). */
function parseDay(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new Error(`not a YYYY-MM-DD day: ${iso}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

function addDays(day, n) {
  return new Date(day.getTime() + n * 86_400_000);
}

/** `2026年12月10日(木)` / `Thu 10 Dec 2026` (Texts::date). */
function longDate(day, lang = UI_LANG) {
  const y = day.getUTCFullYear();
  const m = day.getUTCMonth();
  const d = day.getUTCDate();
  const w = day.getUTCDay();
  return lang === 'ja'
    ? `${y}年${m + 1}月${d}日(${WEEKDAYS_JA[w]})`
    : `${WEEKDAYS_EN[w]} ${d} ${MONTHS_EN[m]} ${y}`;
}

/** `12/10(木)` / `Thu 10 Dec` (Texts::short_date). */
function shortDate(day, lang = UI_LANG) {
  const m = day.getUTCMonth();
  const d = day.getUTCDate();
  const w = day.getUTCDay();
  return lang === 'ja' ? `${m + 1}/${d}(${WEEKDAYS_JA[w]})` : `${WEEKDAYS_EN[w]} ${d} ${MONTHS_EN[m]}`;
}

const firstDay = parseDay(FIRST_DAY);
const changeDay = parseDay(CHANGE_DAY);

// ------------------------------------------------------------------ steps, checks, screenshots

let page = null;
let shot = PHASE === 'journey' ? 0 : 90;
const problems = []; // failed requests, error responses, console errors: reported at the end
const expectedErrors = new Set(); // paths whose error answer a step asks for (the 404 page)

/**
 * At phone width nothing may stick out sideways. With `isMobile`, Chromium widens the layout
 * viewport to fit content that sticks out (so `innerWidth` grows with it): compare with the
 * configured width too.
 */
async function expectNoHorizontalOverflow() {
  const width = page.viewportSize().width;
  const { scrollWidth, innerWidth, wide } = await page.evaluate((width) => {
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 1)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > width + 1))
      .slice(0, 5)
      .map((e) => {
        const right = Math.round(e.getBoundingClientRect().right);
        const cls = typeof e.className === 'string' && e.className ? `.${e.className.split(/\s+/).join('.')}` : '';
        return `${e.tagName.toLowerCase()}${cls} "${(e.textContent || '').trim().slice(0, 40)}" (right edge ${right}px)`;
      });
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide };
  }, width);
  if (scrollWidth > innerWidth + 1 || scrollWidth > width + 1 || innerWidth > width + 1) {
    fail(
      `horizontal overflow at phone width ${width}px: document scrollWidth ${scrollWidth}px, ` +
        `window.innerWidth ${innerWidth}px; sticking out: ${wide.join('; ') || '(none found)'}`,
    );
  }
}

/** Checks the page (language, no overflow, accessibility) and keeps a full-page screenshot. */
async function screenshot(name, lang = UI_LANG) {
  // 'any': a page that is not Sesshu's (the IdP's), in whatever language.
  if (lang !== 'any') {
    await expectLanguage(lang);
    await expectNoHorizontalOverflow();
    await checkA11y(page, name);
  }
  shot += 1;
  const file = path.join(ARTIFACTS, `${UI_LANG}-${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

async function goto(pathAndQuery) {
  const response = await page.goto(BASE_URL + pathAndQuery);
  if (!response) fail(`no response for ${pathAndQuery}`);
}

// ------------------------------------------------------------------ the pages

/** The dose sections of "my reservation": `{ first, second }` texts of their date-time. */
async function doseTimes() {
  const dose = (label) =>
    page.locator('section.dose').filter({ has: page.getByRole('heading', { name: label, exact: true }) }).locator('dd.when');
  const first = await expectText(dose(T.firstDose), /\S/, `the date and time of the ${T.firstDose}`);
  const second = await expectText(dose(T.secondDose), /\S/, `the date and time of the ${T.secondDose}`);
  return { first, second };
}

async function reservationNumber() {
  return expectText(page.locator('dl.reservation dd.number'), /^[2-9A-Z]{4}-[2-9A-Z]{4}$/, `the ${T.reservationNumber} (like KX7M-4QP9)`);
}

/** Checks "my reservation" after booking or changing to `day` at `times` (e.g. `10:00–10:30`). */
async function expectReservation(day, times, done) {
  await expectHeading(T.myReservation);
  await expectText(page.getByRole('status'), done, 'the outcome notice');
  const number = await reservationNumber();
  const { first, second } = await doseTimes();
  const wantFirst = `${longDate(day)} ${times}`;
  const wantSecond = `${longDate(addDays(day, 28))} ${times}`;
  if (first !== wantFirst) fail(`expected the ${T.firstDose} at ${JSON.stringify(wantFirst)}, got ${JSON.stringify(first)}`);
  if (second !== wantSecond) fail(`expected the ${T.secondDose} 28 days later at ${JSON.stringify(wantSecond)}, got ${JSON.stringify(second)}`);
  const deadlineLine = page.locator('main p').filter({ has: page.locator('strong.deadline') });
  await expectText(deadlineLine, new RegExp(`^${escapeRegExp(T.changeDeadline)} ?\\S`), 'the change deadline line');
  await expectVisible(page.getByRole('link', { name: T.changeTime, exact: true }), `the link "${T.changeTime}"`);
  await expectVisible(page.getByRole('link', { name: T.cancelReservation, exact: true }), `the link "${T.cancelReservation}"`);
  return number;
}

/** On the days page: opens `day`'s link. */
async function openDay(day) {
  const iso = day.toISOString().slice(0, 10);
  const link = page.getByRole('link', { name: shortDate(day) });
  await expectVisible(link, `the link of ${shortDate(day)} on the days page`);
  await link.first().click();
  await expectPath(new RegExp(`^/days/${iso}$`), `the page of ${iso}`);
  await expectHeading(`${longDate(day)}${T.dayTitleSuffix}`);
}

/** On a day page: clicks the first `button` time; returns its times (`10:00–10:30`). */
async function chooseFirstTime(button) {
  const row = page.locator('li.time').filter({ has: page.getByRole('button', { name: button, exact: true }) }).first();
  await expectVisible(row, `a time with the button "${button}"`);
  const times = await expectText(row.locator('.when'), /^\d{2}:\d{2}–\d{2}:\d{2}$/, 'the times of the first row');
  await row.getByRole('button', { name: button, exact: true }).click();
  return times;
}

// ------------------------------------------------------------------ phases

async function journey(context) {
  page = run.page = await context.newPage();
  let number;
  let times;

  await step('start page', async () => {
    await goto('/');
    await expectHeading(T.appName);
    await screenshot('start');
  });

  await step('the pages off the path: not found, and a consent asked for with no login waiting', async () => {
    expectedErrors.add('/no-such-page');
    const response = await page.goto(`${BASE_URL}/no-such-page`);
    if (response?.status() !== 404) fail(`expected 404 for /no-such-page, got ${response?.status()}`);
    await expectHeading(T.notFoundTitle);
    await screenshot('not-found');
    await goto('/consent');
    await expectHeading(T.consentTitle);
    await expectText(page.locator('#message'), T.consentExpired, 'the message that no consent is waiting');
    await screenshot('consent-expired');
    await goto('/');
  });

  if (IDP_URL) {
    await step('log in at the institution\'s identity provider (GakuNin)', async () => {
      await page.locator(`main a[href="/saml/login/${INSTITUTION}"]`).click();
      await page.waitForURL((url) => url.href.startsWith(`${IDP_URL}/sso`), { timeout: 15_000 })
        .catch(() => fail(`expected the IdP's login page at ${IDP_URL}/sso, but the page is ${page.url()}`));
      await screenshot('idp-login', 'any');
      await page.locator('input[name="username"]').fill(LOGIN);
      await page.locator('input[name="password"]').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      // The HTTP-POST binding: the IdP's page posts the response to Sesshu.
      await page.getByRole('button', { name: 'Continue' }).click();
    });
  } else {
    await step('open the login page of the institution', async () => {
      await page.locator(`main a[href="/login/${INSTITUTION}"]`).click();
      await expectPath(new RegExp(`^/login/${INSTITUTION}$`), 'the login page');
      await expectHeading(T.loginTitle);
      await screenshot('login');
    });
  }

  await step('log in', async () => {
    if (!IDP_URL) {
      await page.getByLabel(T.loginField, { exact: true }).fill(LOGIN);
      await page.getByLabel(T.passwordField, { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: T.loginButton, exact: true }).click();
    }
    if (CONSENT) {
      await expectPath(/^\/consent$/, 'the consent page after logging in');
      await expectHeading(T.consentTitle);
      await expectVisible(page.getByText(CONSENT, { exact: false }), `the consent text (${CONSENT})`);
      await screenshot('consent');
      // The consent run is Japanese only: the page in English too, through its language link.
      await page.getByRole('link', { name: T.otherLanguage, exact: true }).click();
      await expectPath(/^\/consent$/, 'the consent page again after switching language');
      await expectHeading(TEXTS[OTHER_LANG].consentTitle);
      await screenshot(`consent-in-${OTHER_LANG}`, OTHER_LANG);
      await page.getByRole('link', { name: TEXTS[OTHER_LANG].otherLanguage, exact: true }).click();
      await expectPath(/^\/consent$/, 'the consent page again after switching back');
      await expectLanguage(UI_LANG);
      await page.getByRole('button', { name: T.consentAccept, exact: true }).click();
    }
    await expectPath(/^\/days$/, 'the days page after logging in');
    await expectHeading(T.daysTitle);
    await screenshot('days');
  });

  if (UI_LANG === 'ja') {
    await step('switch to English and back', async () => {
      await page.getByRole('link', { name: T.otherLanguage, exact: true }).click();
      await expectPath(/^\/days$/, 'the days page again after switching language');
      await expectLanguage('en');
      await expectHeading(TEXTS.en.daysTitle);
      await expectVisible(page.getByRole('link', { name: shortDate(firstDay, 'en') }), `the link of ${shortDate(firstDay, 'en')} in English`);
      await screenshot('days-in-english', 'en');
      await page.getByRole('link', { name: TEXTS.en.otherLanguage, exact: true }).click();
      await expectPath(/^\/days$/, 'the days page again after switching back');
      await expectLanguage('ja');
      await expectHeading(T.daysTitle);
    });
  }

  await step(`open ${FIRST_DAY}`, async () => {
    await openDay(firstDay);
    await screenshot('first-day');
  });

  await step('book the first time', async () => {
    times = await chooseFirstTime(T.bookButton);
    await expectPath(/^\/me\?done=booked$/, 'my reservation after booking');
    number = await expectReservation(firstDay, times, T.bookedDone);
    if (DEADLINE) {
      const [d, hm] = DEADLINE.split(' ');
      await expectText(page.locator('strong.deadline'), `${longDate(parseDay(d))} ${hm}`, 'the change deadline');
    }
    await screenshot('booked');
  });

  await step('go to the days to change', async () => {
    await page.getByRole('link', { name: T.changeTime, exact: true }).click();
    await expectPath(/^\/days$/, 'the days page to change');
    await expectText(page.locator('main .notice strong'), number, 'the reservation number on the days page');
    await screenshot('change-days');
  });

  await step(`change to ${CHANGE_DAY}`, async () => {
    await openDay(changeDay);
    await expectAbsent(page.getByRole('button', { name: T.bookButton, exact: true }), `"${T.bookButton}" buttons while changing`);
    await screenshot('change-day');
    const newTimes = await chooseFirstTime(T.changeButton);
    await expectPath(/^\/me\?done=changed$/, 'my reservation after changing');
    const after = await expectReservation(changeDay, newTimes, T.changedDone);
    if (after !== number) fail(`expected the change to keep the reservation number ${number}, got ${after}`);
    await screenshot('changed');
  });

  await step('cancel: the confirm page', async () => {
    await page.getByRole('link', { name: T.cancelReservation, exact: true }).click();
    await expectPath(/^\/me\/cancel$/, 'the cancel confirmation page');
    await expectHeading(T.cancelTitle);
    await expectText(page.locator('dl.reservation dd.number'), number, 'the reservation number to cancel');
    await expectVisible(page.locator('dl.reservation').getByText(longDate(changeDay)), `the ${T.firstDose} date ${longDate(changeDay)}`);
    await screenshot('cancel-confirm');
  });

  await step('cancel: confirm', async () => {
    await page.getByRole('button', { name: T.cancelConfirm, exact: true }).click();
    await expectPath(/^\/me\?done=cancelled$/, 'my reservation after cancelling');
    await expectHeading(T.myReservation);
    await expectText(page.getByRole('status'), T.cancelledDone, 'the outcome notice');
    await expectVisible(page.getByText(T.noReservation, { exact: true }), `"${T.noReservation}"`);
    await expectAbsent(page.locator('section.dose'), 'doses');
    await screenshot('cancelled');
  });

  await step(`book ${FIRST_DAY} again`, async () => {
    await page.getByRole('link', { name: T.goBook, exact: true }).click();
    await expectPath(/^\/days$/, 'the days page');
    await expectAbsent(page.locator('main .notice'), 'notice of an existing reservation');
    await openDay(firstDay);
    const again = await chooseFirstTime(T.bookButton);
    await expectPath(/^\/me\?done=booked$/, 'my reservation after booking again');
    await expectReservation(firstDay, again, T.bookedDone);
    await screenshot('booked-again');
  });

  await step('save the storage state', async () => {
    await context.storageState({ path: STATE_FILE });
  });
}

async function deadline(context) {
  page = run.page = await context.newPage();

  await step('my reservation after the deadline', async () => {
    await goto('/me');
    await expectPath(/^\/me$/, 'my reservation (still signed in from the journey)');
    await expectHeading(T.myReservation);
    await reservationNumber();
    const block = page.locator('#after-deadline');
    await expectVisible(block, 'the after-deadline block (#after-deadline)');
    await expectText(block.locator('p').first(), new RegExp(`^${escapeRegExp(T.afterDeadline)}`), 'the after-deadline text');
    const mail = block.locator('a[href^="mailto:"]');
    if (CONTACT_MAIL) {
      await expectText(mail, CONTACT_MAIL, 'the contact mail address');
    } else {
      await expectText(mail, /^[^@\s]+@[^@\s]+$/, 'a contact mail address');
    }
    await expectAbsent(page.locator('a[href="/me/cancel"]'), 'cancel link');
    await expectAbsent(page.getByRole('link', { name: T.cancelReservation }), `"${T.cancelReservation}" link`);
    await expectAbsent(page.getByRole('link', { name: T.changeTime }), `"${T.changeTime}" link`);
    await screenshot('after-deadline');
  });

  await step('the cancel page sends back to my reservation', async () => {
    await goto('/me/cancel');
    await expectPath(/^\/me$/, 'my reservation instead of the cancel page');
    await expectVisible(page.locator('#after-deadline'), 'the after-deadline block (#after-deadline)');
  });

  await step('the days after the deadline', async () => {
    await goto('/days');
    await expectHeading(T.daysTitle);
    const notice = page.locator('#after-deadline');
    await expectVisible(notice, 'the after-deadline notice on the days page');
    await expectText(notice, new RegExp(`^${escapeRegExp(T.afterDeadlineShort)}`), 'the after-deadline notice');
    await expectAbsent(page.getByRole('button', { name: T.changeButton }), `"${T.changeButton}" button`);
    await expectAbsent(page.locator('ul.days'), 'the list of days');
    await screenshot('days-after-deadline');
  });

  await step('a day page after the deadline sends back to my reservation', async () => {
    await goto(`/days/${FIRST_DAY}`);
    await expectPath(/^\/me$/, 'my reservation instead of the day page');
  });

  await step('log out: the start page', async () => {
    await page.locator('header').getByRole('button', { name: T.logout, exact: true }).click();
    await expectPath(/^\/$/, 'the start page after logging out');
    await expectHeading(T.appName);
    await expectVisible(page.locator(`main a[href$="/${INSTITUTION}"]`), 'the login link of the institution');
    await screenshot('logged-out');
  });
}

// ------------------------------------------------------------------ main

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  if (PHASE === 'journey') {
    // Screenshots of an earlier run of this language would mix with this run's.
    for (const f of fs.readdirSync(ARTIFACTS)) {
      if (f.startsWith(`${UI_LANG}-`) && f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, f));
    }
  }

  const started = Date.now();
  const browser = await chromium.launch({
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
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: T.locale,
      timezoneId: 'Asia/Tokyo',
      ...(PHASE === 'deadline' ? { storageState: STATE_FILE } : {}),
    });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(15_000);
    // Chromium asks for /favicon.ico on its own; the application has none (a 404), which
    // is not a problem of the pages.
    const favicon = (url) => new URL(url, BASE_URL).pathname === '/favicon.ico';
    context.on('requestfailed', (r) => {
      problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
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

    if (PHASE === 'journey') await journey(context);
    else await deadline(context);

    run.step = 'no failed requests, error responses or console errors';
    if (problems.length) fail(problems.join('\n  '));
    await context.close();
    ok = true;
    console.log(
      `recipient.mjs: ${UI_LANG} ${PHASE}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `${a11yChecked.length} pages without accessibility violations (${a11yChecked.join(', ')}); screenshots in ${ARTIFACTS}`,
    );
  } catch (error) {
    const url = page ? page.url() : '(no page)';
    const what = error instanceof CheckFailed ? error.message : error?.stack || String(error);
    console.error(`recipient.mjs: FAILED (${UI_LANG}, ${PHASE}) at step "${run.step}":\n  ${what}\n  page URL: ${url}`);
    if (problems.length && !(error instanceof CheckFailed && run.step.startsWith('no failed'))) {
      console.error(`  also seen:\n  ${problems.join('\n  ')}`);
    }
    if (page) {
      const file = path.join(ARTIFACTS, `${UI_LANG}-FAIL-${run.step.replace(/[^A-Za-z0-9-]+/g, '-')}.png`);
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
  console.error(`recipient.mjs: FAILED (${UI_LANG}, ${PHASE}) before the browser ran: ${error?.stack || error}`);
  process.exit(1);
});
