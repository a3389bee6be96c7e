// Headless-browser check of the live dashboard (/_emu/ui), run by tests/integration/test_dashboard.py.
//
//   node tests/ui/dashboard_check.mjs --url http://127.0.0.1:PORT [--invoke-url URL] --function NAME
//        [--screenshot PATH] [--payload JSON] [--expect-log TEXT] [--chromium PATH] [--timeout-ms N]
//
// Opens the page in Debian's chromium (headless, through puppeteer-core from tests/node), waits for
// the function's row, invokes the function through the Invoke API, measures how long the
// invocation's row (data-request-id) takes to appear, clicks it, and waits for #log-panel to show
// the REPORT line (and --expect-log). In --payload and --expect-log, {marker} is replaced by a
// unique marker and {requestId} by the invocation's request id. Console errors and warnings, page
// errors, failed requests and HTTP errors are collected throughout. Prints one JSON line; exits 0
// when every check passed, 1 otherwise (2 on bad arguments).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'node', 'package.json'));

function parseArgs(argv) {
  const opts = {
    url: null, invokeUrl: null, function: null, screenshot: null, chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    payload: '{"dashboardCheck":"{marker}"}', expectLog: null, timeoutMs: 60000, appearLimitMs: 1000,
  };
  const names = { '--url': 'url', '--invoke-url': 'invokeUrl', '--function': 'function', '--screenshot': 'screenshot',
    '--chromium': 'chromium', '--payload': 'payload', '--expect-log': 'expectLog', '--timeout-ms': 'timeoutMs',
    '--appear-limit-ms': 'appearLimitMs' };
  for (let i = 0; i < argv.length; i++) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) usage(`unknown or incomplete argument: ${argv[i]}`);
    opts[key] = argv[++i];
  }
  if (!opts.url || !opts.function) usage('--url and --function are required');
  opts.url = opts.url.replace(/\/+$/, '');
  opts.invokeUrl = (opts.invokeUrl || opts.url).replace(/\/+$/, '');
  opts.timeoutMs = Number(opts.timeoutMs);
  opts.appearLimitMs = Number(opts.appearLimitMs);
  return opts;
}

function usage(message) {
  process.stderr.write(`dashboard_check: ${message}\n` +
    'usage: node dashboard_check.mjs --url URL [--invoke-url URL] --function NAME [--screenshot PATH]\n');
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const result = {
  ok: false, reasons: [], consoleErrors: [], pageErrors: [], failedRequests: [], httpErrors: [],
  functionsShown: 0, requestId: null, invokeStatus: null, appearMs: null, logShown: false, screenshot: null,
};
let browser = null;
let page = null;
let collecting = true;

function fail(reason) {
  result.reasons.push(reason);
}

function finish() {
  result.ok = result.reasons.length === 0;
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.ok ? 0 : 1);
}

// A hung browser must not hang the test: give up after --timeout-ms.
const watchdog = setTimeout(async () => {
  fail(`timed out after ${opts.timeoutMs} ms`);
  if (browser) browser.process()?.kill('SIGKILL');
  finish();
}, opts.timeoutMs);

