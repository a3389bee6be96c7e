// The live dashboard's memory power tuning panel (/_emu/ui): the form that starts a run (checked
// here, then POST /_emu/tune), its progress from `tune` events, and the result: a row per memory size
// with the cheapest / fastest / balanced marks, and the server's chart (chart.svg). On connecting,
// the page shows the latest run (GET /_emu/tune). Also the form's list of function names, which
// functions.js updates when functions come or go.
import { S } from '/_emu/ui/app.js';
import { $, h, setText, badge, fetchJson } from '/_emu/ui/dom.js';
import { fmtInt, fmtMs, fmtUsd } from '/_emu/ui/format.js';

// Memory power tuning: POST /_emu/tune, progress from `tune` events, then the result
export async function startTune(event) {
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

export function onTune(view) {
  // Follow the run this page started; otherwise show whichever run the server reports.
  if (S.tuneId && view.Id !== S.tuneId && view.Status !== 'running') return;
  S.tuneId = view.Id;
  renderTune(view);
}

export async function loadLatestTune() {
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

// The tuning form's function list, rebuilt only when the set of names changes.
let functionNamesKey = '';
export function updateFunctionNames() {
  const names = [...S.functions.keys()].sort();
  const key = names.join('\n');
  if (key === functionNamesKey) return;
  functionNamesKey = key;
  const list = $('function-names');
  list.replaceChildren(...names.map((n) => { const o = document.createElement('option'); o.value = n; return o; }));
}
