/**
 * Issue 7, "bad input", at the provider level: every bad argument is refused by `check` (what runs at preview)
 * with a failure whose `property` names the argument and whose `reason` says the fix — and with ZERO API calls
 * (the emulator's request log stays empty). Plus: Pulumi's unknown sentinel in any single argument never
 * produces a failure for that argument, and an unknown `sourceDir` is never looked at on disk.
 */
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as lifecycle from "../../provider/resource/lifecycle";
import { configureFor, writeTree } from "./helpers";
import { UNKNOWN } from "../../provider/resource/defaults";
import { INPUT_KEYS } from "../../provider/resource/inputs";

let emu: EmulatorHandle;
let work: string;
const savedEnv: Record<string, string | undefined> = {};
const isRoot = process.getuid?.() === 0;

/** Stack config as the engine hands it to `configure`; `overrides` replace (or, with undefined, drop) keys. */
const configure = (overrides: Record<string, string | undefined> = {}) => configureFor(emu, overrides);

const tree = (name: string, files: Record<string, string | Buffer>, modes: Record<string, number> = {}) =>
  writeTree(work, name, files, modes);

const nodeTree = (name: string, extra: Record<string, string | Buffer> = {}) =>
  tree(name, { "index.js": "exports.handler = async () => 1;\n", ...extra });

function args(sourceDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const a: Record<string, unknown> = { sourceDir, runtime: "Node.js18.15", handler: "index.handler", funcName: "fn-bad", ...extra };
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete a[k];
  return a;
}

/** Runs `check`, asserts a failure on `property` whose reason matches `reason`, and that no API call was made. */
async function assertRefused(news: Record<string, unknown>, property: string, reason: RegExp): Promise<string> {
  const res = await lifecycle.check({}, news);
  const failures = res.failures ?? [];
  const f = failures.find((x) => x.property === property);
  assert.ok(f, `check must refuse '${property}' at preview (property named in the failure); got ${JSON.stringify(failures)}`);
  assert.match(f.reason, reason, `the reason for '${property}' must tell the user the fix (${reason}); got: ${f.reason}`);
  assert.deepEqual(emu.requests().map((r) => r.operation), [],
    "check must make ZERO API calls for bad input (refuse before any request)");
  return f.reason;
}

