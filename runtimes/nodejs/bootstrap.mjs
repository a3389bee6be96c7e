// lambda-emu's Node.js runtime interface client.
//
// Started by lambda-emu as `node <runtimes>/nodejs/bootstrap.mjs` with the
// function's code directory as cwd and the Lambda environment variables set
// (_HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_RUNTIME_API, ...). It loads the
// handler once (init), then loops over the Runtime API: GET /invocation/next,
// run the handler, POST /response or /error. Node's standard library only.
//
// The behaviour users see follows AWS's Node.js runtime (nodejs18.x-22.x):
// handler resolution (CommonJS, ES modules, package.json "type"), async /
// promise / callback handlers with callbackWaitsForEmptyEventLoop, the
// context object, console.* log lines, error payloads
// {"errorType","errorMessage","trace"} and the Runtime.* error types.
// See docs/runtimes.md.

import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import Module, { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

import { RuntimeApi } from './runtime_api.mjs';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------
// Errors

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class NodeJsExit extends Error {}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
for (const cls of [ImportModuleError, HandlerNotFound, MalformedHandlerName,
  UserCodeSyntaxError, NodeJsExit, UnhandledPromiseRejection]) {
  cls.prototype.name = `Runtime.${cls.name}`;
}

function isErrorLike(value) {
  return Boolean(value) && typeof value.name === 'string' && typeof value.message === 'string' &&
    typeof value.stack === 'string' && value.name !== '' && value.message !== '';
}

// The body posted to /error and /init/error, as AWS's runtime builds it.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: String(error.stack).split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while ' +
        'retrieving one or more of its message, name, and stack',
    };
  }
}

// Errors in log lines: name, message, code and stack made enumerable.
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const out = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code }, value);
  if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
  return out;
}

function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// ---------------------------------------------------------------------------
// Logging: console.* becomes `<ISO time>\t<request id>\t<LEVEL>\t<message>`.

const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const LEVELS = {
  TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6,
};
const jsonLogs = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';

function jsonLogLine(time, requestId, level, params) {
  const entry = { timestamp: time, level, requestId };
  if (params.length === 1) {
    entry.message = params[0];
    try {
      return JSON.stringify(entry, (_key, value) => {
        if (!(value instanceof Error)) return value;
        return Object.assign({
          errorType: value?.constructor?.name ?? 'UnknownError',
          errorMessage: value.message,
          stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
        }, value);
      });
    } catch {
      entry.message = util.format(entry.message);
      return JSON.stringify(entry);
    }
  }
  entry.message = util.format(...params);
  const error = params.find((p) => p instanceof Error);
  if (error) {
    entry.errorType = error?.constructor?.name ?? 'UnknownError';
    entry.errorMessage = error.message;
    entry.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(entry);
}

function writeLog(level, params) {
  const time = new Date().toISOString();
  const requestId = globalThis[REQUEST_ID];
  const line = jsonLogs
    ? jsonLogLine(time, requestId, level, params)
    : `${time}\t${requestId}\t${level}\t${util.format(...params)}`;
  // One entry per line: embedded newlines become carriage returns, as on AWS.
  process.stdout.write(line.replace(/\n/g, '\r') + '\n');
}

function patchConsole() {
  const minimum = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] ?? LEVELS.TRACE;
  const logger = (level) => (LEVELS[level] >= minimum
    ? (...params) => writeLog(level, params)
    : () => {});
  console.trace = logger('TRACE');
  console.debug = logger('DEBUG');
  console.info = logger('INFO');
  console.log = console.info;
  console.warn = logger('WARN');
  console.error = logger('ERROR');
  console.fatal = (...params) => writeLog('FATAL', params);
}

function logError(prefix, err) {
  if (jsonLogs) console.error(intoError(err));
  else console.error(prefix, toFormatted(intoError(err)));
}

// ---------------------------------------------------------------------------
// Handler loading, as AWS's runtime resolves `path/to/module.export.path`.

function tryRequire(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function tryImport(file) {
  return fs.existsSync(file) ? import(pathToFileURL(file).href) : undefined;
}

function folderHasTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj, 'utf8'));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return folderHasTypeModule(path.resolve(folder, '..'));
}

