/**
 * Issue 25 part 4, "validation as documented, every row": for every argument of every resource (`Function`,
 * `Trigger`, `Alias`, `Dependency`) a table of values the service's documented constraints refuse — pattern,
 * length, enum, range, count, total size — each refused by `check` (what runs at preview) on THAT property, with
 * a reason that says the fix. The tables are typed by the resources' argument lists, so a new argument does not
 * compile without its row here. Each row also has a value that is accepted, so no rule refuses everything.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as fn from "../../provider/resource/lifecycle";
import * as alias from "../../provider/resource/alias/lifecycle";
import * as dependency from "../../provider/resource/dependency/lifecycle";
import * as trigger from "../../provider/resource/trigger/lifecycle";
import type { ArgName } from "../../provider/api/property-derivations";
import type { TRIGGER as TRIGGER_KEYS } from "../../provider/resource/trigger/inputs";
import type { ALIAS as ALIAS_KEYS } from "../../provider/resource/alias/inputs";
import type { DEPENDENCY as DEPENDENCY_KEYS } from "../../provider/resource/dependency/inputs";
import { configureFor, writeTree } from "./helpers";

/** One row: values refused (each with what the reason must say) and one accepted. */
interface Row {
  bad: Array<[unknown, RegExp]>;
  good: unknown;
  /** Arguments the good value needs beside it (e.g. a timeout with its handler). */
  with?: Record<string, unknown>;
}

const UUID = "a1b2c3d4-0000-4000-8000-000000000001";
const VPC = { vpcId: UUID, subnetId: UUID };
const many = (n: number, f: (i: number) => [string, string]) => Object.fromEntries(Array.from({ length: n }, (_, i) => f(i)));

