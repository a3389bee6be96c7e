// lambda-emu live dashboard (served at /_emu/ui). Plain ES2020, no dependencies.
//
// Everything shown comes from the Server-Sent Events stream GET /_emu/events (hello, functions,
// invocations, async, tune; see docs/dashboard-api.md) plus a few JSON GETs. Incoming data only
// updates the in-memory state and marks what is dirty; the DOM is written once per animation
// frame (flush), so a burst of 100 invocations a second or 1,000 functions stays cheap.
'use strict';

// ---------------------------------------------------------------------------------------------
// Limits
const MAX_INVOCATION_ROWS = 500;    // the invocations table's rows (only visible ones are in the DOM)
const MAX_RECENT = 1000;            // invocations kept in memory (the server keeps 1,000 too)
const CHART_WINDOW_MS = 5 * 60 * 1000;
const MAX_CHART_POINTS = 30000;     // they hold the invocation too (v), for per-function tables

// ---------------------------------------------------------------------------------------------
// Helpers: DOM and formatting
const $ = (id) => document.getElementById(id);

function h(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text != null) e.textContent = text;
  return e;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

const intFormat = new Intl.NumberFormat('en-US');
const fmtInt = (n) => (n == null ? '–' : intFormat.format(n));

function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms < 10) return ms.toFixed(2) + ' ms';
  if (ms < 100) return ms.toFixed(1) + ' ms';
  if (ms < 1000) return ms.toFixed(0) + ' ms';
  return (ms / 1000).toFixed(2) + ' s';
}

// Lambda's costs are tiny: show `digits` significant digits, never scientific notation.
function fmtUsd(x, digits = 2) {
  if (x == null || !Number.isFinite(x)) return '–';
  if (x === 0) return '$0';
  if (x >= 1) return '$' + x.toFixed(2);
  const decimals = Math.min(12, Math.ceil(-Math.log10(x)) + digits - 1);
  return '$' + x.toFixed(decimals);
}

