// The venue's vaccination day in a real headless Chromium with a camera, in one language, with
// the client certificate the office's TLS handshake requires.
//
// Driven by crates/sesshu/tests/it/venue_browser.rs, which starts the application and the
// office, books two reservations for today at the fixture venue, registers a lot there, writes
// the y4m file Chromium's fake camera plays (the QR code of the first reservation's check-in
// token) and runs this script once.
//
// The journey: venue staff log in; the camera reads the QR code and the desk shows the person;
// check in; the questionnaire (a fever: "for the doctor"), the decision to vaccinate, the
// vaccination from the venue's lot, done; the lot register shows the dose used; the same QR code
// scanned again says it was checked in before. Then, in a browser without JavaScript (no camera
// button), the second person is found by the number typed and checked in.
//
// Environment:
//   BASE_URL        the office, e.g. https://127.0.0.1:40123
//   UI_LANG         ja | en
//   P12_FILE        the browser's client certificate and key (PKCS#12)
//   P12_PASSWORD    its password
//   ARTIFACTS       folder for the screenshots venue-<UI_LANG>-NN-<step>.png
//   CAMERA_FILE     the y4m file the fake camera plays
//   VENUE_LOGIN     venue staff of the venue; PASSWORD their password
//   SCANNED_NUMBER  the reservation whose QR code the camera shows; SCANNED_TOKEN its token
//                   (checked never to appear in a URL); SCANNED_NAME its person's name
//   TYPED_NUMBER    the reservation typed; TYPED_NAME its person's name
//   FIRST_DOSE      "YYYY-MM-DD HH:MM": the first dose of both, today
//   NOW             "YYYY-MM-DD HH:MM": the application clock
//   LOT             the number of the venue's lot (10 doses, none used)
//   GIVEN_BY        who gives the vaccine
//   CHROMIUM        optional: the browser (default /usr/bin/chromium)
//
// Every page shown in the profile with JavaScript is checked with axe-core at phone size
// (harness.mjs `checkA11y`, docs/accessibility.md).
//
// Exit code 0 on success; on failure a message naming the step, a screenshot
// venue-<UI_LANG>-FAIL-<step>.png, and exit code 1.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { CheckFailed, required, run, fail, squash, escapeRegExp, step, expectPath, expectVisible, expectText, expectAbsent, expectHeading, countsCell, checkA11y, a11yChecked } from './harness.mjs';


const BASE_URL = required('BASE_URL').replace(/\/$/, '');
const UI_LANG = required('UI_LANG');
const P12_FILE = required('P12_FILE');
const P12_PASSWORD = required('P12_PASSWORD');
const ARTIFACTS = required('ARTIFACTS');
const CAMERA_FILE = required('CAMERA_FILE');
const VENUE_LOGIN = required('VENUE_LOGIN');
const PASSWORD = required('PASSWORD');
const SCANNED_NUMBER = required('SCANNED_NUMBER');
const SCANNED_TOKEN = required('SCANNED_TOKEN');
const SCANNED_NAME = required('SCANNED_NAME');
const TYPED_NUMBER = required('TYPED_NUMBER');
const TYPED_NAME = required('TYPED_NAME');
const FIRST_DOSE = required('FIRST_DOSE');
const NOW = required('NOW');
const LOT = required('LOT');
const GIVEN_BY = required('GIVEN_BY');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

if (!['ja', 'en'].includes(UI_LANG)) {
  console.error(`venue.mjs: UI_LANG must be ja or en, got ${UI_LANG}`);
  process.exit(2);
}
if (!fs.existsSync(CAMERA_FILE)) {
  console.error(`venue.mjs: no camera file at ${CAMERA_FILE}`);
  process.exit(2);
}

// ------------------------------------------------------------------ texts (crates/office/src/i18n/)

