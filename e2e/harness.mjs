// What the browser scripts share: the step being run, the check that fails it with a message,
// and the expectations on the current page. A script sets `run.page` whenever it opens or closes
// a page, and reads `run.step` to name the step that failed. `checkA11y` runs axe-core over a page.

import { AxeBuilder } from '@axe-core/playwright';

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

// ------------------------------------------------------------------ accessibility (docs/accessibility.md)

/** What every page must meet: WCAG 2.0 and 2.1, levels A and AA, as axe-core tags them. */
export const A11Y_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The size the check runs at: a phone (the recipients' device, and the smallest layout). */
export const PHONE = { width: 390, height: 844 };

/** The pages checked so far in this script, as `<label> [<lang>]`, for the closing summary. */
export const a11yChecked = [];

/**
 * `A11Y_KEEP_GOING=1` (for fixing many pages at once): a violation is printed and the journey
 * goes on; the script then exits 1 at the end, listing every page that had violations.
 */
const keepGoing = process.env.A11Y_KEEP_GOING === '1';
const a11yFailed = [];
if (keepGoing) {
  process.on('exit', () => {
    if (!a11yFailed.length) return;
    console.error(`accessibility: violations on ${a11yFailed.length} page(s): ${a11yFailed.join(', ')}`);
    process.exitCode = 1;
  });
}

/**
 * Runs axe-core over the page as it is now, at phone size, and fails the step with every
 * violation of WCAG 2.1 A/AA: rule, impact, the element (CSS selector) and what axe says is
 * wrong, under the page's `label` and language. A page opened at another size (the office's
 * desktop journeys) is resized to a phone for the check and back afterwards, so that the
 * small layout is the one checked everywhere.
 */
export async function checkA11y(page, label) {
  // axe runs in the page: in a profile without JavaScript it never finishes (its timers do not
  // fire), so the journeys check the pages of their scripted profiles only.
  const size = page.viewportSize();
  const resize = size && (size.width !== PHONE.width || size.height !== PHONE.height);
  if (resize) await page.setViewportSize(PHONE);
  let results;
  const lang = (await page.locator('html').getAttribute('lang')) ?? '(no lang)';
  try {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new CheckFailed(`accessibility: axe did not finish on "${label}" within 30 s (is JavaScript off in this browser profile?)`)), 30_000);
    });
    results = await Promise.race([new AxeBuilder({ page }).withTags(A11Y_TAGS).analyze(), late]).finally(() => clearTimeout(timer));
  } finally {
    if (resize) await page.setViewportSize(size);
  }
  const found = results.violations.flatMap((rule) =>
    rule.nodes.map((node) => {
      const why = squash(node.any.concat(node.all, node.none).map((check) => check.message).join(' / '));
      const html = squash(node.html).slice(0, 160);
      return `${rule.id} (${node.impact ?? rule.impact}) at ${node.target.join(' ')}: ${rule.help}${why ? ` — ${why}` : ''}\n      ${html}`;
    }),
  );
  a11yChecked.push(`${label} [${lang}]`);
  if (found.length) {
    const message =
      `accessibility: ${found.length} violation(s) of WCAG 2.1 A/AA on "${label}" [${lang}] ` +
      `at ${PHONE.width}×${PHONE.height} (${page.url()}):\n    ${found.join('\n    ')}`;
    if (!keepGoing) fail(message);
    console.error(message);
    a11yFailed.push(`${label} [${lang}]`);
  }
}