async function main() {
  let puppeteer;
  try {
    puppeteer = require('puppeteer-core');
  } catch (e) {
    fail(`puppeteer-core not found under ${join(here, '..', 'node', 'node_modules')}: ${e.message}`);
    return;
  }
  browser = await puppeteer.launch({
    executablePath: opts.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 900 });
  page.on('console', (msg) => {
    const type = msg.type();
    if (collecting && (type === 'error' || type === 'warn' || type === 'warning')) {
      const where = msg.location() && msg.location().url ? ` (${msg.location().url})` : '';
      result.consoleErrors.push(`${type}: ${msg.text()}${where}`);
    }
  });
  page.on('pageerror', (error) => { if (collecting) result.pageErrors.push(String(error && error.message || error)); });
  page.on('requestfailed', (request) => {
    if (collecting) result.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (collecting && response.status() >= 400) result.httpErrors.push(`${response.status()} ${response.url()}`);
  });

  // 1. The page loads and lists the function.
  const rowSelector = `#functions tr[data-function="${opts.function.replace(/["\\]/g, '\\$&')}"]`;
  await page.goto(`${opts.url}/_emu/ui`, { waitUntil: 'load', timeout: 15000 });
  try {
    await page.waitForSelector(rowSelector, { timeout: 10000 });
    await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', { timeout: 5000 });
  } catch (_) {
    fail(`the functions list did not show ${opts.function}`);
    return;
  }
  result.functionsShown = await page.$$eval('#functions tbody tr[data-function]', (rows) => rows.length);
  result.header = await page.$eval('#top', (e) => e.innerText.replace(/\s+/g, ' ').trim());

  // 2. An invocation through the Invoke API shows up within a second.
  const marker = `dashboard-check-${randomUUID()}`;
  const payload = opts.payload.replaceAll('{marker}', marker);
  const response = await fetch(`${opts.invokeUrl}/2015-03-31/functions/${encodeURIComponent(opts.function)}/invocations`,
    { method: 'POST', body: payload, headers: { 'Content-Type': 'application/json' } });
  const invokedAt = Date.now();
  await response.arrayBuffer();
  result.invokeStatus = response.status;
  const requestId = response.headers.get('x-amzn-requestid');
  result.requestId = requestId;
  if (response.status !== 200 || !requestId) {
    fail(`invoke answered ${response.status} with request id ${requestId}`);
    return;
  }
  const invocationSelector = `#invocations tr[data-request-id="${requestId}"]`;
  try {
    await page.waitForSelector(invocationSelector, { timeout: 10000 });
    result.appearMs = Date.now() - invokedAt;
    if (result.appearMs > opts.appearLimitMs) fail(`the invocation's row took ${result.appearMs} ms to appear`);
  } catch (_) {
    fail('the invocation never appeared in the invocations table');
    return;
  }

  // 3. Clicking it shows its log: the REPORT line and the function's own output.
  // Clicked inside the page, at once: rows move down as newer invocations arrive, so a click at
  // the row's coordinates could hit another one.
  await page.$eval(invocationSelector, (row) => row.click());
  const expected = [`REPORT RequestId: ${requestId}`];
  if (opts.expectLog) expected.push(opts.expectLog.replaceAll('{marker}', marker).replaceAll('{requestId}', requestId));
  try {
    await page.waitForFunction((texts) => {
      const panel = document.getElementById('log-panel');
      return panel && texts.every((t) => panel.textContent.includes(t));
    }, { timeout: 5000 }, expected);
    result.logShown = true;
  } catch (_) {
    result.logText = await page.$eval('#log-panel', (e) => e.textContent.slice(0, 2000)).catch(() => null);
    fail(`#log-panel did not show ${JSON.stringify(expected)}`);
  }

  // 4. Let the page run a moment longer (a few stream updates, a chart redraw).
  await new Promise((r) => setTimeout(r, 1200));
}

// The screenshot is taken whatever happened: it is what to look at when a check failed.
async function screenshot() {
  if (!page || !opts.screenshot) return;
  const path = resolve(opts.screenshot);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  result.screenshot = path;
}

try {
  await main();
  await screenshot();
} catch (e) {
  fail(`error: ${e && e.stack || e}`);
}
collecting = false;  // closing the page aborts the event stream: not a failure
if (result.consoleErrors.length) fail(`${result.consoleErrors.length} console error(s) or warning(s)`);
if (result.pageErrors.length) fail(`${result.pageErrors.length} uncaught page error(s)`);
if (result.failedRequests.length) fail(`${result.failedRequests.length} failed request(s)`);
if (result.httpErrors.length) fail(`${result.httpErrors.length} HTTP error response(s)`);
clearTimeout(watchdog);
if (browser) await browser.close().catch(() => {});
finish();