before(async () => {
  process.env.FGS_QUIET = "1";
  for (const k of Object.keys(process.env)) {
    if (k.startsWith("HW_") || k.startsWith("HUAWEICLOUD_") || k === "FGS_CODE_LIMIT_BYTES") {
      savedEnv[k] = process.env[k];
      delete process.env[k];
    }
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-bad-input-"));
  emu = await startEmulator({ quiet: true });
  await configure();
});
after(async () => {
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
  for (const [k, v] of Object.entries(savedEnv)) if (v !== undefined) process.env[k] = v;
});
beforeEach(() => emu.clearLog());

describe("sourceDir and packaging", () => {
  it("missing sourceDir", async () => {
    await assertRefused(args(nodeTree("ok"), { sourceDir: undefined }), "sourceDir", /required.*directory holding the function code/);
  });
  it("sourceDir is an empty string", async () => {
    await assertRefused(args(""), "sourceDir", /must not be empty.*directory/);
  });
  it("sourceDir does not exist", async () => {
    await assertRefused(args(path.join(work, "nope")), "sourceDir", /does not exist: check sourceDir/);
  });
  it("sourceDir is an empty directory", async () => {
    await assertRefused(args(tree("empty", {})), "sourceDir", /no files left to package.*check sourceDir/);
  });
  it("sourceDir is a file, not a directory", async () => {
    const dir = nodeTree("file");
    await assertRefused(args(path.join(dir, "index.js")), "sourceDir", /is not a directory: set sourceDir to the directory that contains it/);
  });
  it("everything excluded by `exclude`", async () => {
    await assertRefused(args(nodeTree("ex"), { exclude: ["*"] }), "exclude", /no files left to package.*check sourceDir and exclude/);
  });
  it("everything excluded by a .fgsignore", async () => {
    const dir = nodeTree("ig", { ".fgsignore": "*\n" });
    await assertRefused(args(dir), "sourceDir", /no files left to package.*\.fgsignore/);
  });
  it("a FIFO in the tree (a file packaging cannot read)", async () => {
    const dir = nodeTree("fifo");
    execFileSync("mkfifo", [path.join(dir, "pipe")]);
    await assertRefused(args(dir), "sourceDir", /pipe is not a regular file.*FIFO.*exclude it/);
  });
  it("a socket in the tree", async () => {
    const dir = nodeTree("sock");
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, "s.sock"), resolve));
    try {
      await assertRefused(args(dir), "sourceDir", /s\.sock is not a regular file.*socket.*exclude it/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
  it("an unreadable file (mode 000)", { skip: isRoot ? "running as root: mode 000 does not block root's reads (the FIFO and socket cases cover unreadable entries)" : false }, async () => {
    const dir = tree("unreadable", { "index.js": "exports.handler = 1;\n", "secret.txt": "x" }, { "secret.txt": 0o000 });
    await assertRefused(args(dir), "sourceDir", /cannot read .*secret\.txt.*chmod a\+r.*or exclude it/);
  });
  it("a symlink escaping the source directory", async () => {
    const outside = path.join(work, "outside.txt");
    fs.writeFileSync(outside, "outside\n");
    const dir = nodeTree("escape");
    fs.symlinkSync(outside, path.join(dir, "link.txt"));
    await assertRefused(args(dir), "sourceDir", /outside the source directory.*delete the link, exclude it, copy the target in/);
  });
  it("a broken symlink", async () => {
    const dir = nodeTree("broken");
    fs.symlinkSync(path.join(dir, "gone.js"), path.join(dir, "dangling.js"));
    await assertRefused(args(dir), "sourceDir", /dangling\.js.*points to nothing: fix or delete the link, or exclude it/);
  });
  it("a package over the code limit: refused on the real zip before any upload, never estimated at preview", async () => {
    process.env.FGS_CODE_LIMIT_BYTES = String(64 * 1024);
    try {
      // A preview does not build the zip (that would compress the whole tree on every preview after an edit),
      // so a tree over the limit raw passes check whether or not it compresses under it.
      const zeros = nodeTree("zeros", { "blob.bin": Buffer.alloc(96 * 1024) });
      assert.deepEqual((await lifecycle.check({}, args(zeros))).failures, [], "compressible: the zip fits, check must pass");
      const big = nodeTree("big", { "blob.bin": crypto.randomBytes(96 * 1024) });
      const checked = await lifecycle.check({}, args(big));
      assert.deepEqual(checked.failures, [], "check judges the uncompressed total only (1.5 GB); the zip limit is checked before upload");
      // The deployment builds the zip, sees it is over the limit, and stops before ANY API call.
      await assert.rejects(lifecycle.create(checked.inputs),
        /sourceDir: the code zip is .* over the service's 64\.0 KB limit .*exclude/);
      assert.deepEqual(emu.requests().map((r) => r.operation), [], "an oversized zip must be refused before any request");
    } finally {
      delete process.env.FGS_CODE_LIMIT_BYTES;
    }
  });
});

describe("handler and runtime", () => {
  it("Node.js handler whose file is not in the package (.js/.mjs/.cjs)", async () => {
    const reason = await assertRefused(args(nodeTree("h"), { handler: "main.handler" }), "handler",
      /needs one of 'main\.js', 'main\.mjs', 'main\.cjs'.*Fix the handler, or add the file/);
    assert.match(reason, /top-level files: index\.js/, "the reason must list what IS in the package, so the user sees the mismatch");
  });
  it("Node.js handler served by index.mjs or index.cjs is accepted", async () => {
    for (const file of ["index.mjs", "index.cjs"]) {
      const res = await lifecycle.check({}, args(tree(`m-${file}`, { [file]: "export const handler = 1;\n" })));
      assert.deepEqual(res.failures, [], `${file} must satisfy handler 'index.handler' for Node.js`);
    }
  });
  it("Python handler whose .py is not in the package", async () => {
    await assertRefused(args(nodeTree("py"), { runtime: "Python3.10" }), "handler", /Python3\.10 runtime needs 'index\.py'.*Fix the handler, or add the file/);
  });
  it("Custom runtime without bootstrap", async () => {
    await assertRefused(args(nodeTree("cb"), { runtime: "Custom" }), "sourceDir", /needs 'bootstrap' in the package.*add the file/);
  });
  it("Custom runtime with a non-executable bootstrap", async () => {
    const dir = tree("cx", { bootstrap: "#!/bin/sh\n" }, { bootstrap: 0o644 });
    await assertRefused(args(dir, { runtime: "Custom" }), "sourceDir", /not executable.*chmod \+x bootstrap/);
  });
  it("unknown runtime", async () => {
    await assertRefused(args(nodeTree("r"), { runtime: "Node.js99" }), "runtime", /one of .*Node\.js18\.15.*Python3\.10/);
  });
  it("missing runtime", async () => {
    await assertRefused(args(nodeTree("r"), { runtime: undefined }), "runtime", /required: one of .*Node\.js18\.15/);
  });
  it("missing handler", async () => {
    await assertRefused(args(nodeTree("r"), { handler: undefined }), "handler", /required: '<file>\.<function>', e\.g\. 'index\.handler'/);
  });
});

describe("names and settings", () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ["funcName of 61 characters", { funcName: "a".repeat(61) }, "funcName", /1-60 letters, digits/],
    ["funcName starting with a digit", { funcName: "9bad" }, "funcName", /start with a letter/],
    ["funcName ending with '-'", { funcName: "bad-" }, "funcName", /end with a letter or digit/],
    ["funcName with a dot", { funcName: "a.b" }, "funcName", /letters, digits, '-' or '_'/],
    ["funcName with a space", { funcName: "a b" }, "funcName", /letters, digits, '-' or '_'/],
    ["package equal to funcName", { funcName: "same", package: "same" }, "package", /must differ from the function name/],
    ["memorySize not in the list", { memorySize: 100 }, "memorySize", /must be one of 128, 256, .*4096/],
    ["timeout 2", { timeout: 2 }, "timeout", /at least 3 seconds/],
    ["timeout 259201", { timeout: 259201 }, "timeout", /at most 259200 seconds/],
    ["timeout 3.5", { timeout: 3.5 }, "timeout", /whole number of seconds/],
    ["environment over 20 entries", { environment: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`K${i}`, "v"])) }, "environment", /at most 20 variables.*move the rest/],
    ["environment over 4 KB", { environment: { BIG: "x".repeat(4100) } }, "environment", /more than 4096 bytes.*shorten them or move them/],
    ["a non-string environment value", { environment: { PORT: 8080 } }, "environment", /every environment value must be a string/],
    ["description over 512 characters", { description: "d".repeat(513) }, "description", /at most 512 characters/],
    ["endpoint 'not a url'", { endpoint: "not a url" }, "endpoint", /absolute http\(s\) URL.*https:\/\/functiongraph\./],
    ["endpoint 'ftp://x'", { endpoint: "ftp://x" }, "endpoint", /absolute http\(s\) URL/],
    ["useIgnoreFiles not a boolean", { useIgnoreFiles: "yes" }, "useIgnoreFiles", /must be true or false/],
    ["region of the wrong format", { region: "CN_NORTH_4" }, "region", /region name like 'cn-north-4'/],
    ["projectId of the wrong format", { projectId: "abc-123" }, "projectId", /32 letters and digits/],
  ];
  for (const [label, extra, property, reason] of cases) {
    it(label, async () => {
      await assertRefused(args(nodeTree("s"), extra), property, reason);
    });
  }
});