function fmtAge(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
  return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
function fmtClock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function fmtDateTime(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function badge(text, state) {
  return h('span', 'badge s-' + (state || text), text);
}

// fetch() returning parsed JSON; a non-2xx answer throws an Error carrying the server's message
// (`message` in AWS-style errors, `Message` in some others).
async function fetchJson(url, options) {
  const response = await fetch(url, options);
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = text; }
  if (!response.ok) {
    const message = (body && (body.message || body.Message)) || `${response.status} ${response.statusText}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// State. Event handlers change it and mark what is dirty; flush() renders.
const S = {
  hello: null,
  functions: new Map(),     // FunctionName -> FunctionView (with receivedAt, ms)
  rows: new Map(),          // FunctionName -> {tr, cells, values, badge}
  dirtyFunctions: new Set(),
  orderDirty: false,         // functions came or went
  totalsDirty: false,
  coldDirty: true,          // the cold-start list needs redrawing
  selected: null,           // FunctionName or null (all functions)
  filter: '',
  recent: [],               // last MAX_RECENT InvocationViews, oldest first
  pending: [],              // InvocationViews not yet in the table
  shown: [],                // the table's InvocationViews, oldest first (it shows them newest first)
  tableDirty: false,
  rowHeight: 22,            // px of one invocation row, measured once rendered
  rowMeasured: false,
  scrollShift: 0,           // rows added above while scrolled down: scroll by as much
  points: [],               // chart points, oldest first
  chartDirty: true,
  lastChartDraw: 0,
  selectedRequest: null,    // RequestId shown in the log panel
  tuneId: null,
  tuneRunning: false,
};

let frameRequested = false;
function schedule() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(flush);
}

function flush() {
  frameRequested = false;
  if (S.orderDirty) renderFunctionOrder();
  if (S.dirtyFunctions.size) renderFunctionRows();
  if (S.totalsDirty) renderTotals();
  if (S.pending.length) takePending();
  if (S.tableDirty) renderInvocationWindow();
  if (S.chartDirty && performance.now() - S.lastChartDraw > 400) drawCharts();
}

// ---------------------------------------------------------------------------------------------
// Header: version, region, uptime, totals
function onHello(hello) {
  S.hello = hello;
  setText($('version'), 'v' + (hello.Version || '?'));
  setText($('region'), hello.Region || '–');
  const prices = hello.Prices || {};
  if (prices.AsOf) {
    setText($('prices-asof'), `(prices of ${prices.AsOf}${prices.Region ? ', ' + prices.Region : ''})`);
    $('prices-asof').title = Object.entries(prices).map(([k, v]) => `${k}: ${v}`).join('\n');
  }
  tick();
  backfillInvocations();
  loadLatestTune();
}

function renderTotals() {
  S.totalsDirty = false;
  let invocations = 0, errors = 0, cold = 0, cost = 0;
  for (const f of S.functions.values()) {
    invocations += f.Invocations || 0;
    errors += f.Errors || 0;
    cold += f.ColdStarts || 0;
    cost += (f.Cost && f.Cost.TotalUsd) || 0;
  }
  setText($('total-functions'), fmtInt(S.functions.size));
  setText($('total-invocations'), fmtInt(invocations));
  setText($('total-errors'), fmtInt(errors));
  $('total-errors').classList.toggle('bad', errors > 0);
  setText($('total-cold'), fmtInt(cold));
  setText($('total-cost'), fmtUsd(cost, 3));
  $('no-functions').hidden = S.functions.size > 0;
  if (S.coldDirty) renderColdList();
}

// Once a second: uptime, environment ages, invocation rate, and the charts' time axis.
function tick() {
  if (S.hello && S.hello.StartedAt) setText($('uptime'), fmtAge((Date.now() - S.hello.StartedAt) / 1000));
  if (S.selected) renderEnvironments();
  const since = Date.now() - 10000;
  let n = 0;
  for (let i = S.points.length - 1; i >= 0 && S.points[i].t >= since; i--) n++;
  setText($('inv-rate'), n ? `${(n / 10).toFixed(1)}/s over 10 s` : '');
  S.chartDirty = true;
  schedule();
}

// ---------------------------------------------------------------------------------------------
// Functions table: one row per function, made once; an update rewrites only changed cells.
const FUNCTION_COLUMNS = [
  { get: (f) => f.FunctionName },
  { get: (f) => f.State || 'Active', badge: true },
  { get: (f) => f.Runtime || '–' },
  { get: (f) => (f.MemorySize ? f.MemorySize + ' MB' : '–'), num: true },
  { get: (f) => fmtInt(f.Invocations), num: true },
  { get: (f) => fmtInt(f.Errors), num: true, bad: (f) => f.Errors > 0 },
  { get: (f) => fmtInt(f.ColdStarts), num: true },
  { get: (f) => (f.Duration && f.Duration.count ? fmtMs(f.Duration.sumMs / f.Duration.count) : '–'), num: true },
  { get: (f) => fmtInt(f.ConcurrentExecutions) +
      (f.ReservedConcurrentExecutions != null ? ' / ' + f.ReservedConcurrentExecutions : ''), num: true },
  { get: (f) => { const e = f.Environments || {}; return `${e.Starting || 0} / ${e.Idle || 0} / ${e.Busy || 0}`; }, num: true },
  { get: (f) => fmtUsd(f.Cost && f.Cost.TotalUsd), num: true },
];

function onFunctions(data) {
  const now = Date.now();
  if (data.Full) {
    const present = new Set((data.Functions || []).map((f) => f.FunctionName));
    for (const name of [...S.functions.keys()]) if (!present.has(name)) removeFunction(name);
  }
  for (const f of data.Functions || []) {
    f.receivedAt = now;
    const old = S.functions.get(f.FunctionName);
    if (!old) S.orderDirty = true;
    if (!old || old.ColdStarts !== f.ColdStarts) S.coldDirty = true;
    S.functions.set(f.FunctionName, f);
    S.dirtyFunctions.add(f.FunctionName);
  }
  for (const name of data.Removed || []) removeFunction(name);
  S.totalsDirty = true;
  schedule();
}

function removeFunction(name) {
  S.functions.delete(name);
  S.dirtyFunctions.delete(name);
  const row = S.rows.get(name);
  if (row) row.tr.remove();
  S.rows.delete(name);
  if (S.selected === name) select(null);
  S.totalsDirty = S.orderDirty = S.coldDirty = true;
}

function makeFunctionRow(name) {
  const tr = document.createElement('tr');
  tr.dataset.function = name;
  const row = { tr, cells: [], values: [], badge: null };
  for (const col of FUNCTION_COLUMNS) {
    const td = h('td', col.num ? 'num' : '');
    if (col.badge) td.appendChild(row.badge = badge(''));
    tr.appendChild(td);
    row.cells.push(td);
    row.values.push(null);
  }
  row.cells[0].title = name;
  if (name === S.selected) tr.classList.add('selected');
  S.rows.set(name, row);
  return row;
}

// Rows in name order; only when functions came or went.
function renderFunctionOrder() {
  S.orderDirty = false;
  const names = [...S.functions.keys()].sort((a, b) => a.localeCompare(b));
  const fragment = document.createDocumentFragment();
  for (const name of names) {
    const row = S.rows.get(name) || makeFunctionRow(name);
    fragment.appendChild(row.tr);
  }
  $('functions').tBodies[0].appendChild(fragment);
  applyFilter();
  updateFunctionNames();
}

function renderFunctionRows() {
  for (const name of S.dirtyFunctions) {
    const f = S.functions.get(name);
    const row = S.rows.get(name);
    if (!f || !row) continue;
    FUNCTION_COLUMNS.forEach((col, i) => {
      const value = col.get(f);
      if (row.values[i] === value) return;
      row.values[i] = value;
      if (col.badge) {
        row.badge.textContent = value;
        row.badge.className = 'badge s-' + value;
      } else {
        row.cells[i].textContent = value;
      }
      if (col.bad) row.cells[i].classList.toggle('bad', col.bad(f));
    });
  }
  if (S.selected && S.dirtyFunctions.has(S.selected)) renderEnvironments();
  S.dirtyFunctions.clear();
}

function applyFilter() {
  const q = S.filter;
  let shown = 0;
  for (const [name, row] of S.rows) {
    const f = S.functions.get(name);
    const match = !q || name.toLowerCase().includes(q) || (f && (f.Runtime || '').toLowerCase().includes(q));
    if (row.tr.hidden === match) row.tr.hidden = !match;
    if (match) shown++;
  }
  setText($('filter-count'), q ? `${shown} of ${S.rows.size}` : '');
}

// The tuning form's function list, rebuilt only when the set of names changes.
let functionNamesKey = '';
function updateFunctionNames() {
  const names = [...S.functions.keys()].sort();
  const key = names.join('\n');
  if (key === functionNamesKey) return;
  functionNamesKey = key;
  const list = $('function-names');
  list.replaceChildren(...names.map((n) => { const o = document.createElement('option'); o.value = n; return o; }));
}

// ---------------------------------------------------------------------------------------------
// Selection: one function's environments; charts and invocations filtered to it
function select(name) {
  if (name === S.selected) return;
  const old = S.selected && S.rows.get(S.selected);
  if (old) old.tr.classList.remove('selected');
  S.selected = name;
  const row = name && S.rows.get(name);
  if (row) row.tr.classList.add('selected');
  setText($('selection'), name ? 'Selected: ' + name : 'All functions');
  $('select-all').hidden = !name;
  setText($('chart-scope'), name || 'all functions');
  setText($('inv-scope'), (name || 'all functions') + ', newest first');
  setText($('side-title'), name ? 'Environments of ' + name : 'Cold starts by function');
  $('cold-list').hidden = !!name;
  $('env-panel').hidden = !name;
  if (name) {
    renderEnvironments();
    const tuneFunction = $('tune-function');
    if (!S.tuneRunning) tuneFunction.value = name;
  } else {
    renderColdList();
  }
  rebuildInvocations();
  S.chartDirty = true;
  S.lastChartDraw = 0;
  schedule();
}

function renderEnvironments() {
  const f = S.functions.get(S.selected);
  const list = (f && f.EnvironmentList) || [];
  const elapsed = f ? (Date.now() - f.receivedAt) / 1000 : 0;
  const tbody = $('envs').tBodies[0];
  tbody.replaceChildren(...list.map((env) => {
    const tr = document.createElement('tr');
    const id = h('td', 'mono', env.Id);
    if (env.Provisioned) id.appendChild(h('span', 'mark', 'provisioned')).style.marginLeft = '6px';
    const state = h('td');
    state.appendChild(badge(env.State));
    const peak = env.MaxMemoryUsedMb || 0, limit = env.MemoryLimitMb || 0;
    const memory = h('td');
    const bar = memory.appendChild(h('span', 'bar'));
    const fill = bar.appendChild(h('i', limit && peak / limit > 0.9 ? 'high' : ''));
    fill.style.width = (limit ? Math.min(100, (100 * peak) / limit) : 0).toFixed(1) + '%';
    memory.appendChild(document.createTextNode(`${fmtInt(peak)} / ${fmtInt(limit)} MB`));
    tr.append(id, state, h('td', 'num', fmtAge((env.AgeSeconds || 0) + elapsed)), memory,
      h('td', 'num', fmtInt(env.Invocations)));
    return tr;
  }));
  $('no-envs').hidden = list.length > 0;
}

function renderColdList() {
  S.coldDirty = false;
  if (S.selected) return;
  const top = [...S.functions.values()].filter((f) => f.ColdStarts > 0)
    .sort((a, b) => b.ColdStarts - a.ColdStarts).slice(0, 12);
  const max = top.length ? top[0].ColdStarts : 1;
  const box = $('cold-list');
  if (!top.length) { box.replaceChildren(h('p', 'empty', 'No cold starts yet.')); return; }
  box.replaceChildren(...top.map((f) => {
    const row = h('div', 'cs-row');
    row.dataset.function = f.FunctionName;
    row.title = `${f.FunctionName}: ${f.ColdStarts} cold, ${f.WarmStarts || 0} warm starts`;
    const bar = h('span', 'cs-bar');
    bar.appendChild(h('i')).style.width = ((100 * f.ColdStarts) / max).toFixed(1) + '%';
    row.append(h('span', 'cs-name', f.FunctionName), bar, h('span', 'cs-n', fmtInt(f.ColdStarts)));
    return row;
  }));
}

// ---------------------------------------------------------------------------------------------
// Invocations: buffered as they arrive, written to the table once per frame, newest first
function onInvocations(list) {
  for (const v of list) addInvocation(v);
  trimRecent();
  if (S.pending.length > 4 * MAX_INVOCATION_ROWS) S.pending = S.pending.slice(-MAX_INVOCATION_ROWS);
  S.chartDirty = true;
  schedule();
}

function addInvocation(v) {
  S.recent.push(v);
  S.pending.push(v);
  S.points.push({
    t: v.Timestamp, d: v.DurationMs, m: v.MaxMemoryUsedMb, size: v.MemorySizeMb,
    cold: !!v.ColdStart, bad: v.Outcome !== 'Success', fn: v.FunctionName, v,
  });
}

function trimRecent() {
  if (S.recent.length > MAX_RECENT * 1.5) S.recent = S.recent.slice(-MAX_RECENT);
  if (S.points.length > MAX_CHART_POINTS * 1.2) S.points = S.points.slice(-MAX_CHART_POINTS);
}

// On (re)connecting: what finished before the page subscribed.
async function backfillInvocations() {
  let body;
  try {
    body = await fetchJson(`/_emu/invocations?limit=${MAX_RECENT}`);
  } catch (_) {
    return;  // the table fills from the stream anyway
  }
  const known = new Set(S.recent.map((v) => v.RequestId));
  const missing = ((body && body.Invocations) || []).filter((v) => !known.has(v.RequestId));
  if (!missing.length) return;
  for (const v of missing) addInvocation(v);
  S.recent.sort((a, b) => a.Timestamp - b.Timestamp);
  S.points.sort((a, b) => a.t - b.t);
  trimRecent();
  rebuildInvocations();
  S.chartDirty = true;
  schedule();
}

function invocationRow(v) {
  const tr = document.createElement('tr');
  tr.dataset.requestId = v.RequestId;
  if (v.RequestId === S.selectedRequest) tr.className = 'selected';
  const start = v.ColdStart
    ? h('td', 'cold', 'cold' + (v.InitDurationMs != null ? ' ' + fmtMs(v.InitDurationMs) : ''))
    : h('td', 'muted', 'warm');
  const outcome = h('td');
  outcome.appendChild(badge(v.Outcome || '?'));
  if (v.ErrorType) outcome.title = v.ErrorType;
  if (v.Attempt > 1) outcome.appendChild(h('span', 'muted', ` #${v.Attempt}`));
  // A memory tuning run's invocation, at the size it tried (not the function's).
  if (v.TuningRun) outcome.appendChild(h('span', 'muted', ` ${v.TuningRun} @ ${v.MemorySizeMb} MB`));
  tr.append(
    h('td', 'mono', fmtClock(v.Timestamp)),
    h('td', '', v.FunctionName + (v.Version && v.Version !== '$LATEST' ? ':' + v.Version : '')),
    h('td', 'mono', v.RequestId),
    h('td', 'num', fmtMs(v.DurationMs)),
    h('td', 'num', fmtInt(v.BilledDurationMs)),
    start,
    outcome,
    h('td', 'num', `${fmtInt(v.MaxMemoryUsedMb)} / ${fmtInt(v.MemorySizeMb)}`),
    h('td', 'num', fmtUsd(v.CostUsd)));
  return tr;
}

// The table's rows (S.shown, the newest MAX_INVOCATION_ROWS) are in the DOM only where they can
// be seen: rows above and below the scrolled-to window are two spacer rows. Each invocation moves
// every row down, and repainting 500 rows four times a second is what made the page slow.
function takePending() {
  let batch = S.pending;
  S.pending = [];
  if (S.selected) batch = batch.filter((v) => v.FunctionName === S.selected);
  if (!batch.length) return;
  S.shown.push(...batch.slice(-MAX_INVOCATION_ROWS));
  if (S.shown.length > MAX_INVOCATION_ROWS) S.shown = S.shown.slice(-MAX_INVOCATION_ROWS);
  // Scrolled down to older rows: keep them where they are; at the top: follow the newest.
  if ($('inv-scroll').scrollTop > 0) S.scrollShift += Math.min(batch.length, MAX_INVOCATION_ROWS);
  S.tableDirty = true;
}

function spacerRow(height) {
  const tr = h('tr', 'spacer');
  const td = tr.appendChild(h('td'));
  td.colSpan = 9;
  td.style.height = height + 'px';
  return tr;
}

function renderInvocationWindow() {
  S.tableDirty = false;
  const box = $('inv-scroll');
  const n = S.shown.length, height = S.rowHeight;
  const top = box.scrollTop + S.scrollShift * height;
  const first = Math.max(0, Math.floor(top / height) - 10);
  const last = Math.min(n, Math.ceil((top + (box.clientHeight || 480)) / height) + 10);
  const rows = [];
  for (let i = first; i < last; i++) rows.push(invocationRow(S.shown[n - 1 - i]));  // newest first
  $('invocations').tBodies[0].replaceChildren(spacerRow(first * height), ...rows,
    spacerRow(Math.max(0, n - last) * height));
  if (S.scrollShift) box.scrollTop = top;
  S.scrollShift = 0;
  if (!S.rowMeasured && rows.length) {  // the real row height, once, for the spacers
    S.rowMeasured = true;
    S.rowHeight = rows[0].getBoundingClientRect().height || height;
    if (S.rowHeight !== height) S.tableDirty = true;
  }
  $('no-invocations').hidden = n > 0;
}

// For one function, the last five minutes' points hold more of its invocations than `recent`.
function rebuildInvocations() {
  S.pending = [];
  let list = S.recent;
  if (S.selected) {
    const byId = new Map();
    for (const v of S.recent) if (v.FunctionName === S.selected) byId.set(v.RequestId, v);
    for (const p of S.points) if (p.fn === S.selected) byId.set(p.v.RequestId, p.v);
    list = [...byId.values()].sort((a, b) => a.Timestamp - b.Timestamp);
  }
  S.shown = list.slice(-MAX_INVOCATION_ROWS);
  $('inv-scroll').scrollTop = 0;
  setText($('no-invocations'), S.selected ? `No recent invocations of ${S.selected}.` : 'No invocations yet: invoke a function.');
  S.tableDirty = true;
  schedule();
}

// ---------------------------------------------------------------------------------------------
// Log panel: GET /_emu/invocations/{id} on a click
async function showLog(requestId) {
  const tbody = $('invocations').tBodies[0];
  for (const tr of tbody.querySelectorAll('tr.selected')) tr.classList.remove('selected');
  const tr = tbody.querySelector(`tr[data-request-id="${CSS.escape(requestId)}"]`);
  if (tr) tr.classList.add('selected');
  S.selectedRequest = requestId;
  setText($('log-title'), requestId);
  const pre = $('log-text');
  pre.className = 'log muted';
  pre.textContent = 'Loading…';
  let view;
  try {
    view = await fetchJson('/_emu/invocations/' + encodeURIComponent(requestId));
  } catch (error) {
    if (S.selectedRequest !== requestId) return;
    pre.textContent = error.status === 404
      ? 'This invocation is no longer kept (the server keeps the last 1,000).'
      : 'Could not load the log: ' + error.message;
    return;
  }
  if (S.selectedRequest !== requestId) return;  // another row was clicked meanwhile
  pre.className = 'log';
  const fragment = document.createDocumentFragment();
  fragment.appendChild(h('span', 'muted',
    `${view.FunctionName} · ${view.Outcome}${view.ErrorType ? ' ' + view.ErrorType : ''} · ` +
    `${fmtMs(view.DurationMs)} · ${fmtClock(view.Timestamp)}\n\n`));
  for (const line of String(view.Log || '').split('\n')) {
    const runtime = /^(START|END|REPORT|INIT_START|INIT_REPORT|RESTORE_REPORT) /.test(line);
    fragment.appendChild(runtime ? h('span', 'muted', line + '\n') : document.createTextNode(line + '\n'));
  }
  pre.replaceChildren(fragment);
}

// ---------------------------------------------------------------------------------------------
// Charts: duration and memory used over the last five minutes, drawn on canvases
function drawCharts() {
  S.chartDirty = false;
  S.lastChartDraw = performance.now();
  const now = Date.now(), from = now - CHART_WINDOW_MS;
  let first = 0;
  while (first < S.points.length && S.points[first].t < from - 10000) first++;
  if (first > 0) S.points = S.points.slice(first);
  const points = S.points.filter((p) => p.t >= from && (!S.selected || p.fn === S.selected));
  const f = S.selected && S.functions.get(S.selected);
  let limit = f && f.MemorySize;
  if (!limit) for (const p of points) limit = Math.max(limit || 0, p.size || 0);
  drawChart($('chart-duration'), points, 'd', from, now, null);
  drawChart($('chart-memory'), points, 'm', from, now, limit || null);
}

function niceStep(max, ticks) {
  const raw = max / ticks, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

function drawChart(canvas, points, key, from, to, lineAt) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (!width || !height) return;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const left = 44, right = 8, top = 8, bottom = 18;
  const w = width - left - right, ht = height - top - bottom;
  let max = lineAt || 0;
  for (const p of points) if (p[key] > max) max = p[key];
  max = max > 0 ? max * 1.1 : 1;
  const step = niceStep(max, 4);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const label = (v) => (decimals ? v.toFixed(decimals) : fmtInt(Math.round(v)));
  const x = (t) => left + ((t - from) / (to - from)) * w;
  const y = (v) => top + ht - (v / max) * ht;

  // Grid and axes
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#667085';
  ctx.strokeStyle = '#eef0f3';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let i = 0; i * step <= max; i++) {
    const v = i * step, yy = Math.round(y(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(left, yy); ctx.lineTo(left + w, yy); ctx.stroke();
    ctx.fillText(label(v), left - 4, yy);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let m = 5; m >= 0; m--) {
    const t = to - m * 60000;
    ctx.fillText(m ? `-${m} min` : 'now', Math.min(x(t), left + w - 12), top + ht + 4);
  }
  if (lineAt) {
    ctx.strokeStyle = '#98a2b3';
    ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(left, y(lineAt)); ctx.lineTo(left + w, y(lineAt)); ctx.stroke();
    ctx.setLineDash([]);
  }
  if (!points.length) {
    ctx.fillText('no invocations in the last 5 minutes', left + w / 2, top + ht / 2 - 6);
    return;
  }
  // Warm points, then failures, then cold starts (orange diamonds) on top
  ctx.globalAlpha = points.length > 2000 ? 0.5 : 0.8;
  ctx.fillStyle = '#2f6fde';
  for (const p of points) if (!p.cold && !p.bad) ctx.fillRect(x(p.t) - 1.5, y(p[key]) - 1.5, 3, 3);
  ctx.globalAlpha = 1;
  ctx.fillStyle = '#c62828';
  for (const p of points) if (p.bad && !p.cold) ctx.fillRect(x(p.t) - 2, y(p[key]) - 2, 4, 4);
  for (const p of points) {
    if (!p.cold) continue;
    const px = x(p.t), py = y(p[key]);
    ctx.fillStyle = p.bad ? '#c62828' : '#e8710a';
    ctx.beginPath();
    ctx.moveTo(px, py - 4); ctx.lineTo(px + 4, py); ctx.lineTo(px, py + 4); ctx.lineTo(px - 4, py);
    ctx.closePath(); ctx.fill();
  }
}

// ---------------------------------------------------------------------------------------------
// Asynchronous queues and schedules: shown only when there is something in them
function onAsync(data) {
  const asyncBody = data.Async || {};
  const queues = asyncBody.Functions || [];
  const schedules = (data.Schedules && data.Schedules.Schedules) || [];
  $('async-section').hidden = !queues.length && !schedules.length;
  $('async-table').hidden = !queues.length;
  $('schedules-table').hidden = !schedules.length;
  const info = [];
  if (queues.length) info.push(asyncBody.Durable ? 'queue kept in the state directory' : 'queue in memory');
  if (asyncBody.RetryDelaysSeconds) info.push('retries after ' + asyncBody.RetryDelaysSeconds.join(', ') + ' s');
  if (data.Schedules && data.Schedules.Running === false && schedules.length) info.push('schedules off (fire by hand)');
  setText($('async-info'), info.join(' · '));

  $('async-table').tBodies[0].replaceChildren(...queues.map((q) => {
    const tr = document.createElement('tr');
    const cells = [q.Queued, q.InFlight].map((n) => h('td', 'num', fmtInt(n)));
    tr.append(h('td', '', q.FunctionName), ...cells,
      h('td', 'num', q.Queued ? fmtAge((q.OldestEventAgeMs || 0) / 1000) : '–'),
      h('td', 'num', fmtInt(q.WaitingForRetry)),
      h('td', q.Throttled ? 'bad' : 'muted', q.Throttled ? 'yes' : 'no'),
      ...[q.AsyncEventsReceived, q.Succeeded].map((n) => h('td', 'num', fmtInt(n))),
      ...[q.AsyncEventsDropped, q.DeadLettered, q.DestinationDeliveryFailures]
        .map((n) => h('td', n ? 'num bad' : 'num', fmtInt(n))));
    const retrying = q.Retrying || [];
    if (retrying.length) {
      tr.title = retrying.map((r) => `${r.RequestId}: attempt ${r.ApproximateInvokeCount}, ` +
        `next in ${fmtAge((r.NextAttemptInMs || 0) / 1000)}`).join('\n');
    }
    return tr;
  }));

  $('schedules-table').tBodies[0].replaceChildren(...schedules.map((s) => {
    const tr = document.createElement('tr');
    const state = h('td');
    state.appendChild(badge(s.State));
    const fn = s.FunctionName + (s.Qualifier && s.Qualifier !== '$LATEST' ? ':' + s.Qualifier : '');
    const expression = s.ScheduleExpression + (s.ScheduleExpressionTimezone ? ' ' + s.ScheduleExpressionTimezone : '');
    tr.append(h('td', '', s.Name), h('td', '', fn), h('td', 'mono', expression), state,
      h('td', 'mono', s.NextFiring ? fmtDateTime(Date.parse(s.NextFiring)) : '–'),
      h('td', 'num', fmtInt(s.Fired)));
    return tr;
  }));
}

// ---------------------------------------------------------------------------------------------
// Memory power tuning: POST /_emu/tune, progress from `tune` events, then the result
async function startTune(event) {
  event.preventDefault();
  const error = $('tune-error');
  error.hidden = true;
  const fail = (message) => { error.textContent = message; error.hidden = false; };
  const name = $('tune-function').value.trim();
  const sizes = $('tune-memory').value.split(/[\s,]+/).filter(Boolean).map(Number);
  const runs = Number($('tune-runs').value);
  if (!name) return fail('Choose a function.');
  if (S.functions.size && !S.functions.has(name)) return fail(`There is no function named ${name}.`);
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n < 128 || n > 10240)) {
    return fail('Memory sizes: whole numbers of MB from 128 to 10240, separated by commas.');
  }
  if (!Number.isInteger(runs) || runs < 1) return fail('Runs: a whole number, at least 1.');
  let payload;
  try {
    payload = JSON.parse($('tune-event').value.trim() || '{}');
  } catch (e) {
    return fail('Event: not valid JSON (' + e.message + ').');
  }
  $('tune-start').disabled = true;
  try {
    const view = await fetchJson('/_emu/tune', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ FunctionName: name, Event: payload, MemorySizes: sizes, Runs: runs }),
    });
    S.tuneId = view.Id;
    renderTune(view);
  } catch (e) {
    fail(e.message);
    $('tune-start').disabled = false;
  }
}

