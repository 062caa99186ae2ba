/**
 * Issue 25 part 3, one test per row of the property table: a setting removed from the program is cleared in the
 * service (or put back to the service's default). Each clearable row (`clear: "unset"`) is deployed set, then
 * removed: the diff must report a change (the engine then previews `name: old → (removed)`, the key being gone
 * from the checked inputs), `update` must make the service's value the row's "not set" one — read back from the
 * emulator — and the next diff must be clean. The case table is typed by the table's clearable rows, so a new
 * clearable row does not compile without its case; every other row's `clear` is checked against what it is.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as lifecycle from "../../provider/resource/lifecycle";
import { FUNCTION_PROPERTIES } from "../../provider/api/function-properties";
import { ARG_NAMES, fromApiValue, getPath, row, sameValue, type ArgName } from "../../provider/api/property-derivations";
import { FunctionGraphClient } from "../../provider/api/client";
import { checkedInputs, configureFor, writeTree } from "./helpers";

type P = typeof FUNCTION_PROPERTIES;
/** The rows cleared by sending their "not set" value. */
type ClearableName = { [K in ArgName]: P[K] extends { clear: "unset" } ? K : never }[ArgName];

const UUID = (n: number) => `a1b2c3d4-0000-4000-8000-00000000000${n}`;
const VPC = { vpcId: UUID(1), subnetId: UUID(2) };

/** One case: the arguments with the row set (and what it needs), and those left after removing it. */
interface Case {
  set: Record<string, unknown>;
  /** What stays after the removal (default: nothing of `set`). */
  keep?: Record<string, unknown>;
}

const CASES: Record<ClearableName, Case> = {
  description: { set: { description: "d" } },
  environment: { set: { environment: { A: "1" } } },
  encryptedEnvironment: { set: { encryptedEnvironment: { K: "v" } } },
  environmentKmsKeyId: { set: { environmentKmsKeyId: UUID(3), encryptedEnvironment: { K: "v" } }, keep: { encryptedEnvironment: { K: "v" } } },
  dependencies: { set: { dependencies: ["dep-version-1"] } },
  customImage: { set: { runtime: "Custom Image", customImage: { url: "swr.cn-north-4.myhuaweicloud.com/org/app:1.0" }, sourceDir: undefined } },
  enterpriseProjectId: { set: { enterpriseProjectId: UUID(4) } },
  agency: { set: { agency: "fgs-agency" } },
  appAgency: { set: { appAgency: "fgs-app-agency" } },
  vpc: { set: { vpc: VPC, agency: "a" }, keep: { agency: "a" } },
  peeringCidr: { set: { peeringCidr: ["192.168.0.0/24"], vpc: VPC, agency: "a" }, keep: { vpc: VPC, agency: "a" } },
  networkController: { set: { networkController: { disablePublicNetwork: true, triggerAccessVpcs: [{ vpcId: UUID(5) }] } } },
  domainNames: { set: { domainNames: ["db.internal"] } },
  mounts: {
    set: { mounts: [{ mountType: "sfsTurbo", mountResource: "fs-1", localMountPath: "/mnt/data" }], vpc: VPC, agency: "a" },
    keep: { vpc: VPC, agency: "a" },
  },
  mountUserId: { set: { mountUserId: 2000 } },
  mountUserGroupId: { set: { mountUserGroupId: 2000 } },
  initializerHandler: { set: { initializerHandler: "index.init", initializerTimeout: 30 } },
  initializerTimeout: { set: { initializerHandler: "index.init", initializerTimeout: 30 } },
  preStopHandler: { set: { preStopHandler: "index.stop", preStopTimeout: 10 } },
  preStopTimeout: { set: { preStopHandler: "index.stop", preStopTimeout: 10 } },
  heartbeatHandler: { set: { heartbeatHandler: "index.beat" } },
  restoreHookHandler: { set: { restoreHookHandler: "index.restore", restoreHookTimeout: 30 } },
  restoreHookTimeout: { set: { restoreHookHandler: "index.restore", restoreHookTimeout: 30 } },
  concurrencyNum: { set: { concurrencyNum: 5 } },
  maxInstanceNum: { set: { maxInstanceNum: 10 } },
  ephemeralStorage: { set: { ephemeralStorage: 1024 } },
  gpuMemory: { set: { gpuMemory: 2048, gpuType: "nvidia-t4" } },
  gpuType: { set: { gpuMemory: 2048, gpuType: "nvidia-t4" } },
  enableDynamicMemory: { set: { enableDynamicMemory: true } },
  isStatefulFunction: { set: { isStatefulFunction: true } },
  enableAuthInHeader: { set: { enableAuthInHeader: true } },
  enableClassIsolation: { set: { enableClassIsolation: true } },
  extendConfig: { set: { extendConfig: "{\"k\":1}" } },
  logGroupId: { set: { logGroupId: UUID(6), logStreamId: UUID(7) } },
  logStreamId: { set: { logGroupId: UUID(6), logStreamId: UUID(7) } },
  logGroupName: { set: { logGroupId: UUID(6), logStreamId: UUID(7), logGroupName: "g" }, keep: { logGroupId: UUID(6), logStreamId: UUID(7) } },
  logStreamName: { set: { logGroupId: UUID(6), logStreamId: UUID(7), logStreamName: "s" }, keep: { logGroupId: UUID(6), logStreamId: UUID(7) } },
  tags: { set: { tags: { team: "a" } } },
  asyncConfig: { set: { asyncConfig: { maxAsyncRetryAttempts: 1, maxAsyncEventAgeInSeconds: 300 } } },
  reservedInstances: { set: { reservedInstances: [{ count: 2 }] } },
};