const TEXTS = {
  ja: {
    locale: 'ja-JP',
    loginTitle: '事務局ログイン',
    directoryLabel: '認証先',
    builtinDirectory: 'Sesshu の事務局アカウント',
    loginField: 'ログインID',
    passwordField: 'パスワード',
    loginButton: 'ログイン',
    checkinTitle: '受付',
    lookup: 'QRコードまたは予約番号',
    lookupButton: '呼び出す',
    camera: 'カメラで読み取る',
    nameKanji: '氏名',
    reservedAt: '予約日時',
    checkinButton: '受付済みにする',
    checkinDone: '受付しました。',
    before: (time) => `${time} に受付済みです（2回目の受付は記録されません）。`,
    doseLink: (n) => `${n}回目の予診・接種の記録へ`,
    temperature: '体温（℃）',
    yes: 'はい',
    no: 'いいえ',
    severeAllergy: '薬や食品などで、重いアレルギー症状（アナフィラキシーなど）を起こしたことがある',
    collected: '予診票（用紙）を回収した',
    questionnaireButton: '予診票を記録する',
    questionnaireDone: '予診票を記録しました。',
    forDoctor: '医師の確認が必要です（37.5℃以上の発熱、または「はい」の項目があります）。',
    vaccinate: '接種する',
    decisionButton: '判断を記録する',
    decisionDone: '判断を記録しました。',
    at: '接種日時（日本時間）',
    lot: 'ロット番号',
    givenBy: '接種者（医師・看護師の氏名または職員番号）',
    leftArm: '左腕',
    vaccinationButton: '接種を記録する',
    vaccinationDone: '接種を記録しました。',
    allDone: 'この回の記録は完了しています。',
    navLots: 'ロット',
    lotsTitle: 'ワクチンのロット',
    lotUsable: '使用可',
    next: '次の受付へ',
  },
  en: {
    locale: 'en-US',
    loginTitle: 'Back office login',
    directoryLabel: 'Log in with',
    builtinDirectory: 'Sesshu back-office account',
    loginField: 'Login ID',
    passwordField: 'Password',
    loginButton: 'Log in',
    checkinTitle: 'Check-in',
    lookup: 'QR code or reservation number',
    lookupButton: 'Look up',
    camera: 'Scan with camera',
    nameKanji: 'Name',
    reservedAt: 'Reserved for',
    checkinButton: 'Check in',
    checkinDone: 'Checked in.',
    before: (time) => `Checked in before at ${time} (not recorded twice).`,
    doseLink: (n) => `Questionnaire and vaccination of dose ${n}`,
    temperature: 'Temperature (°C)',
    yes: 'Yes',
    no: 'No',
    severeAllergy: 'Has had a severe allergic reaction (anaphylaxis, etc.) to a medicine or food',
    collected: 'The paper questionnaire was collected',
    questionnaireButton: 'Record the questionnaire',
    questionnaireDone: 'The questionnaire was recorded.',
    forDoctor: 'For the doctor: a fever of 37.5 °C or more, or an item answered yes.',
    vaccinate: 'Vaccinate',
    decisionButton: 'Record the decision',
    decisionDone: 'The decision was recorded.',
    at: 'Time given (Tokyo)',
    lot: 'Lot',
    givenBy: 'Given by (name or staff code)',
    leftArm: 'Left arm',
    vaccinationButton: 'Record the vaccination',
    vaccinationDone: 'The vaccination was recorded.',
    allDone: "This dose's record is complete.",
    navLots: 'Lots',
    lotsTitle: 'Vaccine lots',
    lotUsable: 'In use',
    next: 'Next check-in',
  },
};
const T = TEXTS[UI_LANG];

// ------------------------------------------------------------------ steps, checks, screenshots

let page = null;
let shot = 0;
const problems = [];
const urls = [];

