// The live dashboard's panel of asynchronous invocations and schedules (/_emu/ui), from the `async`
// event: each function's queue (queued, in flight, waiting for a retry, received, succeeded, dropped,
// dead-lettered) and each schedule with its next firing. The panel and each of its two tables show
// only when there is something in them.
import { $, h, setText, badge } from '/_emu/ui/dom.js';
import { fmtInt, fmtAge, fmtDateTime } from '/_emu/ui/format.js';

// Asynchronous queues and schedules: shown only when there is something in them
export function onAsync(data) {
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
