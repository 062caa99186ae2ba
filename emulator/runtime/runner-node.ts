/**
 * The Node.js runner: a small CommonJS script, run by `node` in the instance's child process, that loads the
 * user's handler from the code root and answers the emulator over a line protocol (see protocol.ts):
 * requests arrive as JSON lines on stdin, results and log lines leave as JSON lines on fd 3. It is kept as a
 * string so the runtime can write it beside the instances (readable by the unprivileged sandbox user) and so
 * it is plain JavaScript whatever the build does (`import()` must stay a real dynamic import for `.mjs`).
 */
export const NODE_RUNNER_FILE = "fgs-node-runner.cjs";

/** The runner's source. */
export const NODE_RUNNER_SOURCE = String.raw`"use strict";
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");
const { pathToFileURL } = require("node:url");
const util = require("node:util");
const { AsyncLocalStorage } = require("node:async_hooks");

const env = process.env;
const out = fs.createWriteStream(null, { fd: 3 });
function send(msg) { out.write(JSON.stringify(msg) + "\n"); }

// The request each piece of work belongs to, so that concurrent calls (concurrent_num > 1) keep their own logs.
const currentCall = new AsyncLocalStorage();

// Every write to stdout/stderr goes through fd 3 in order with the results, tagged with its call, so a call's log
// is complete when its result arrives.
for (const name of ["stdout", "stderr"]) {
  const stream = process[name];
  stream.write = function (chunk, encoding, cb) {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof encoding === "string" ? encoding : "utf8");
    send({ type: "log", stream: name, data: text, requestId: currentCall.getStore() });
    const done = typeof encoding === "function" ? encoding : cb;
    if (typeof done === "function") process.nextTick(done);
    return true;
  };
}

function errorShape(err) {
  if (err instanceof Error) return { errorMessage: err.message, errorType: err.name || "Error", stack: err.stack };
  if (err && typeof err === "object") {
    try { return { errorMessage: JSON.stringify(err), errorType: "Error" }; } catch { /* fall through */ }
  }
  return { errorMessage: String(err), errorType: "Error" };
}

async function loadHandler(spec, what) {
  const dot = spec.lastIndexOf(".");
  if (dot <= 0 || dot === spec.length - 1) throw Object.assign(new Error(what + " '" + spec + "' is not <file>.<function>"), { name: "HandlerNotFound" });
  const base = path.resolve(env.RUNTIME_CODE_ROOT, spec.slice(0, dot));
  const fnName = spec.slice(dot + 1);
  const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) throw Object.assign(new Error(what + " file not found: " + spec.slice(0, dot) + ".js/.mjs/.cjs in the code package"), { name: "HandlerNotFound" });
  let mod;
  if (file.endsWith(".mjs")) mod = await import(pathToFileURL(file).href);
  else {
    try {
      mod = require(file);
    } catch (e) {
      if (!e || e.code !== "ERR_REQUIRE_ESM") throw e;
      mod = await import(pathToFileURL(file).href);
    }
  }
  let fn = mod[fnName];
  if (typeof fn !== "function" && mod.default && typeof mod.default[fnName] === "function") fn = mod.default[fnName];
  if (typeof fn !== "function") throw Object.assign(new Error(what + " '" + fnName + "' is not a function exported by " + path.relative(env.RUNTIME_CODE_ROOT, file)), { name: "HandlerNotFound" });
  return fn;
}

function makeLogger(requestId) {
  const line = (level) => (...args) => {
    process.stdout.write(new Date().toISOString() + " " + requestId + " " + level + " " + util.format(...args) + "\n");
  };
  return { info: line("INFO"), warn: line("WARN"), error: line("ERROR"), debug: line("DEBUG") };
}

function makeContext(req) {
  const userData = (() => { try { return JSON.parse(env.RUNTIME_USERDATA || "{}") || {}; } catch { return {}; } })();
  const deadline = req.deadline;
  const creds = req.credentials || {};
  return {
    getRequestID: () => req.requestId,
    getRemainingTimeInMilliSeconds: () => Math.max(0, deadline - Date.now()),
    getUserData: (key) => (userData[key] === undefined ? undefined : userData[key]),
    getFunctionName: () => env.RUNTIME_FUNC_NAME,
    getVersion: () => env.RUNTIME_FUNC_VERSION,
    getPackage: () => env.RUNTIME_PACKAGE,
    getProjectID: () => env.RUNTIME_PROJECT_ID,
    getMemorySize: () => Number(env.RUNTIME_MEMORY),
    getCPUNumber: () => Number(env.RUNTIME_CPU),
    getRunningTimeInSeconds: () => Number(env.RUNTIME_TIMEOUT),
    getAlias: () => req.alias || "",
    getSecurityAccessKey: () => creds.accessKey || "",
    getSecuritySecretKey: () => creds.secretKey || "",
    getSecurityToken: () => creds.securityToken || "",
    getToken: () => creds.token || "",
    getAccessKey: () => creds.accessKey || "",
    getSecretKey: () => creds.secretKey || "",
    getLogger: () => makeLogger(req.requestId),
  };
}

// Calls fn(args..., callback) or awaits its promise; the first answer wins.
function callStyled(fn, args, callbackArity) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err, data) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(data);
    };
    try {
      const r = fn(...args, done);
      if (r && typeof r.then === "function") r.then((v) => done(null, v), (e) => done(e === undefined || e === null ? new Error(String(e)) : e));
      else if (fn.length < callbackArity) done(null, r);
    } catch (e) {
      done(e);
    }
  });
}

function serialize(value) {
  if (value === undefined) return { ok: true, result: "null" };
  if (typeof value === "function" || typeof value === "symbol") {
    return { ok: false, errorMessage: "the handler returned a " + typeof value + ", which is not JSON", errorType: "ResultNotSerializable" };
  }
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return { ok: false, errorMessage: "the handler's result is not JSON", errorType: "ResultNotSerializable" };
    return { ok: true, result: text };
  } catch (e) {
    return { ok: false, errorMessage: "the handler's result cannot be serialized as JSON: " + (e && e.message), errorType: "ResultNotSerializable" };
  }
}

function memoryMB() { return Math.round(process.memoryUsage().rss / 1048576); }

let handlerFn = null;
async function init(req) {
  try {
    handlerFn = await loadHandler(env.RUNTIME_HANDLER, "handler");
    if (env.RUNTIME_INITIALIZER_HANDLER) {
      const initFn = await loadHandler(env.RUNTIME_INITIALIZER_HANDLER, "initializer");
      await callStyled(initFn, [makeContext(req)], 2);
    }
    send({ type: "ready", memoryMB: memoryMB() });
  } catch (e) {
    const shape = errorShape(e);
    if (shape.stack) process.stderr.write(shape.stack + "\n");
    send({ type: "init-error", errorMessage: shape.errorMessage, errorType: shape.errorType });
  }
}

async function invoke(req) {
  let answer;
  try {
    const event = JSON.parse(req.event);
    const value = await callStyled(handlerFn, [event, makeContext(req)], 3);
    answer = serialize(value);
  } catch (e) {
    const shape = errorShape(e);
    if (shape.stack) process.stderr.write(shape.stack + "\n");
    answer = { ok: false, errorMessage: shape.errorMessage, errorType: shape.errorType };
  }
  send({ type: "result", requestId: req.requestId, memoryMB: memoryMB(), ...answer });
}

// The initializer runs first; calls then run as they arrive, at once when the emulator sends several (it sends
// at most the function's concurrent_num to one instance).
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
let initialized = Promise.resolve();
rl.on("line", (line) => {
  const req = JSON.parse(line);
  if (req.type === "init") initialized = currentCall.run(req.requestId, () => init(req));
  else initialized.then(() => currentCall.run(req.requestId, () => invoke(req)));
});
rl.on("close", () => process.exit(0));
`;