function onTune(view) {
  // Follow the run this page started; otherwise show whichever run the server reports.
  if (S.tuneId && view.Id !== S.tuneId && view.Status !== 'running') return;
  S.tuneId = view.Id;
  renderTune(view);
}

async function loadLatestTune() {
  try {
    const body = await fetchJson('/_emu/tune');
    const runs = (body && body.Runs) || [];
    if (runs.length && !S.tuneId) onTune(runs[runs.length - 1]);
  } catch (_) { /* no runs yet */ }
}

function renderTune(view) {
  S.tuneRunning = view.Status === 'running';
  $('tune-start').disabled = S.tuneRunning;
  $('tune-status').hidden = false;
  const label = $('tune-label');
  label.replaceChildren(h('strong', '', view.FunctionName + ' '), badge(view.Status));
  const progress = view.Progress || {};
  $('tune-progress').max = progress.Total || 1;
  $('tune-progress').value = progress.Done || 0;
  setText($('tune-count'), `${fmtInt(progress.Done || 0)} of ${fmtInt(progress.Total || 0)} invocations`);
  const error = $('tune-error');
  if (view.Status === 'failed') {
    error.textContent = 'Tuning failed: ' + (view.Error || 'unknown error');
    error.hidden = false;
  } else if (view.Status === 'done') {
    error.hidden = true;  // e.g. "one runs at a time" from a click while this one ran
  }
  const done = view.Status === 'done' && view.Result;
  $('tune-result').hidden = !done;
  if (!done) return;
  renderTuneTable(view.Result);
  const chart = $('tune-chart');
  const src = `/_emu/tune/${encodeURIComponent(view.Id)}/chart.svg`;
  if (chart.getAttribute('src') !== src) chart.setAttribute('src', src);
  chart.hidden = false;
}