describe("stack config and credentials", () => {
  afterEach(() => configure());

  it("no credentials anywhere: ONE check result lists everything missing, with config keys and env names", async () => {
    await lifecycle.configure({ config: { get: () => undefined } });
    const res = await lifecycle.check({}, args(nodeTree("c")));
    const failures = res.failures ?? [];
    const byProperty = Object.fromEntries(failures.map((f) => [f.property, f.reason]));
    assert.match(byProperty.credentials ?? "", /functiongraph:accessKey or HUAWEICLOUD_SDK_AK or HW_ACCESS_KEY/,
      `the credentials failure must name the stack config key and the env names to set; got ${JSON.stringify(failures)}`);
    assert.match(byProperty.credentials ?? "", /functiongraph:secretKey or HUAWEICLOUD_SDK_SK or HW_SECRET_KEY/,
      "the credentials failure must name where the secret key goes");
    assert.match(byProperty.region ?? "", /functiongraph:region or HW_REGION_NAME/, "the same result must say how to set the region");
    assert.match(byProperty.projectId ?? "", /functiongraph:projectId or HUAWEICLOUD_SDK_PROJECT_ID or HW_PROJECT_ID/,
      "the same result must say how to set the project id");
    assert.deepEqual(emu.requests(), [], "check must make ZERO API calls when configuration is missing");
  });
  it("endpoint 'ftp://x' from stack config names the endpoint", async () => {
    await configure({ "functiongraph:endpoint": "ftp://x" });
    await assertRefused(args(nodeTree("c")), "endpoint", /functiongraph:endpoint.*must use http or https/);
  });
  it("region of the wrong format from stack config names the region", async () => {
    await configure({ "functiongraph:region": "North4" });
    await assertRefused(args(nodeTree("c")), "region", /functiongraph:region.*"North4" is not a region name like cn-north-4/);
  });
  it("projectId of the wrong format from stack config names the projectId", async () => {
    await configure({ "functiongraph:projectId": "short" });
    await assertRefused(args(nodeTree("c")), "projectId", /functiongraph:projectId.*must be 16-64 letters or digits/);
  });
  it("a secret key without its access key names the access key", async () => {
    await configure({ "functiongraph:accessKey": undefined });
    await assertRefused(args(nodeTree("c")), "credentials", /accessKey: set functiongraph:accessKey or HUAWEICLOUD_SDK_AK or HW_ACCESS_KEY/);
  });
});