async function screenshot(name) {
  const tag = await page.locator('html').getAttribute('lang');
  if (tag !== UI_LANG) fail(`expected the page in ${UI_LANG}, got html[lang="${tag}"]`);
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  if (scrollWidth > innerWidth + 1) fail(`horizontal overflow at ${innerWidth}px: document scrollWidth ${scrollWidth}px`);
  if (!scriptless.has(page.context())) await checkA11y(page, `venue: ${name}`);
  shot += 1;
  const file = path.join(ARTIFACTS, `venue-${UI_LANG}-${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

// ------------------------------------------------------------------ browser profiles

let browser = null;

/** A desk PC's profile: tablet-ish size, the office's certificate, its camera allowed. */
// Browser profiles without JavaScript: axe cannot run there (their pages are checked with it on).
const scriptless = new WeakSet();

async function newContext({ javaScript = true } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1024, height: 768 },
    locale: T.locale,
    timezoneId: 'Asia/Tokyo',
    ignoreHTTPSErrors: true,
    javaScriptEnabled: javaScript,
    permissions: javaScript ? ['camera'] : [],
    clientCertificates: [{ origin: BASE_URL, pfxPath: P12_FILE, passphrase: P12_PASSWORD }],
  });
  if (!javaScript) scriptless.add(context);
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(20_000);
  const favicon = (url) => new URL(url, BASE_URL).pathname === '/favicon.ico';
  context.on('request', (r) => urls.push(r.url()));
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

async function logIn(context) {
  page = run.page = await context.newPage();
  await page.goto(`${BASE_URL}/`);
  await expectPath(/^\/login$/, 'the login page');
  await expectHeading(T.loginTitle);
  await page.getByLabel(T.directoryLabel).selectOption({ label: T.builtinDirectory });
  await page.getByLabel(T.loginField, { exact: true }).fill(VENUE_LOGIN);
  await page.getByLabel(T.passwordField, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: T.loginButton, exact: true }).click();
  await expectPath(/^\/checkin$/, 'the check-in page after logging in');
  await expectHeading(T.checkinTitle);
}

function checkinButton() {
  return page.getByRole('button', { name: new RegExp(escapeRegExp(T.checkinButton)) });
}

// ------------------------------------------------------------------ the journey

async function withCamera(context) {
  await step('venue staff: log in, the camera button is there', async () => {
    await logIn(context);
    await expectVisible(page.getByRole('button', { name: T.camera, exact: true }), `the button "${T.camera}"`);
    await screenshot('checkin-form');
  });

  await step('the camera reads the QR code and the desk shows the person', async () => {
    await page.getByRole('button', { name: T.camera, exact: true }).click();
    await expectPath(new RegExp(`^/checkin/${SCANNED_NUMBER}$`), 'the desk page of the scanned reservation');
    await expectHeading(new RegExp(`^${escapeRegExp(T.checkinTitle)}(: |：)${SCANNED_NUMBER}$`));
    await expectText(countsCell(T.nameKanji), SCANNED_NAME, "the person's name");
    await expectText(countsCell(T.reservedAt), FIRST_DOSE, "the reservation's time");
    await expectAbsent(page.locator('main .alarm'), 'warning');
    await expectVisible(checkinButton(), 'the check-in button');
    await screenshot('scanned');
  });

  await step('check in', async () => {
    await checkinButton().click();
    await expectPath(new RegExp(`^/checkin/${SCANNED_NUMBER}\\?done=now$`), 'the desk page after checking in');
    await expectText(page.getByRole('status'), T.checkinDone, 'the outcome notice');
    await expectAbsent(checkinButton(), 'check-in button once checked in');
    await screenshot('checked-in');
    await page.getByRole('link', { name: T.doseLink(1), exact: true }).click();
    await expectPath(new RegExp(`^/checkin/${SCANNED_NUMBER}/dose/1$`), 'the page of dose 1');
  });

  await step('the questionnaire: a fever and an allergy, collected', async () => {
    await page.getByLabel(T.temperature, { exact: true }).fill('37.6');
    const items = page.locator('form#questionnaire fieldset.yesno');
    const n = await items.count();
    if (n !== 8) fail(`expected the eight yes/no items, found ${n}`);
    for (let i = 0; i < n; i += 1) {
      const item = items.nth(i);
      const question = squash(await item.locator('legend').textContent());
      await item.getByLabel(question === T.severeAllergy ? T.yes : T.no, { exact: true }).check();
    }
    await page.getByLabel(T.collected, { exact: true }).check();
    await screenshot('questionnaire');
    await page.getByRole('button', { name: T.questionnaireButton, exact: true }).click();
    await expectPath(/\/dose\/1\?done=questionnaire$/, 'the dose page after the questionnaire');
    await expectText(page.getByRole('status'), T.questionnaireDone, 'the outcome notice');
    await expectText(page.getByRole('alert'), T.forDoctor, 'the notice for the doctor');
    const answers = squash(await page.locator('section.answers').textContent());
    if (!answers.includes('37.6') || !answers.includes(T.severeAllergy)) fail(`expected the answers for the doctor, got ${answers}`);
  });

  await step("the doctor's decision: vaccinate", async () => {
    await page.getByLabel(T.vaccinate, { exact: true }).check();
    await screenshot('decision');
    await page.getByRole('button', { name: T.decisionButton, exact: true }).click();
    await expectPath(/\/dose\/1\?done=decision$/, 'the dose page after the decision');
    await expectText(page.getByRole('status'), T.decisionDone, 'the outcome notice');
  });

  await step("the vaccination from the venue's lot, given now", async () => {
    const form = page.locator('form#vaccination');
    const at = await form.getByLabel(T.at, { exact: true }).inputValue();
    if (at !== NOW.replace(' ', 'T')) fail(`expected the time to default to now (${NOW}), got ${at}`);
    const lot = squash(await form.locator('select[name="lot"] option:checked').textContent());
    if (!lot.startsWith(LOT)) fail(`expected the lot ${LOT} chosen, got ${lot}`);
    await form.getByLabel(T.givenBy, { exact: true }).fill(GIVEN_BY);
    await form.getByLabel(T.leftArm, { exact: true }).check();
    await screenshot('vaccination');
    await page.getByRole('button', { name: T.vaccinationButton, exact: true }).click();
    await expectPath(/\/dose\/1\?done=vaccination$/, 'the dose page after the vaccination');
    await expectText(page.getByRole('status'), T.vaccinationDone, 'the outcome notice');
    await expectVisible(page.getByText(T.allDone, { exact: true }), 'the record complete');
    await screenshot('done');
  });

  await step('the lot register shows the dose used', async () => {
    await page.locator('header nav').getByRole('link', { name: T.navLots, exact: true }).click();
    await expectPath(/^\/lots$/, 'the lot register');
    const row = page.locator('main table.lots tbody tr').filter({ hasText: LOT });
    const cells = (await row.locator('td').allTextContents()).map(squash);
    if (cells[3] !== '10' || cells[4] !== '1' || cells[5] !== '9' || cells[6] !== T.lotUsable) fail(`expected ${LOT} with 10 doses, 1 used, 9 left, in use; got ${cells.join(' | ')}`);
    await screenshot('lots');
  });

  await step('the same QR code again: checked in before', async () => {
    await page.locator('header nav').getByRole('link', { name: T.checkinTitle, exact: true }).click();
    await expectPath(/^\/checkin$/, 'the check-in page');
    await page.getByRole('button', { name: T.camera, exact: true }).click();
    await expectPath(new RegExp(`^/checkin/${SCANNED_NUMBER}$`), 'the desk page of the scanned reservation');
    await expectText(page.getByRole('status'), T.before(NOW.split(' ')[1]), 'the notice that it was checked in before');
    await expectAbsent(checkinButton(), 'check-in button');
    await screenshot('scanned-again');
  });
}

async function typedWithoutScript(context) {
  await step('without JavaScript: no camera button, the number typed', async () => {
    await logIn(context);
    await expectAbsent(page.getByRole('button', { name: T.camera, exact: true }), 'camera button without JavaScript');
    await page.getByLabel(T.lookup, { exact: true }).fill(TYPED_NUMBER.toLowerCase());
    await screenshot('typed');
    await page.getByRole('button', { name: T.lookupButton, exact: true }).click();
    await expectPath(new RegExp(`^/checkin/${TYPED_NUMBER}$`), 'the desk page of the typed reservation');
    await expectText(countsCell(T.nameKanji), TYPED_NAME, "the person's name");
    await checkinButton().click();
    await expectPath(new RegExp(`^/checkin/${TYPED_NUMBER}\\?done=now$`), 'the desk page after checking in');
    await expectText(page.getByRole('status'), T.checkinDone, 'the outcome notice');
    await screenshot('typed-checked-in');
  });
}

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const f of fs.readdirSync(ARTIFACTS)) {
    if (f.startsWith(`venue-${UI_LANG}-`) && f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, f));
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
      // The camera: Chromium's fake device playing the QR code's frames, no permission prompt.
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${CAMERA_FILE}`,
    ],
  });
  let ok = false;
  try {
    for (const [journey, options] of [[withCamera, {}], [typedWithoutScript, { javaScript: false }]]) {
      const context = await newContext(options);
      await journey(context);
      await context.close();
      page = run.page = null;
    }
    run.step = 'no token in any URL';
    const leaked = urls.filter((u) => u.toUpperCase().includes(SCANNED_TOKEN.toUpperCase()));
    if (leaked.length) fail(`the token appeared in a URL: ${leaked.join(', ')}`);
    run.step = 'no failed requests, error responses or console errors';
    if (problems.length) fail(problems.join('\n  '));
    ok = true;
    console.log(`venue.mjs: ${UI_LANG}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s; ${a11yChecked.length} pages without accessibility violations; screenshots in ${ARTIFACTS}`);
  } catch (error) {
    const url = page ? page.url() : '(no page)';
    const what = error instanceof CheckFailed ? error.message : error?.stack || String(error);
    console.error(`venue.mjs: FAILED (${UI_LANG}) at step "${run.step}":\n  ${what}\n  page URL: ${url}`);
    if (problems.length && !run.step.startsWith('no failed')) console.error(`  also seen:\n  ${problems.join('\n  ')}`);
    if (page) {
      const file = path.join(ARTIFACTS, `venue-${UI_LANG}-FAIL-${run.step.replace(/[^A-Za-z0-9-]+/g, '-')}.png`);
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
  console.error(`venue.mjs: FAILED (${UI_LANG}) before the browser ran: ${error?.stack || error}`);
  process.exit(1);
});
