// A person gives their vouchers (接種券) on the page "my reservation" in a real headless Chromium
// at phone size, in one language: the phone's camera reads the first dose's voucher QR code
// (Chromium's fake camera plays it) into the OCR field, the person sends it; then, in a browser
// without JavaScript (no camera button), the second dose's voucher is typed apart, mistyped
// first (the form says what is wrong and keeps what was typed), then right.
//
// Driven by crates/sesshu/tests/it/vouchers_online.rs, which starts the application, books the
// person's two doses, writes the y4m file of the QR code and checks the store afterwards.
//
// Environment:
//   BASE_URL        the public site, e.g. http://127.0.0.1:40123
//   UI_LANG         ja | en
//   ARTIFACTS       folder for the screenshots voucher-<UI_LANG>-NN-<step>.png
//   CAMERA_FILE     the y4m file the fake camera plays
//   INSTITUTION     the login link's institution; LOGIN and PASSWORD the person's
//   LINE            the 18 digits the QR code holds (the first dose's voucher)
//   MUNICIPALITY    the second dose's municipality code; NUMBER its voucher number
//   CHROMIUM        optional: the browser (default /usr/bin/chromium)
//
// Every page shown with JavaScript is checked with axe-core (harness.mjs `checkA11y`,
// docs/accessibility.md).
//
// Exit code 0 on success; on failure the step, a screenshot voucher-<UI_LANG>-FAIL.png, exit 1.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { checkA11y, a11yChecked } from './harness.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`voucher.mjs: missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
};
const BASE = env('BASE_URL').replace(/\/$/, '');
const LANG = env('UI_LANG');
const ARTIFACTS = env('ARTIFACTS');
const CAMERA_FILE = env('CAMERA_FILE');
const INSTITUTION = env('INSTITUTION');
const LOGIN = env('LOGIN');
const PASSWORD = env('PASSWORD');
const LINE = env('LINE');
const MUNICIPALITY = env('MUNICIPALITY');
const NUMBER = env('NUMBER');

// The texts of crates/web/src/i18n.rs and of sesshu_domain::voucher's messages.
const T = {
  ja: {
    locale: 'ja-JP',
    login: 'ログインID',
    password: 'パスワード',
    logIn: 'ログイン',
    camera: 'QRコードをカメラで読み取る',
    read: '読み取りました。番号を確かめてから「接種券を登録する」を押してください。',
    give: '接種券を登録する',
    done: '接種券の番号を受け付けました。',
    given: '番号を受け付けました：',
    parts: '18桁の番号がない場合は、市区町村コードと券番号を入力してください',
    municipality: '市区町村コード（6桁）',
    number: '券番号（10桁）',
    tooShort: '10桁で入力してください（9桁が入力されました）。',
  },
  en: {
    locale: 'en-GB',
    login: 'Login ID',
    password: 'Password',
    logIn: 'Log in',
    camera: 'Read the QR code with the camera',
    read: 'Read. Check the number, then press "Give the voucher".',
    give: 'Give the voucher',
    done: "Your voucher's number has been received.",
    given: 'Number received:',
    parts: 'No 18-digit number? Type the municipality code and the voucher number',
    municipality: 'Municipality code (6 digits)',
    number: 'Voucher number (10 digits)',
    tooShort: 'Please enter 10 digits (9 were entered).',
  },
}[LANG];
if (!T) {
  console.error(`voucher.mjs: UI_LANG must be ja or en, got ${LANG}`);
  process.exit(2);
}

let step = '(start)';
let page = null;
let shots = 0;
const seen = { urls: [], problems: [] };

const squash = (text) => (text ?? '').replace(/\s+/g, ' ').trim();

function check(ok, message) {
  if (!ok) throw new Error(message);
}