const FUNCTION: Record<ArgName, Row> = {
  sourceDir: { bad: [["", /must not be empty/], [5, /must be a string/]], good: undefined },
  runtime: { bad: [["Node.js99", /Node\.js18\.15/], ["nodejs18", /one of|did you mean/i]], good: "Node.js20.15" },
  handler: { bad: [["index", /contain a '\.'/], ["a b.c", /no spaces/], [`${"x".repeat(127)}.h`, /3-128 characters/]], good: "index.handler" },
  funcName: {
    bad: [["9fn", /start with a letter/], ["fn-", /end with a letter or digit/], ["f".repeat(61), /1-60/], ["fn.x", /letters, digits, '-' or '_'/]],
    good: "fn_ok-1",
  },
  package: { bad: [["my-app", /letters, digits or '_'/], ["a".repeat(65), /1-64/]], good: "my_app" },
  memorySize: { bad: [[100, /one of 128, 256/], [128.5, /number of MB/]], good: 256 },
  timeout: { bad: [[2, /at least 3 seconds/], [259201, /at most 259200 seconds/], [3.5, /whole number/]], good: 900 },
  // Counted as the emulator (and the service's Java String.length) counts: UTF-16 units, so 257 emoji are 514.
  description: { bad: [["d".repeat(513), /at most 512 characters/], ["😀".repeat(257), /at most 512 characters/]], good: "😀".repeat(256) },
  environment: {
    bad: [
      [{ "DB-HOST": "x" }, /start with a letter.*letters, digits and '_'.*DB_HOST/],
      [{ "a.b": "x" }, /letters, digits and '_'/], [{ _X: "x" }, /start with a letter/], [{ A: 1 }, /value must be a string/],
      [many(21, (i) => [`V${i}`, "x"]), /at most 20 variables/], [{ A: "x".repeat(4100) }, /more than 4096 bytes/],
    ],
    good: { DB_HOST: "x", a1: "" },
  },
  encryptedEnvironment: {
    bad: [[{ "DB-PASSWORD": "x" }, /letters, digits and '_'/], [many(21, (i) => [`V${i}`, "x"]), /at most 20 variables/]],
    good: { DB_PASSWORD: "x" },
  },
  environmentKmsKeyId: { bad: [["not an id!", /KMS key id/]], good: UUID, with: { encryptedEnvironment: { K: "v" } } },
  codeStorage: { bad: [["s3", /'inline'.*'obs'/]], good: "inline" },
  codeBucket: { bad: [["Bad_Bucket", /3-63 lowercase letters/], [7, /OBS bucket name/]], good: undefined },
  codeUrl: { bad: [["ftp://x/y", /OBS object URL/]], good: undefined },
  exclude: { bad: [["*.log", /expected array|list|array/i], [[1], /pattern must be a string/]], good: ["*.log"] },
  useIgnoreFiles: { bad: [["yes", /true or false/]], good: false },
  dependencies: { bad: [[["not an id!"], /dependency version id/], [Array.from({ length: 21 }, (_, i) => `d${i}`), /at most 20 dependencies/]], good: [UUID] },
  customImage: {
    bad: [[{ url: "" }, /SWR image URL/], [{ url: "swr.x/y:1", userId: "root" }, /user id \(digits\)/], ["swr.x/y:1", /\{ url/]],
    good: { url: "swr.cn-north-4.myhuaweicloud.com/org/app:1.0" }, with: { runtime: "Custom Image", sourceDir: undefined },
  },
  functionType: { bad: [["v3", /'v1' or 'v2'/]], good: "v2" },
  enterpriseProjectId: { bad: [["project-1", /'0'.*enterprise project id/]], good: "0" },
  agency: { bad: [["", /IAM agency name/]], good: "fgs-agency" },
  appAgency: { bad: [["", /IAM agency name/]], good: "fgs-app-agency" },
  vpc: { bad: [[{ vpcId: "v 1", subnetId: UUID }, /VPC id/], [{ vpcId: UUID }, /subnet id/]], good: VPC, with: { agency: "a" } },
  peeringCidr: { bad: [[["10.0.0.0"], /CIDR like/], [["1.1.1.0/24", "1.1.2.0/24", "1.1.3.0/24", "1.1.4.0/24", "1.1.5.0/24"], /at most 4 CIDRs/]], good: ["10.0.0.0/16"] },
  networkController: { bad: [[{ disablePublicNetwork: "yes" }, /true or false/], [{ triggerAccessVpcs: [{ vpcId: "!" }] }, /VPC id/]], good: { disablePublicNetwork: true } },
  domainNames: { bad: [[["bad domain"], /domain name/], [Array.from({ length: 51 }, (_, i) => `d${i}.x`), /at most 50 domain names/]], good: ["db.internal"] },
  mounts: {
    bad: [
      [[{ mountType: "nfs", mountResource: "r", localMountPath: "/mnt" }], /'sfsTurbo' or 'ecs'/],
      [[{ mountType: "ecs", mountResource: "r", localMountPath: "/mnt" }], /needs mountSharePath/],
      [[{ mountType: "sfsTurbo", mountResource: "r", localMountPath: "mnt" }], /absolute path/],
    ],
    good: [{ mountType: "sfsTurbo", mountResource: "fs-1", localMountPath: "/mnt/data" }], with: { agency: "a", vpc: VPC },
  },
  mountUserId: { bad: [[0, /except 0, 1000 and 1002/], [65535, /-1 to 65534/], [1000, /except 0, 1000/]], good: 2000 },
  mountUserGroupId: { bad: [[1002, /except 0, 1000 and 1002/], [-2, /-1 to 65534/]], good: -1 },
  initializerHandler: { bad: [["init", /'<file>\.<function>'/]], good: "index.init", with: { initializerTimeout: 30 } },
  initializerTimeout: { bad: [[0, /at least 1 seconds/], [301, /at most 300 seconds/]], good: 300, with: { initializerHandler: "index.init" } },
  preStopHandler: { bad: [["stop", /'<file>\.<function>'/]], good: "index.stop", with: { preStopTimeout: 10 } },
  preStopTimeout: { bad: [[91, /at most 90 seconds/], [0, /at least 1 seconds/]], good: 90, with: { preStopHandler: "index.stop" } },
  heartbeatHandler: { bad: [["beat", /'<file>\.<function>'/]], good: "index.beat" },
  restoreHookHandler: { bad: [["restore", /'<file>\.<function>'/]], good: "index.restore", with: { restoreHookTimeout: 30 } },
  restoreHookTimeout: { bad: [[301, /at most 300 seconds/]], good: 30, with: { restoreHookHandler: "index.restore" } },
  concurrencyNum: { bad: [[0, /at least 1 requests/], [1001, /at most 1000 requests/]], good: 1000 },
  maxInstanceNum: { bad: [[-2, /at least -1 instances/], [1001, /at most 1000 instances/]], good: -1 },
  ephemeralStorage: { bad: [[511, /at least 512 MB/], [10241, /at most 10240 MB/]], good: 10240 },
  gpuMemory: { bad: [[1500, /multiple of 1024 MB/], [512, /at least 1024 MB/], [17408, /at most 16384 MB/]], good: 2048, with: { gpuType: "nvidia-t4" } },
  gpuType: { bad: [["", /GPU type/]], good: "nvidia-t4", with: { gpuMemory: 1024 } },
  enableDynamicMemory: { bad: [["true", /true or false/]], good: true },
  isStatefulFunction: { bad: [[1, /true or false/]], good: true },
  enableAuthInHeader: { bad: [["no", /true or false/]], good: true },
  enableClassIsolation: { bad: [["x", /true or false/]], good: true },
  extendConfig: { bad: [["{not json", /JSON text/]], good: "{\"k\":1}" },
  logGroupId: { bad: [["group 1", /LTS log group id/]], good: UUID, with: { logStreamId: UUID } },
  logStreamId: { bad: [["stream/1", /LTS log stream id/]], good: UUID, with: { logGroupId: UUID } },
  logGroupName: { bad: [["", /LTS log group name/]], good: "g" },
  logStreamName: { bad: [["", /LTS log stream name/]], good: "s" },
  tags: {
    bad: [[{ "a=b": "1" }, /tag keys must be 1-128/], [{ k: "v|w" }, /tag values must be at most 255/], [{ k: "v".repeat(256) }, /at most 255/],
      [many(21, (i) => [`k${i}`, "v"]), /at most 20 tags/]],
    good: { team: "payments" },
  },
  asyncConfig: {
    bad: [[{ maxAsyncRetryAttempts: 4 }, /0 to 3 retries/], [{ maxAsyncEventAgeInSeconds: 86401 }, /1 to 86400 seconds/],
      [{ onFailure: { destination: "S3", param: "{}" } }, /'OBS', 'SMN', 'DIS' or 'FunctionGraph'/], [{ onSuccess: { destination: "SMN", param: "x" } }, /JSON text/]],
    good: { maxAsyncRetryAttempts: 3, maxAsyncEventAgeInSeconds: 86400 },
  },
  reservedInstances: {
    bad: [[[{ count: 1001 }], /0 to 1000 instances/], [[{ count: 1 }, { count: 2, qualifier: "latest" }], /one entry per version or alias/],
      [[{ count: 1, qualifierType: "tag" }], /'version' or 'alias'/], [[{ count: 1, metricConfigs: [{ name: "m", type: "Concurrency", threshold: 101, min: 0 }] }], /1 to 100/]],
    good: [{ count: 1 }],
  },
  publishVersion: { bad: [["yes", /true or false/]], good: true },
  adopt: { bad: [["yes", /true or false/]], good: true },
  driftCheck: { bad: [["no", /true or false/]], good: false },
  region: { bad: [["Beijing", /region name like 'cn-north-4'/]], good: undefined },
  projectId: { bad: [["short", /32 letters and digits/]], good: undefined },
  endpoint: { bad: [["functiongraph.example.com", /absolute http\(s\) URL/], ["https://user:pw@x.example.com", /without user info/]], good: undefined },
};

type Keys<T extends { shape: object }> = keyof T["shape"];

/** The companions share Function's target rows: the same endpoint rule (an ftp:// URL refused with its message). */
const COMPANION_ENDPOINT: Row = {
  bad: [["not a url", /absolute http\(s\) URL/], ["ftp://fgs.example.com", /absolute http\(s\) URL without user info/]], good: undefined,
};
const URN = (emu: EmulatorHandle) => `urn:fss:${emu.region}:${emu.projectId}:function:default:chk-fn`;

/** The companions' shared target rows (the property table's TARGET_PROPERTIES, plus driftCheck). */
const COMPANION_TARGET = {
  driftCheck: { bad: [["no", /true or false/]], good: false },
  region: { bad: [["Beijing", /region name like 'cn-north-4'/]], good: undefined },
  projectId: { bad: [["short", /32 letters and digits/]], good: undefined },
  endpoint: COMPANION_ENDPOINT,
} satisfies Record<string, Row>;

/** Trigger's and Alias's shared rows: the target rows and `adopt`. */
const COMPANION_SWITCH_AND_TARGET = { ...COMPANION_TARGET, adopt: { bad: [["yes", /true or false/]], good: true } } satisfies Record<string, Row>;

const TRIGGER: Record<Keys<typeof TRIGGER_KEYS.fields>, Row> = {
  functionUrn: { bad: [["fn", /must be a function URN/], ["urn:fss:r:p:func:x:y", /use fn\.funcUrn/]], good: undefined },
  type: { bad: [["CRON", /one of TIMER/]], good: "TIMER" },
  status: { bad: [["OFF", /ACTIVE or DISABLED/]], good: "DISABLED" },
  eventData: { bad: [["x", /an object with the service's event_data keys/], [{ name: "9t", schedule_type: "Rate", schedule: "5m" }, /must start with a letter/]], good: undefined },
  ...COMPANION_SWITCH_AND_TARGET,
};

const ALIAS: Record<Keys<typeof ALIAS_KEYS.fields>, Row> = {
  functionUrn: { bad: [["fn", /use fn\.funcUrn/], ["urn:fss:r:p:function:a:b:v1", /without a version or alias/]], good: undefined },
  name: { bad: [["latest", /reserved/], ["9a", /start with a letter/], ["a".repeat(64), /at most 63/], ["a.b", /letters, digits, '_' or '-'/]], good: "prod-1" },
  version: { bad: [["", /must not be empty/], [1, /the version the alias points at/]], good: "latest" },
  description: { bad: [["d".repeat(513), /at most 512 characters/]], good: "d" },
  additionalVersionWeights: { bad: [[{ v2: 0 }, /whole percentage 1-100/], [{ v2: 101 }, /whole percentage 1-100/], [[1], /map a version to the percentage/]], good: {} },
  additionalVersionStrategy: { bad: [[{ v2: { combine_type: "xor", rules: [] } }, /and|or/], ["x", /map a version to/]], good: {} },
  ...COMPANION_SWITCH_AND_TARGET,
};

const DEPENDENCY: Record<Keys<typeof DEPENDENCY_KEYS.fields>, Row> = {
  sourceDir: { bad: [["", /must not be empty/]], good: undefined },
  runtime: { bad: [["Node.js99", /one of/]], good: "Python3.10" },
  name: { bad: [["9dep", /start with a letter/], ["d".repeat(97), /at most 96/], ["d e", /letters, digits, '_', '\.' or '-'/]], good: "dep.lib-1_x" },
  description: { bad: [["d".repeat(513), /at most 512 characters/]], good: "d" },
  exclude: { bad: [[[1], /pattern must be a string/]], good: ["*.md"] },
  useIgnoreFiles: { bad: [["yes", /true or false/]], good: false },
  ...COMPANION_TARGET,
};

let emu: EmulatorHandle;
let work: string;
let dir: string;

before(async () => {
  process.env.FGS_QUIET = "1";
  emu = await startEmulator({ quiet: true });
  await configureFor(emu);
  await emu.seedFunction({ func_name: "chk-fn" });
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-validation-"));
  dir = writeTree(work, "app", { "index.js": "exports.handler = 1; exports.init = 2; exports.stop = 3; exports.beat = 4; exports.restore = 5;\n" });
});
after(async () => {
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
});

type Check = (olds: Record<string, unknown>, news: Record<string, unknown>) => Promise<{ failures?: { property: string; reason: string }[] }>;

function resource(label: string, table: Record<string, Row>, check: Check, base: () => Record<string, unknown>): void {
  describe(`${label}: every argument refused as documented, at preview, naming it and the fix`, () => {
    for (const [property, r] of Object.entries(table)) {
      it(property, async () => {
        for (const [value, reason] of r.bad) {
          emu.clearLog();
          const news = { ...base(), ...r.with, [property]: value };
          for (const [k, v] of Object.entries(news)) if (v === undefined) delete news[k];
          const res = await check({}, news);
          const own = (res.failures ?? []).filter((f) => f.property === property);
          assert.ok(own.some((f) => reason.test(f.reason)),
            `${label}.${property} = ${JSON.stringify(value).slice(0, 80)} refused on '${property}' with ${reason}; got ${JSON.stringify(res.failures)}`);
          assert.deepEqual(emu.requests({ writesOnly: true }), [], "no write at preview");
        }
        if (r.good !== undefined) {
          const news = { ...base(), ...r.with, [property]: r.good };
          for (const [k, v] of Object.entries(news)) if (v === undefined) delete news[k];
          const res = await check({}, news);
          assert.deepEqual(res.failures ?? [], [], `${label}.${property} = ${JSON.stringify(r.good)} is accepted`);
        }
      });
    }
  });
}

resource("Function", FUNCTION, fn.check, () => ({ sourceDir: dir, runtime: "Node.js18.15", handler: "index.handler", funcName: "fn-valid" }));
resource("Trigger", TRIGGER, trigger.check, () => ({ functionUrn: URN(emu), type: "TIMER", eventData: { name: "t1", schedule_type: "Rate", schedule: "5m" } }));
resource("Alias", ALIAS, alias.check, () => ({ functionUrn: URN(emu), name: "prod", version: "latest" }));
resource("Dependency", DEPENDENCY, dependency.check, () => ({ sourceDir: dir, runtime: "Node.js18.15", name: "dep" }));
