/**
 * Issue 7, service-side refusals: what `check` cannot know (a wrong secret key, a full quota, the service's
 * size limit) is refused by the service during create/update, and the provider turns it into a clear error —
 * with the error code, the fix, never the secret — and leaves no hidden half-state: either nothing was created,
 * or the partially created function is reported with its id so the next `up` finishes it.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../emulator";
import * as lifecycle from "../../provider/resource/lifecycle";
import { checkedInputs, configureFor, writeTree } from "./helpers";

let work: string;
const savedEnv: Record<string, string | undefined> = {};
const WRONG_SK = "wrong-secret-key-0123456789abcdefXYZ";

const configure = (emu: EmulatorHandle, secretKey = emu.credentials.secretKey) =>
  configureFor(emu, { "functiongraph:secretKey": secretKey });

const tree = (name: string, files: Record<string, string | Buffer>) => writeTree(work, name, files);

const args = (sourceDir: string, extra: Record<string, unknown> = {}) =>
  ({ sourceDir, runtime: "Node.js18.15", handler: "index.handler", funcName: "fn-refused", ...extra });

const checked = checkedInputs;

/** Starts an emulator for one test; closed by `after` through `emulators`. */
const emulators: EmulatorHandle[] = [];
async function emulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const emu = await startEmulator({ quiet: true, ...options });
  emulators.push(emu);
  await configure(emu);
  return emu;
}

/** What must not change when the service refuses a write: every function's identity, code and settings. */
const snapshot = (emu: EmulatorHandle) => JSON.stringify(emu.functions().map((f) => [f.func_urn, f.digest, f.code_size, f.memory_size, f.last_modified]));

async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Error, "the refusal must be thrown as an Error (the engine shows its message)");
    return err as Error & Record<string, unknown>;
  }
  assert.fail("the service refused this write, so create/update must throw instead of reporting success");
}

before(() => {
  process.env.FGS_QUIET = "1";
  for (const k of Object.keys(process.env)) {
    if (k.startsWith("HW_") || k.startsWith("HUAWEICLOUD_") || k === "FGS_CODE_LIMIT_BYTES") {
      savedEnv[k] = process.env[k];
      delete process.env[k];
    }
  }
  process.env.HW_MAX_RETRIES = "0";
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-refusals-"));
});
after(async () => {
  for (const emu of emulators) await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
  delete process.env.HW_MAX_RETRIES;
  for (const [k, v] of Object.entries(savedEnv)) if (v !== undefined) process.env[k] = v;
});

describe("wrong secret key (401 APIGW.0301)", () => {
  it("create says APIGW.0301 and to check the keys, never shows the SK, and creates nothing", async () => {
    const emu = await emulator();
    const inputs = await checked({}, args(tree("sk", { "index.js": "exports.handler = 1;\n" })));
    await configure(emu, WRONG_SK);
    const err = await rejection(lifecycle.create(inputs));
    assert.match(err.message, /APIGW\.0301/, `the error must carry the gateway's code APIGW.0301; got: ${err.message}`);
    assert.match(err.message, /check the access key and secret key/, `the error must tell the user to check the AK/SK; got: ${err.message}`);
    assert.ok(!err.message.includes(WRONG_SK) && !JSON.stringify(err).includes(WRONG_SK), "the error must never contain the secret key");
    assert.equal(emu.functions().length, 0, "a refused create must leave no function behind");
    assert.deepEqual(emu.requests({ operation: "import" }).map((r) => r.status), [401], "exactly one import, refused with 401 (4xx is never retried)");
  });

  it("update says APIGW.0301 and leaves the function as it was", async () => {
    const emu = await emulator();
    const dir = tree("sk-up", { "index.js": "exports.handler = 1;\n" });
    const first = await checked({}, args(dir));
    const created = await lifecycle.create(first);
    const before = snapshot(emu);
    fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = 2;\n");
    const next = await checked(first, args(dir, { memorySize: 256 }));
    await configure(emu, WRONG_SK);
    emu.clearLog();
    const err = await rejection(lifecycle.update(created.id, created.outs as Record<string, unknown>, next));
    assert.match(err.message, /APIGW\.0301.*check the access key and secret key/s, `update must say APIGW.0301 and to check the keys; got: ${err.message}`);
    assert.ok(!err.message.includes(WRONG_SK), "the error must never contain the secret key");
    assert.equal(snapshot(emu), before, "a refused update must leave the function's code and settings unchanged");
    assert.deepEqual(emu.requests().map((r) => r.status), [401], "one call, refused with 401 and not retried: update stops at the first refusal");
  });
});

