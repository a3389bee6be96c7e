// Small helpers every part of the live dashboard (/_emu/ui) shares: $() for an element by id, h()
// to make one (tag, class, text), setText() that writes only a changed text (no needless layout),
// badge() for a state pill (class s-STATE, styled in app.css), and fetchJson(), which turns a non-2xx
// answer of the server into an Error carrying its message and status.

export const $ = (id) => document.getElementById(id);

export function h(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text != null) e.textContent = text;
  return e;
}

export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function badge(text, state) {
  return h('span', 'badge s-' + (state || text), text);
}

// fetch() returning parsed JSON; a non-2xx answer throws an Error carrying the server's message
// (`message` in AWS-style errors, `Message` in some others).
export async function fetchJson(url, options) {
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