async function shoot(name) {
  const lang = await page.locator('html').getAttribute('lang');
  check(lang === LANG, `the page is in ${lang}, not ${LANG}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  check(!wide, 'the page scrolls sideways at phone width');
  if (!scriptless.has(page.context())) await checkA11y(page, `voucher: ${name}`);
  shots += 1;
  await page.screenshot({
    path: path.join(ARTIFACTS, `voucher-${LANG}-${String(shots).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

async function arrived(pattern) {
  await page
    .waitForURL((url) => pattern.test(url.pathname + url.search), { timeout: 20_000 })
    .catch(() => check(false, `expected a URL like ${pattern}, the page is at ${page.url()}`));
}

// Browser profiles without JavaScript: axe cannot run there (their pages are checked with it on).
const scriptless = new WeakSet();

/** A phone's browser, signed in. `script`: JavaScript on (and the camera allowed). */
async function phone(browser, script) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: T.locale,
    timezoneId: 'Asia/Tokyo',
    javaScriptEnabled: script,
    permissions: script ? ['camera'] : [],
  });
  if (!script) scriptless.add(context);
  context.setDefaultTimeout(10_000);
  context.on('request', (r) => seen.urls.push(r.url()));
  context.on('response', (r) => {
    const mistyped = r.status() === 422 && new URL(r.url()).pathname === '/me/voucher';
    if (r.status() >= 400 && !mistyped) seen.problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  // Without scripts the console only repeats the mistyped form's 422.
  context.on('console', (m) => {
    if (script && m.type() === 'error') seen.problems.push(`console error: ${m.text()}`);
  });
  context.on('weberror', (e) => seen.problems.push(`page error: ${e.error()}`));
  page = await context.newPage();
  await page.goto(`${BASE}/login/${INSTITUTION}`);
  await page.getByLabel(T.login, { exact: true }).fill(LOGIN);
  await page.getByLabel(T.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: T.logIn, exact: true }).click();
  await arrived(/^\/(days|me)$/);
  await page.goto(`${BASE}/me`);
  return context;
}

async function theCameraReadsTheFirstVoucher(browser) {
  step = 'the camera reads the first dose\'s voucher into its field';
  const context = await phone(browser, true);
  const first = page.locator('#voucher-1');
  const camera = first.getByRole('button', { name: T.camera, exact: true });
  await camera.waitFor({ state: 'visible' });
  await shoot('camera-button');
  await camera.click();
  const field = first.locator('input[name="ocr_line"]');
  await page
    .waitForFunction((el) => el.value.length > 0, await field.elementHandle(), { timeout: 20_000 })
    .catch(() => check(false, 'the camera read nothing into the field'));
  check((await field.inputValue()) === LINE, `the field holds ${await field.inputValue()}, not the QR code's digits`);
  check(squash(await first.locator('.voucher-camera p').textContent()) === T.read, 'the camera does not say it read the code');
  check(await first.locator('.voucher-camera video').isHidden(), 'the camera is still on after reading');
  await shoot('read');

  step = 'the person sends it';
  await first.getByRole('button', { name: T.give, exact: true }).click();
  await arrived(/^\/me\?done=voucher$/);
  check(squash(await page.getByRole('status').textContent()) === T.done, 'no "received" notice');
  const state = squash(await page.locator('#voucher-1 .voucher-state').textContent());
  check(state.startsWith(T.given), `the first dose's voucher reads "${state}"`);
  await shoot('received');
  await context.close();
}

async function theSecondIsTypedWithoutScript(browser) {
  step = 'without JavaScript: no camera, the code and number typed apart (mistyped first)';
  const context = await phone(browser, false);
  const second = page.locator('#voucher-2');
  check(await second.getByRole('button', { name: T.camera }).isHidden(), 'a camera button without the script');
  await second.locator('summary').filter({ hasText: T.parts }).click();
  await second.getByLabel(T.municipality, { exact: true }).fill(MUNICIPALITY);
  await second.getByLabel(T.number, { exact: true }).fill(NUMBER.slice(0, 9));
  await second.getByRole('button', { name: T.give, exact: true }).last().click();
  await arrived(/^\/me\/voucher$/);
  const problem = page.locator('#voucher-2 [role="alert"]');
  check(squash(await problem.textContent()) === T.tooShort, `the form says "${squash(await problem.textContent())}"`);
  const number = page.locator('#voucher-2').getByLabel(T.number, { exact: true });
  check((await number.getAttribute('aria-invalid')) === 'true', 'the mistyped field is not marked invalid');
  check((await number.inputValue()) === NUMBER.slice(0, 9), 'what was typed is not kept to correct');
  await shoot('mistyped');

  step = 'without JavaScript: corrected and sent';
  await number.fill(NUMBER);
  await page.locator('#voucher-2').getByRole('button', { name: T.give, exact: true }).last().click();
  await arrived(/^\/me\?done=voucher$/);
  const state = squash(await page.locator('#voucher-2 .voucher-state').textContent());
  check(state.startsWith(T.given), `the second dose's voucher reads "${state}"`);
  await shoot('typed');
  await context.close();
}

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${CAMERA_FILE}`,
    ],
  });
  let ok = false;
  try {
    await theCameraReadsTheFirstVoucher(browser);
    await theSecondIsTypedWithoutScript(browser);
    step = 'no voucher digits in any URL, no failed request, no console error';
    const digits = [LINE, LINE.slice(8), NUMBER];
    const leaked = seen.urls.filter((u) => digits.some((d) => u.includes(d)));
    check(leaked.length === 0, `voucher digits in a URL: ${leaked.join(', ')}`);
    check(seen.problems.length === 0, seen.problems.join('\n  '));
    ok = true;
    console.log(`voucher.mjs: ${LANG}: ok; ${a11yChecked.length} pages without accessibility violations; screenshots in ${ARTIFACTS}`);
  } catch (error) {
    console.error(`voucher.mjs: FAILED (${LANG}) at "${step}":\n  ${error?.message || error}\n  page: ${page?.url()}`);
    if (seen.problems.length) console.error(`  also seen:\n  ${seen.problems.join('\n  ')}`);
    if (page) {
      await page
        .screenshot({ path: path.join(ARTIFACTS, `voucher-${LANG}-FAIL.png`), fullPage: true, timeout: 5_000 })
        .catch(() => {});
    }
  } finally {
    await browser.close();
  }
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(`voucher.mjs: FAILED before the browser ran: ${error?.stack || error}`);
  process.exit(1);
});