// The function's Runtime (AWS_EXECUTION_ENV) when it names another Node.js
// major than the one running it: lambda-emu runs every nodejs*.x with the one
// `node` it finds unless `Interpreters:` maps another.
function interpreterMismatch() {
  const match = /^AWS_Lambda_nodejs(\d+)\.x$/.exec(process.env.AWS_EXECUTION_ENV || '');
  if (!match || match[1] === process.versions.node.split('.')[0]) return undefined;
  const node = `Node.js ${process.versions.node}`;
  return { runtime: `nodejs${match[1]}.x`, major: match[1], node };
}

// Appended to an import or syntax error's message (AWS's message stays a prefix).
function interpreterNote() {
  const mismatch = interpreterMismatch();
  if (!mismatch) return '';
  return ` (lambda-emu ran this ${mismatch.runtime} function with ${mismatch.node})`;
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  try {
    const extensionless = tryRequire(base);
    if (extensionless) return extensionless;
    const typeModule = fs.existsSync(base + '.js') && folderHasTypeModule(path.dirname(base));
    if (!typeModule) {
      const cjs = tryRequire(base + '.js');
      if (cjs) return cjs;
    }
    const loaded = (typeModule && await tryImport(base + '.js')) ||
      await tryImport(base + '.mjs') ||
      tryRequire(base + '.cjs');
    if (loaded) return loaded;
    // Node-style resolution (a package folder, node_modules) from the task root.
    return require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(String(e) + interpreterNote());
    if (e && e.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(String(e) + interpreterNote());
    }
    throw e;
  }
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(`'${fullHandler}' is not a valid handler name. Use absolute ` +
      'paths when specifying root directories in handler names.');
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, exportPath] = match;
  const app = await loadModule(appRoot, moduleRoot, moduleName);
  const handler = exportPath.split('.').reduce((obj, key) => obj && obj[key], app);
  if (!handler) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return handler;
}

// Layers (each one an /opt) and the task root on NODE_PATH, as on AWS.
function setupNodePath(taskRoot) {
  const major = process.versions.node.split('.')[0];
  const paths = [];
  for (const layer of (process.env.LAMBDA_EMU_LAYERS || '').split(':').filter(Boolean)) {
    paths.push(path.join(layer, 'nodejs', `node${major}`, 'node_modules'),
      path.join(layer, 'nodejs', 'node_modules'));
  }
  paths.push(taskRoot);
  // In a sandbox NODE_PATH is Lambda's own, which has them all already.
  const given = (process.env.NODE_PATH || '').split(':').filter(Boolean);
  process.env.NODE_PATH = paths.filter((p) => !given.includes(p)).concat(given).join(':');
  if (typeof Module._initPaths === 'function') Module._initPaths();
}

// ---------------------------------------------------------------------------
// beforeExit: fires when the event loop is empty. It is how a callback
// handler's response waits for the loop to drain (callbackWaitsForEmptyEventLoop)
// and how a handler that never calls back still completes. One slot.

let beforeExitListener = null;
process.on('beforeExit', () => {
  const listener = beforeExitListener;
  beforeExitListener = null;
  if (listener) listener();
});

function isPromise(value) {
  return Boolean(value) && typeof value.then === 'function';
}

