// Number, time and money formatters of the live dashboard (/_emu/ui). Pure functions, no DOM: counts
// with thousands separators, durations (ms or s), US dollars with a few significant digits (Lambda's
// costs are tiny), ages ("3m 12s"), clock times and dates, all in the page's local time. A missing
// value (null, NaN) shows as an en dash.

const intFormat = new Intl.NumberFormat('en-US');
export const fmtInt = (n) => (n == null ? '–' : intFormat.format(n));

export function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms < 10) return ms.toFixed(2) + ' ms';
  if (ms < 100) return ms.toFixed(1) + ' ms';
  if (ms < 1000) return ms.toFixed(0) + ' ms';
  return (ms / 1000).toFixed(2) + ' s';
}

// Lambda's costs are tiny: show `digits` significant digits, never scientific notation.
export function fmtUsd(x, digits = 2) {
  if (x == null || !Number.isFinite(x)) return '–';
  if (x === 0) return '$0';
  if (x >= 1) return '$' + x.toFixed(2);
  const decimals = Math.min(12, Math.ceil(-Math.log10(x)) + digits - 1);
  return '$' + x.toFixed(decimals);
}

export function fmtAge(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
  return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
export function fmtClock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtDateTime(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