let emu: EmulatorHandle;
let work: string;
let client: FunctionGraphClient;
const writes = () => emu.requests({ writesOnly: true }).map((r) => r.operation);

function args(dir: string, extra: Record<string, unknown>): Record<string, unknown> {
  const a: Record<string, unknown> = { sourceDir: dir, runtime: "Node.js18.15", handler: "index.handler", funcName: "fn-clear", ...extra };
  for (const [k, v] of Object.entries(a)) if (v === undefined) delete a[k];
  return a;
}

/** The service's value of a row, in argument shape (the model; tags, async config, reserved counts by their APIs). */
async function liveValue(name: ClearableName, urn: string): Promise<unknown> {
  if (name === "tags") return client.listTags(urn);
  if (name === "asyncConfig") return fromApiValue(name, await client.getAsyncInvokeConfig(urn));
  if (name === "reservedInstances") {
    const counts = await client.listReservedInstances(urn);
    return Object.values(counts).some((n) => n > 0) ? Object.entries(counts) : [];
  }
  const r = row(name);
  const model = await client.getFunctionConfig(urn);
  if (r.writeOnly) {
    // Never returned by the service: what the emulator stores (its admin view of the record).
    return fromApiValue(name, getPath(emu.storedConfig(urn), r.config!));
  }
  return fromApiValue(name, getPath(model, r.model!));
}

before(async () => {
  process.env.FGS_QUIET = "1";
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-clear-"));
  emu = await startEmulator({ quiet: true });
  await configureFor(emu);
  client = new FunctionGraphClient({
    endpoint: emu.url, projectId: emu.projectId, retryBaseDelayMs: 0,
    credentials: { kind: "aksk", accessKey: emu.credentials.accessKey, secretKey: emu.credentials.secretKey },
  });
});
after(async () => {
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(async () => {
  await emu.reset();
});

describe("every row says how it is cleared", () => {
  it("rows not cleared by a value are required/defaulted, identity, code, local or outputs — as their `clear` says", () => {
    for (const name of Object.keys(FUNCTION_PROPERTIES) as (keyof P)[]) {
      const r = row(name);
      const why = `${name}: clear '${r.clear}'`;
      if (r.clear === "unset") assert.ok(Object.hasOwn(CASES, name), `${why} has a removal case`);
      if (r.clear === "defaulted") assert.ok(r.required || r.default !== undefined, `${why} needs a default or to be required`);
      if (r.clear === "replace") assert.equal(r.apply, "replace", why);
      if (r.clear === "code") assert.equal(r.apply, "code", why);
      if (r.clear === "local") assert.equal(r.apply, "local", why);
      if (r.clear === "output") assert.equal(r.apply, "output", why);
      if (r.apply !== "output" && r.apply !== "local" && r.apply !== "replace" && r.apply !== "code" && !r.required && r.default === undefined) {
        assert.equal(r.clear, "unset", `${name} is a setting of the service: removing it must clear it`);
      }
    }
  });
});

describe("removing a row clears it in the service", () => {
  for (const name of ARG_NAMES.filter((n): n is ClearableName => row(n).clear === "unset")) {
    it(name, async () => {
      const c = CASES[name];
      const dir = writeTree(work, name, {
        "index.js": "exports.handler = 1; exports.init = 2; exports.stop = 3; exports.beat = 4; exports.restore = 5;\n",
      });
      const first = await checkedInputs({}, args(dir, c.set));
      const created = await lifecycle.create(first);
      const outs = created.outs as Record<string, unknown>;
      const urn = String(outs.funcUrn);
      const before = await liveValue(name, urn);
      assert.equal(sameValue(name, undefined, before), false, `${name} is set in the service before: ${JSON.stringify(before)}`);

      // Removed: the checked inputs no longer carry it (the engine shows `name: old → (removed)`), diff says so.
      const back = c.set.customImage ? { runtime: "Node.js18.15", sourceDir: dir } : {};
      const news = await checkedInputs(first, args(dir, { ...c.keep, ...back }));
      assert.ok(first[name] !== undefined && news[name] === undefined, `${name}: in the old inputs, not in the new`);
      emu.clearLog();
      const d = await lifecycle.diff(created.id, outs, news);
      assert.equal(d.changes, true, `${name}: removing it is a change`);
      assert.deepEqual(d.replaces, [], `${name}: removed in place`);
      const updated = (await lifecycle.update(created.id, outs, news)).outs as Record<string, unknown>;
      assert.ok(writes().length > 0, `${name}: a write clears it`);

      const after = await liveValue(name, urn);
      assert.ok(sameValue(name, undefined, after), `${name}: cleared to ${JSON.stringify(row(name).unset)}, the service has ${JSON.stringify(after)}`);
      assert.ok(sameValue(name, undefined, updated[name]), `${name}: the outputs record it cleared: ${JSON.stringify(updated[name])}`);

      emu.clearLog();
      const again = await lifecycle.diff(created.id, updated, await checkedInputs(news, args(dir, { ...c.keep, ...back })));
      assert.equal(again.changes, false, `${name}: cleared, it stays cleared (no perpetual diff)`);
      assert.deepEqual(writes(), []);
    });
  }
});