// TuneResult (the tune.json of `lambda-emu tune`, src/tune/power_tuning.cc): Results[] per memory
// size, and Cheapest / Fastest / Balanced naming a size (MB) or null.
function renderTuneTable(result) {
  const marks = ['Cheapest', 'Fastest', 'Balanced'];
  $('tune-table').tBodies[0].replaceChildren(...(result.Results || []).map((r) => {
    const ran = r.Status === 'ok' || r.Invocations > 0;
    const duration = r.DurationMs || {};
    const cold = r.ColdStart ? (r.ColdStart.DurationMs || 0) + (r.ColdStart.InitDurationMs || 0) : null;
    const status = h('td');
    status.appendChild(badge(r.Status, r.Status === 'ok' ? 'ok' : 'failed'));
    if (r.Error) status.appendChild(h('span', 'muted', ' ' + r.Error)).title = r.Error;
    const markCell = h('td');
    for (const m of marks) if (result[m] === r.MemorySize) markCell.appendChild(h('span', 'mark', m));
    const tr = document.createElement('tr');
    tr.append(h('td', 'num', fmtInt(r.MemorySize) + ' MB'), status,
      h('td', 'num', ran ? fmtMs(duration.P50) : '–'), h('td', 'num', ran ? fmtMs(duration.P90) : '–'),
      h('td', 'num', fmtMs(cold)), h('td', 'num', fmtInt(r.MaxMemoryUsedMb) + ' MB'),
      h('td', 'num', ran ? fmtUsd(r.CostPerInvocationUsd) : '–'),
      h('td', 'num', ran ? fmtUsd(r.CostPerMillionUsd) : '–'), markCell);
    return tr;
  }));
}

