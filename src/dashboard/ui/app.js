// lambda-emu live dashboard (served at /_emu/ui). Plain ES2020 modules, no dependencies.
//
// Everything shown comes from the Server-Sent Events stream GET /_emu/events (hello, functions,
// invocations, async, tune; see docs/dashboard-api.md) plus a few JSON GETs. Incoming data only
// updates the in-memory state and marks what is dirty; the DOM is written once per animation
// frame (flush), so a burst of 100 invocations a second or 1,000 functions stays cheap.
//
// This file holds that state (S), flush(), the header, the selection of a function, the connection
// and the wiring; the panels are in functions.js, invocations.js, charts.js, async.js and tuning.js,
// the shared helpers in dom.js and format.js. Those modules import S, schedule() and select() from
// here: a cycle ES modules allow, as nothing of theirs runs before init() at the end of this file.
import { $, setText } from '/_emu/ui/dom.js';
import { fmtInt, fmtUsd, fmtAge } from '/_emu/ui/format.js';
import {
  onFunctions, renderFunctionOrder, renderFunctionRows, applyFilter, renderEnvironments,
} from '/_emu/ui/functions.js';
import {
  onInvocations, backfillInvocations, takePending, renderInvocationWindow, rebuildInvocations, showLog,
} from '/_emu/ui/invocations.js';
import { drawCharts, renderColdList } from '/_emu/ui/charts.js';
import { onAsync } from '/_emu/ui/async.js';
import { startTune, onTune, loadLatestTune } from '/_emu/ui/tuning.js';

// ---------------------------------------------------------------------------------------------
// State. Event handlers change it and mark what is dirty; flush() renders.
export const S = {
  hello: null,
  functions: new Map(),     // FunctionName -> FunctionView (with receivedAt, ms)
  rows: new Map(),          // FunctionName -> {tr, cells, values, badge}
  dirtyFunctions: new Set(),
  orderDirty: false,         // functions came or went
  totalsDirty: false,
  coldDirty: true,          // the cold-start list needs redrawing
  selected: null,           // FunctionName or null (all functions)
  filter: '',
  recent: [],               // last MAX_RECENT (invocations.js) InvocationViews, oldest first
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
export function schedule() {
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
// Selection: one function's environments; charts and invocations filtered to it
export function select(name) {
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
