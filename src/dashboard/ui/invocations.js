// The live dashboard's invocations (/_emu/ui): the `invocations` event and the backfill on connecting
// (GET /_emu/invocations) kept in S.recent and S.points, the invocations table (newest first,
// virtualised: only the rows in view are in the DOM), and the log panel, which a click on a row
// fills from GET /_emu/invocations/{id}.
import { S, schedule } from '/_emu/ui/app.js';
import { $, h, setText, badge, fetchJson } from '/_emu/ui/dom.js';
import { fmtInt, fmtMs, fmtUsd, fmtClock } from '/_emu/ui/format.js';

const MAX_INVOCATION_ROWS = 500;    // the invocations table's rows (only visible ones are in the DOM)
const MAX_RECENT = 1000;            // invocations kept in memory (the server keeps 1,000 too)
const MAX_CHART_POINTS = 30000;     // they hold the invocation too (v), for per-function tables

// Invocations: buffered as they arrive, written to the table once per frame, newest first
export function onInvocations(list) {
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
export async function backfillInvocations() {
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
  if (v.TuningRun) {
    const label = `${v.TuningRun} @ ${v.MemorySizeMb} MB`;
    outcome.appendChild(h('span', 'muted', ' ' + label));
    outcome.title = (outcome.title ? outcome.title + ', ' : '') + 'memory tuning run ' + label;
  }
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
export function takePending() {
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

export function renderInvocationWindow() {
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
export function rebuildInvocations() {
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
export async function showLog(requestId) {
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
