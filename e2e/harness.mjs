// What the browser scripts share: the step being run, the check that fails it with a message,
// and the expectations on the current page. A script sets `run.page` whenever it opens or closes
// a page, and reads `run.step` to name the step that failed.

/** The environment variable `name`, or the script stops (exit 2) naming what it misses. */
export function required(name) {
  const value = process.env[name];
  if (!value) {
    const script = (process.argv[1] || 'script').split('/').pop();
    console.error(`${script}: missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
}

export class CheckFailed extends Error {}

/** The script's current page and step. */
export const run = { page: null, step: '(start)' };

export function fail(message) {
  throw new CheckFailed(message);
}

export function squash(text) {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

export function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function step(name, body) {
  run.step = name;
  await body();
}

/** Waits for the page to be at `pattern` (a RegExp on the path and query). */
export async function expectPath(pattern, what) {
  try {
    await run.page.waitForURL((url) => pattern.test(url.pathname + url.search), { timeout: 20_000 });
  } catch {
    fail(`expected ${what} (a URL matching ${pattern}), but the page stayed at ${run.page.url()}`);
  }
}

export async function expectVisible(locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible' });
  } catch {
    fail(`expected ${what} to be visible`);
  }
}

export async function expectText(locator, expected, what) {
  await expectVisible(locator, what);
  const actual = squash(await locator.first().textContent());
  const ok = expected instanceof RegExp ? expected.test(actual) : actual === expected;
  if (!ok) fail(`expected ${what} to be ${expected instanceof RegExp ? expected : JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  return actual;
}

export async function expectAbsent(locator, what) {
  const n = await locator.count();
  if (n !== 0) fail(`expected no ${what}, found ${n}`);
}

export async function expectLanguage(lang) {
  const tag = await run.page.locator('html').getAttribute('lang');
  if (tag !== lang) fail(`expected the page in ${lang} (html[lang="${lang}"]), got html[lang="${tag}"]`);
}

export async function expectHeading(text) {
  await expectText(run.page.locator('main h1'), text, 'the page heading (h1)');
}

/** The value cell of the row headed `label` in a `table.counts`. */
export function countsCell(label, table = run.page.locator('main table.counts')) {
  return table.locator('tr').filter({ has: run.page.locator('th', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) }).locator('td');
}