// ---------------------------------------------------------------------------------------------
// Connection: EventSource reconnects by itself after a dropped stream; a refused one (CLOSED)
// is retried here.
function setConnection(state) {
  const el = $('conn');
  const text = { live: 'live', retry: 'reconnecting', down: 'disconnected' }[state];
  setText(el, text);
  el.className = 'conn conn-' + state;
}

function connect() {
  const source = new EventSource('/_emu/events');
  const on = (name, handler) => source.addEventListener(name, (e) => handler(JSON.parse(e.data)));
  source.onopen = () => setConnection('live');
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      setConnection('down');
      setTimeout(connect, 3000);
    } else {
      setConnection('retry');
    }
  };
  on('hello', onHello);
  on('functions', onFunctions);
  on('invocations', onInvocations);
  on('async', onAsync);
  on('tune', onTune);
}

// ---------------------------------------------------------------------------------------------
// Wiring
function init() {
  $('filter').addEventListener('input', (e) => {
    S.filter = e.target.value.trim().toLowerCase();
    applyFilter();
  });
  $('functions').tBodies[0].addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-function]');
    if (tr) select(tr.dataset.function === S.selected ? null : tr.dataset.function);
  });
  $('cold-list').addEventListener('click', (e) => {
    const row = e.target.closest('[data-function]');
    if (row) select(row.dataset.function);
  });
  $('select-all').addEventListener('click', () => select(null));
  $('invocations').tBodies[0].addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-request-id]');
    if (tr) showLog(tr.dataset.requestId);
  });
  $('inv-scroll').addEventListener('scroll', () => { S.tableDirty = true; schedule(); }, { passive: true });
  $('tune-form').addEventListener('submit', startTune);
  window.addEventListener('resize', () => { S.chartDirty = true; schedule(); });
  renderColdList();
  connect();
  setInterval(tick, 1000);
  schedule();
}

init();
