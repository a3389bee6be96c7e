// The Runtime API client of lambda-emu's Node.js runtime (bootstrap.mjs): one
// keep-alive connection to the environment's Runtime API
// (AWS_LAMBDA_RUNTIME_API), no per-invoke setup. Node's standard library only.

import net from 'node:net';

const API_PREFIX = '/2018-06-01/runtime';

export class RuntimeApi {
  // A small HTTP/1.1 client on one net.Socket rather than node:http: the two
  // requests of a warm invoke (GET /next, POST /response) are the runtime's
  // hot path, and ClientRequest/IncomingMessage cost more than the rest of
  // the per-invoke work. One request at a time (queued); the socket is unref'd
  // while idle so that 'beforeExit' still fires when the user's loop drains.
  constructor(address) {
    const colon = address.lastIndexOf(':');
    this.address = address;
    this.host = address.slice(0, colon) || '127.0.0.1';
    this.port = Number(address.slice(colon + 1));
    this.socket = null;
    this.queue = [];
    this.current = null;
  }

  request(method, urlPath, body, headers = {}) {
    return new Promise((resolve, reject) => {
      this.queue.push({ method, urlPath, body, headers, resolve, reject, retried: false });
      if (!this.current) this.pump();
    });
  }

  // True while a request is outstanding (e.g. the /next long poll).
  get busy() {
    return this.current !== null;
  }

  pump() {
    const job = this.queue.shift();
    if (!job) {
      if (this.socket) this.socket.unref();
      return;
    }
    this.current = job;
    if (!this.socket) this.open();
    this.socket.ref();
    let head = `${job.method} ${API_PREFIX}${job.urlPath} HTTP/1.1\r\nHost: ${this.address}\r\n`;
    for (const [name, value] of Object.entries(job.headers)) head += `${name}: ${value}\r\n`;
    if (job.body !== undefined) {
      head += `Content-Type: application/json\r\nContent-Length: ${job.body.length}\r\n`;
    }
    head += '\r\n';
    this.parser = { head: null, headLength: 0, status: 0, headers: null, length: -1, got: 0,
      chunks: [], mode: '' };
    if (job.body === undefined) {
      this.socket.write(head, 'utf8');
    } else if (job.body.length <= 65536) {
      this.socket.write(Buffer.concat([Buffer.from(head, 'utf8'), job.body]));
    } else {
      this.socket.write(head, 'utf8');
      this.socket.write(job.body);
    }
  }

  open() {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (data) => { if (socket === this.socket) this.onData(data); });
    socket.on('error', (err) => { if (socket === this.socket) this.onBroken(err); });
    socket.on('close', () => {
      if (socket !== this.socket) return;
      if (this.current && this.parser.mode === 'close') this.finish();
      else this.onBroken(new Error('Runtime API closed the connection'));
    });
    this.socket = socket;
  }

  // The connection broke: retry the current request once on a new one.
  onBroken(err) {
    if (this.socket) this.socket.destroy();
    this.socket = null;
    const job = this.current;
    this.current = null;
    if (!job) return;
    if (job.retried) {
      job.reject(err);
      this.pump();
    } else {
      job.retried = true;
      this.queue.unshift(job);
      this.pump();
    }
  }

  onData(data) {
    const p = this.parser;
    if (!this.current) return;
    if (p.headers === null) {
      p.head = p.head ? Buffer.concat([p.head, data]) : data;
      const end = p.head.indexOf('\r\n\r\n');
      if (end === -1) return;
      const lines = p.head.toString('utf8', 0, end).split('\r\n');
      p.status = Number(lines[0].split(' ')[1]);
      p.headers = {};
      for (let i = 1; i < lines.length; i += 1) {
        const colon = lines[i].indexOf(':');
        if (colon > 0) {
          p.headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
        }
      }
      if (p.status >= 100 && p.status < 200) {  // an interim response: wait for the real one
        const rest = p.head.subarray(end + 4);
        p.head = null;
        p.headers = null;
        if (rest.length) this.onData(rest);
        return;
      }
      data = p.head.subarray(end + 4);
      p.head = null;
      if (/chunked/i.test(p.headers['transfer-encoding'] || '')) p.mode = 'chunked';
      else if (p.headers['content-length'] !== undefined) {
        p.mode = 'length';
        p.length = Number(p.headers['content-length']);
      } else if (p.status === 204 || p.status === 304) {
        p.mode = 'length';
        p.length = 0;
      } else p.mode = 'close';
    }
    if (data.length) {
      p.chunks.push(data);
      p.got += data.length;
    }
    if (p.mode === 'length' && p.got >= p.length) this.finish();
    else if (p.mode === 'chunked') {
      const body = decodeChunked(Buffer.concat(p.chunks));
      if (body) {
        p.chunks = [body];
        this.finish();
      }
    }
  }

  finish() {
    const p = this.parser;
    const job = this.current;
    this.current = null;
    let body = p.chunks.length === 1 ? p.chunks[0] : Buffer.concat(p.chunks);
    if (p.mode === 'length') body = body.subarray(0, p.length);
    if ((p.headers.connection || '').toLowerCase() === 'close' || p.mode === 'close') {
      const socket = this.socket;
      this.socket = null;
      if (socket) socket.destroy();
    }
    job.resolve({ status: p.status, headers: p.headers, body });
    this.pump();
  }

  async next() {
    const res = await this.request('GET', '/invocation/next');
    if (res.status !== 200) {
      throw new Error(`Runtime API /next returned ${res.status}: ${res.body.toString()}`);
    }
    return res;
  }

  postResponse(id, json) {
    return this.request('POST', `/invocation/${encodeURIComponent(id)}/response`,
      Buffer.from(json, 'utf8'));
  }

  // `body` is the error payload: {errorType, errorMessage, trace}.
  postError(id, body) {
    return this.request('POST', `/invocation/${encodeURIComponent(id)}/error`,
      Buffer.from(JSON.stringify(body), 'utf8'),
      { 'Lambda-Runtime-Function-Error-Type': String(body.errorType) });
  }

  postInitError(body) {
    return this.request('POST', '/init/error', Buffer.from(JSON.stringify(body), 'utf8'),
      { 'Lambda-Runtime-Function-Error-Type': String(body.errorType) });
  }
}

// The body of a complete chunked message, or null while more data is needed.
function decodeChunked(buffer) {
  const parts = [];
  let at = 0;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd === -1) return null;
    const size = parseInt(buffer.toString('latin1', at, lineEnd).split(';')[0], 16);
    if (Number.isNaN(size)) throw new Error('Runtime API sent a malformed chunk');
    if (size === 0) {  // last chunk; complete once the (trailers and) empty line arrived
      return buffer.indexOf('\r\n\r\n', lineEnd) === -1 ? null : Buffer.concat(parts);
    }
    if (buffer.length < lineEnd + 2 + size + 2) return null;
    parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
