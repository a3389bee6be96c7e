// The live dashboard's charts (/_emu/ui): the two canvases of the "Last 5 minutes" panel, each
// invocation's duration and memory used over time (warm, failed, cold start; on the memory chart a
// dashed line at the memory size), and the cold-start bars by function shown beside them while no
// function is selected. flush() (app.js) redraws the canvases at most every 400 ms, from S.points,
// which invocations.js fills.
import { S } from '/_emu/ui/app.js';
import { $, h } from '/_emu/ui/dom.js';
import { fmtInt } from '/_emu/ui/format.js';

const CHART_WINDOW_MS = 5 * 60 * 1000;

// Charts: duration and memory used over the last five minutes, drawn on canvases
export function drawCharts() {
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

// Cold starts by function: the 12 with the most, as bars; a click selects the function (app.js)
export function renderColdList() {
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
