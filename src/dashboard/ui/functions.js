// The live dashboard's functions (/_emu/ui): the `functions` event kept in S.functions, the functions
// table (one row per function, made once, in name order; an update rewrites only the cells that
// changed), the filter box, and the environments of the selected function shown in the side panel.
// Selecting a function (select(), app.js) is a click on its row.
import { S, schedule, select } from '/_emu/ui/app.js';
import { $, h, setText, badge } from '/_emu/ui/dom.js';
import { fmtInt, fmtMs, fmtUsd, fmtAge } from '/_emu/ui/format.js';
import { updateFunctionNames } from '/_emu/ui/tuning.js';

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

export function onFunctions(data) {
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
export function renderFunctionOrder() {
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

export function renderFunctionRows() {
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

export function applyFilter() {
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

// The selected function's environments, in the side panel (every second, and on each update)
export function renderEnvironments() {
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