describe("unknown values (preview before an upstream output is known)", () => {
  it("the unknown sentinel in any single argument never fails that argument", async () => {
    const dir = nodeTree("u");
    const unknownArg = (k: string): unknown => (k === "exclude" ? [UNKNOWN] : k === "environment" ? { A: UNKNOWN } : UNKNOWN);
    for (const key of INPUT_KEYS) {
      const res = await lifecycle.check({}, args(dir, { [key]: unknownArg(key) }));
      const own = (res.failures ?? []).filter((f) => f.property === key);
      assert.deepEqual(own, [], `an unknown '${key}' must not be judged at preview (it is not known yet)`);
    }
    assert.deepEqual(emu.requests(), [], "check must make no API call with unknown inputs");
  });

  it("an unknown sourceDir is never looked at on disk", async () => {
    // A directory literally named like the sentinel, in the cwd: stat'ing "sourceDir" would find it.
    const cwd = process.cwd();
    const here = fs.mkdtempSync(path.join(work, "cwd-"));
    fs.mkdirSync(path.join(here, UNKNOWN));
    fs.writeFileSync(path.join(here, UNKNOWN, "index.js"), "exports.handler = 1;\n");
    process.chdir(here);
    const touched: string[] = [];
    const restore: (() => void)[] = [];
    const spy = (obj: Record<string, unknown>, names: string[]) => {
      for (const name of names) {
        const original = obj[name];
        if (typeof original !== "function") continue;
        obj[name] = function (this: unknown, ...a: unknown[]) {
          if (a.some((x) => String(x).includes(UNKNOWN))) touched.push(`${name}(${String(a[0])})`);
          return (original as (...x: unknown[]) => unknown).apply(this, a);
        };
        restore.push(() => { obj[name] = original; });
      }
    };
    const names = ["stat", "lstat", "readdir", "opendir", "realpath", "access", "open", "readFile", "readlink",
      "statSync", "lstatSync", "readdirSync", "opendirSync", "realpathSync", "accessSync", "openSync", "readFileSync",
      "readlinkSync", "existsSync", "createReadStream"];
    // The real module objects (the `import * as fs` namespace only has getters); the provider reads through them.
    const realFs = require("node:fs") as Record<string, unknown> & { promises: Record<string, unknown> };
    spy(realFs, names);
    spy(realFs.promises, names);
    try {
      const res = await lifecycle.check({}, args(UNKNOWN));
      assert.deepEqual(res.failures, [], "an unknown sourceDir must produce no failure at preview");
      const inputs = res.inputs as Record<string, unknown>;
      assert.equal(inputs.sourceSha512, UNKNOWN, "the source hash of an unknown sourceDir must itself be unknown, not computed");
      assert.deepEqual(touched, [], "check must never touch the filesystem for an unknown sourceDir");
      // Control: the spy does see a known path that merely contains the sentinel text.
      const control = await lifecycle.check({}, args(path.join(here, UNKNOWN)));
      assert.deepEqual(control.failures, [], "control: a known directory with a handler must pass");
      assert.ok(touched.length > 0, "control: the filesystem spy must record reads of a known sourceDir (else this test proves nothing)");
    } finally {
      process.chdir(cwd);
      for (const undo of restore) undo();
    }
  });
});