// Runs one invocation; `finished` is called once its response or error is
// posted. `client` errors (the Runtime API went away) end the process.
function invoke(client, handler, next, finished, state) {
  const headers = next.headers;
  const id = headers['lambda-runtime-aws-request-id'];
  globalThis[REQUEST_ID] = id;
  state.requestId = id;
  if (headers['lambda-runtime-trace-id']) {
    process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  } else {
    delete process.env._X_AMZN_TRACE_ID;
  }

  const settle = (posting) => posting.then(() => finished(), runtimeApiGone);
  let reported = false;
  const postError = (err) => {
    logError('Invoke Error', err);
    reported = true;
    settle(client.postError(id, toRapidResponse(err)));
  };
  const complete = (result) => {
    if (reported) {
      console.error('Invocation has already been reported as done. Cannot call complete more ' +
        'than once per invocation.');
      return;
    }
    let json;
    try {
      json = JSON.stringify(result === undefined ? null : result);
    } catch {
      postError(new Error('Unable to stringify response body'));
      return;
    }
    reported = true;
    settle(client.postResponse(id, json));
  };

  let waitForEmptyEventLoop = true;
  let called = false;
  const once = (fn) => (...args) => {
    if (called) return;
    called = true;
    fn(...args);
  };
  const callback = once((err, result) => {
    beforeExitListener = null;
    if (err !== undefined && err !== null) postError(err);
    else if (!waitForEmptyEventLoop) complete(result);
    else beforeExitListener = () => setImmediate(() => complete(result));
  });
  const done = (err, result) => {
    beforeExitListener = null;
    if (err !== undefined && err !== null) postError(err);
    else complete(result);
  };
  const succeed = once((result) => done(null, result));
  const fail = once((err) => done(err === undefined || err === null ? 'handled' : err, null));

  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const parseHeader = (name, what) => {
    const value = headers[name];
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value);
    } catch (err) {
      throw new Error(`Cannot parse ${what} as json: ${err.toString()}`);
    }
  };

  const isAsync = handler.constructor && handler.constructor.name === 'AsyncFunction';
  // A handler that neither returns a promise nor calls back completes with
  // null once the event loop is empty.
  beforeExitListener = () => {
    reported = true;
    if (isAsync) {
      const err = new NodeJsExit('Runtime exited because the event loop is empty and the ' +
        "handler's promise has not settled");
      logError('Invoke Error', err);
      settle(client.postError(id, toRapidResponse(err)));
    } else {
      settle(client.postResponse(id, 'null'));
    }
  };

  try {
    const context = {
      get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
      set callbackWaitsForEmptyEventLoop(value) { waitForEmptyEventLoop = value; },
      succeed,
      fail,
      done: once(done),
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: parseHeader('lambda-runtime-client-context', 'ClientContext'),
      identity: parseHeader('lambda-runtime-cognito-identity', 'CognitoIdentity'),
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      awsRequestId: id,
      tenantId: headers['lambda-runtime-aws-tenant-id'],
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    const event = JSON.parse(next.body.toString('utf8'));
    const result = handler(event, context, callback);
    if (isPromise(result)) result.then(succeed, fail).catch(fail);
  } catch (err) {
    callback(err);
  }
}

function runtimeApiGone() {
  // The server closed this environment's Runtime API: it is shutting down.
  process.exit(0);
}

async function main() {
  patchConsole();
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  setupNodePath(taskRoot);
  const client = new RuntimeApi(process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001');

  // Until the first invocation, fatal errors are init errors; afterwards they
  // fail the current invocation. Either way the environment ends, as on AWS.
  const state = { requestId: undefined, initDone: false, inInvocation: false };
  const fatal = (error, code) => {
    if (state.initDone && !state.inInvocation) {
      // Between invokes (a stray timer threw while /next is pending): there
      // is no invocation to fail; the environment just ends.
      process.exit(code);
    }
    const posting = state.requestId === undefined
      ? client.postInitError(toRapidResponse(error))
      : client.postError(state.requestId, toRapidResponse(error));
    posting.then(() => process.exit(code), () => process.exit(code));
  };
  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    fatal(error, 129);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    fatal(error, 128);
  });

  let handler;
  try {
    handler = await loadHandler(taskRoot, process.env._HANDLER || '');
  } catch (error) {
    const mismatch = interpreterMismatch();
    if (mismatch) {
      process.stdout.write(`lambda-emu: ${mismatch.runtime} is run by ${mismatch.node} here; ` +
        `code that needs Node.js ${mismatch.major} may fail to load\n`);
    }
    logError('Uncaught Exception', error);
    fatal(error, 129);
    return;
  }
  state.initDone = true;

  for (;;) {
    let next;
    try {
      next = await client.next();
    } catch {
      runtimeApiGone();
      return;
    }
    state.inInvocation = true;
    await new Promise((resolve) => invoke(client, handler, next, resolve, state));
    state.inInvocation = false;
  }
}

main();
