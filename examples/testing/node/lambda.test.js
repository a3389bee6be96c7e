// Testing examples/sam-app against lambda-emu with Node's test runner
// (node:test) and the AWS SDK for JavaScript v3.
//
//   npm install && npm test        (or: node --test)
//
// lambda-emu is found via $LAMBDA_EMU_BIN, else ../../../build/lambda-emu,
// else `lambda-emu` on PATH. It listens on a free port (--port 0) and writes
// that port to a file once it accepts connections; everything it writes goes
// into one temporary directory that the last step removes.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');

const TEMPLATE = path.join(__dirname, '..', '..', 'sam-app', 'template.yaml');

function findBinary() {
  if (process.env.LAMBDA_EMU_BIN) return process.env.LAMBDA_EMU_BIN;
  const built = path.join(__dirname, '..', '..', '..', 'build', 'lambda-emu');
  return fs.existsSync(built) ? built : 'lambda-emu';
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let tmp;
let server;
let endpoint;
let lambda;

async function emu(method, urlPath) {
  const response = await fetch(endpoint + urlPath, { method });
  return { status: response.status, body: await response.json() };
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-emu-node-'));
  const portFile = path.join(tmp, 'port');
  server = spawn(findBinary(), [
    'serve', '--ephemeral', '--template', TEMPLATE, '--port', '0', '--port-file', portFile,
    '--api-port', '0', '--log-dir', path.join(tmp, 'logs'), '--work-dir', path.join(tmp, 'work'),
    '--log-level', 'warn',
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  for (let i = 0; !fs.existsSync(portFile) || !fs.readFileSync(portFile, 'utf8').trim(); i++) {
    if (server.exitCode !== null || i > 1500) throw new Error('lambda-emu did not start');
    await Promise.race([sleep(20), exited]);
  }
  endpoint = `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
  // Ready: the template loaded and the server takes invokes.
  assert.equal((await emu('GET', '/_emu/health')).status, 200);
  lambda = new LambdaClient({
    endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

after(async () => {
  if (lambda) lambda.destroy();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function invoke(functionName, event) {
  const response = await lambda.send(new InvokeCommand({
    FunctionName: functionName, Payload: JSON.stringify(event),
  }));
  assert.equal(response.FunctionError, undefined);
  return JSON.parse(Buffer.from(response.Payload).toString());
}

test('the Node function answers with its greeting', async () => {
  const result = await invoke('HelloNodeFunction', { rawPath: '/hello-node' });
  assert.equal(result.statusCode, 200);
  assert.deepEqual(JSON.parse(result.body), { message: 'hello world', stage: 'dev', path: '/hello-node' });
});

test('after a reset that stops environments, the first invoke is the only cold start', async () => {
  const reset = await emu('POST', '/_emu/reset?environments=stop');
  assert.equal(reset.status, 200);
  for (let i = 0; i < 3; i++) await invoke('HelloNodeFunction', { queryStringParameters: { name: `n${i}` } });
  const { body: metrics } = await emu('GET', '/_emu/functions/HelloNodeFunction');
  assert.equal(metrics.ColdStarts, 1);
  assert.equal(metrics.WarmStarts, 2);
  assert.equal(metrics.Errors, 0);
});