describe("quota full (403 FSS.1041)", () => {
  it("create says FSS.1041 and that the function quota is full, and creates nothing", async () => {
    const emu = await emulator({ limits: { maxFunctions: 1 } });
    await emu.seedFunction({ func_name: "already-there" }); // the project is now full
    const before = snapshot(emu);
    const inputs = await checked({}, args(tree("q", { "index.js": "exports.handler = 1;\n" })));
    const err = await rejection(lifecycle.create(inputs));
    assert.match(err.message, /FSS\.1041/, `the error must carry FSS.1041; got: ${err.message}`);
    assert.match(err.message, /quota.*400 functions per project/s, `the error must say the function quota is the limit; got: ${err.message}`);
    assert.equal(err.id, undefined, "nothing was created, so the error must not report a partially created resource");
    assert.equal(snapshot(emu), before, "a create refused for quota must leave the project as it was");
  });
});

describe("code too large for the API (413 FSS.1071)", () => {
  it("a code update over the service's limit says FSS.1071 with the size hint and leaves the function unchanged", async () => {
    const emu = await emulator({ limits: { codeUploadBytes: 16 * 1024 } });
    const dir = tree("big", { "index.js": "exports.handler = 1;\n" });
    const first = await checked({}, args(dir));
    const created = await lifecycle.create(first);
    const before = snapshot(emu);
    const code = emu.code(created.id);
    fs.writeFileSync(path.join(dir, "blob.bin"), crypto.randomBytes(32 * 1024)); // incompressible, over 16 KB
    const next = await checked(first, args(dir));
    emu.clearLog();
    const err = await rejection(lifecycle.update(created.id, created.outs as Record<string, unknown>, next));
    assert.match(err.message, /FSS\.1071/, `the error must carry FSS.1071; got: ${err.message}`);
    assert.match(err.message, /too large.*50 MB for code uploads/s, `the error must give the size hint; got: ${err.message}`);
    assert.deepEqual(emu.requests({ writesOnly: true }).map((r) => [r.operation, r.status]), [["updateCode", 413]],
      "exactly one code upload, refused with 413 (never retried) and no settings write after it");
    assert.equal(snapshot(emu), before, "a refused code upload must leave the function unchanged");
    assert.ok(code && emu.code(created.id)?.equals(code), "the stored code must still be the previous code");
  });
});

describe("refused after the import (partial create)", () => {
  it("a create whose version publish is refused reports the created function with its id, marked incomplete", async () => {
    const emu = await emulator({ limits: { maxVersions: 1 } });
    const inputs = await checked({}, args(tree("pv", { "index.js": "exports.handler = 1;\n" }), { publishVersion: true }));
    const err = await rejection(lifecycle.create(inputs));
    const fns = emu.functions();
    assert.equal(fns.length, 1, "the import succeeded, so exactly one function exists");
    assert.equal(err.id, fns[0]!.func_urn.replace(/:latest$/, ""),
      "the error must carry the created function's id so the engine records it (partially created), not lose it");
    assert.equal((err.properties as Record<string, unknown>)?.incomplete, true, "the recorded properties must be marked incomplete so the next up finishes it");
    assert.match(err.message, /was created but not finished.*next `pulumi up` will finish it/s, `the message must say what happened and what to do; got: ${err.message}`);
    assert.match(err.message, /FSS\.0403/, `the message must carry the service's reason; got: ${err.message}`);
  });
});
