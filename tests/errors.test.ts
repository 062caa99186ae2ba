/**
 * The one error family (provider/errors.ts): every error class declared in provider/, harness/ and bin/ descends
 * from FgsError with a code of its own, every code has a row in README.md's "Errors" table (so a new class without
 * a row fails here), and code branches on `code`: a serialized copy of an error (no instance of its class) is
 * recognised, a look-alike without a code is not.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { FunctionGraphError, NetworkError } from "../provider/api/errors";
import { isConfigurationError } from "../provider/auth/configuration-error";
import { FgsError, hasCode, isAmbiguousFailure } from "../provider/errors";
import { ObsRequestError } from "../provider/obs/errors";
import { isPackagingError, PackagingError, PACKAGING_ERROR_CODES } from "../provider/package/errors";
import { isServiceError } from "../provider/resource/service-steps";

const ROOT = path.join(__dirname, "..", "..");
const FAMILY_DIRS = ["provider", "harness", "bin"];
/** Also scanned for the family's classes (FgsError's descendants) only: the emulator keeps its own wire errors. */
const ALSO_SCANNED = ["emulator"];

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => path.join(dir, f));
}

interface DeclaredClass { name: string; parent: string; file: string; abstract: boolean; body: string }

/** The classes declared in the family's directories, with their parent and body text (up to the next top-level `}`). */
function declaredClasses(): DeclaredClass[] {
  const found: DeclaredClass[] = [];
  for (const file of [...FAMILY_DIRS, ...ALSO_SCANNED].flatMap(sources)) {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    for (const m of text.matchAll(/^(?:export )?(abstract )?class (\w+)(?:<[^>]*>)? extends (\w+)\b/gm)) {
      const end = text.indexOf("\n}", m.index);
      found.push({ name: m[2], parent: m[3], file, abstract: m[1] !== undefined, body: text.slice(m.index, end < 0 ? undefined : end) });
    }
  }
  return found;
}

/** The codes of README.md's "Errors" table (first cell of each row). */
function readmeCodes(): string[] {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## Errors\n");
  assert.ok(start >= 0, "README.md has an '## Errors' section");
  const end = readme.indexOf("\n## ", start + 1);
  return [...readme.slice(start, end < 0 ? undefined : end).matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
}

test("every error class in provider/, harness/ and bin/ descends from FgsError with a distinct code that the README table lists", () => {
  const classes = declaredClasses();
  const byName = new Map(classes.map((c) => [c.name, c]));
  const inFamilyDir = (c: DeclaredClass) => FAMILY_DIRS.some((d) => c.file.startsWith(`${d}${path.sep}`));
  const errorClasses = classes.filter((c) => {
    for (let at: DeclaredClass | undefined = c; at; at = byName.get(at.parent)) {
      if (at.parent === "Error") return inFamilyDir(c) || at.name === "FgsError";
    }
    return false;
  });
  assert.deepEqual(errorClasses.filter((c) => c.parent === "Error").map((c) => `${c.file}: ${c.name}`), ["provider/errors.ts: FgsError"],
    "only the base extends Error directly");
  const codeOwners = new Map<string, string>();
  const own = (code: string, owner: string) => {
    assert.ok(!codeOwners.has(code), `${code} is used by ${codeOwners.get(code)} and ${owner}`);
    codeOwners.set(code, owner);
  };
  for (const c of errorClasses) {
    if (c.name === "FgsError" || c.abstract) continue;
    if (c.name === "PackagingError") {
      for (const code of PACKAGING_ERROR_CODES) own(code, c.name);
      continue;
    }
    const code = /\bsuper\(\s*"(FGS_[A-Z_]+)"/.exec(c.body)?.[1];
    assert.ok(code, `${c.file}: ${c.name} passes its own FGS_ code to super()`);
    own(code, c.name);
  }
  assert.ok(codeOwners.size >= 20, `found the family (${codeOwners.size} codes)`);
  const documented = readmeCodes();
  assert.deepEqual(documented.filter((code, i) => documented.indexOf(code) !== i), [], "no code has two README rows");
  const undocumented = [...codeOwners.keys()].filter((code) => !documented.includes(code));
  assert.deepEqual(undocumented, [], "every code has a row in README.md's Errors table");
  assert.deepEqual(documented.filter((code) => !codeOwners.has(code)), [], "no README row names a code nothing throws");
});

test("the classes keep their names, fields and messages, and carry code, retryable and ambiguous", () => {
  const e = new FunctionGraphError({ method: "POST", path: "/v2/p/fgs/functions", status: 503, errorCode: "FSS.0500", errorMsg: "busy", requestId: "r1", ambiguous: true });
  assert.ok(e instanceof FgsError && e instanceof Error);
  assert.deepEqual([e.name, e.code, e.retryable, e.ambiguous, e.status, e.errorCode, e.requestId], ["FunctionGraphError", "FGS_SERVICE", true, true, 503, "FSS.0500", "r1"]);
  assert.equal(e.message, "FSS.0500 busy (HTTP 503, POST /v2/p/fgs/functions, request r1) — the request may have reached the server: look the function up before retrying");
  const n = new NetworkError({ method: "GET", path: "/x", kind: "unreachable", code: "ECONNREFUSED", detail: "refused" });
  assert.deepEqual([n.name, n.code, n.transportCode, n.retryable, n.ambiguous, n.message], ["NetworkError", "FGS_NETWORK", "ECONNREFUSED", true, false, "connection refused (ECONNREFUSED): refused (GET /x)"]);
  const o = new ObsRequestError({ operation: "PUT b/k", status: 404, code: "NoSuchBucket", detail: "no bucket" });
  assert.deepEqual([o.code, o.errorCode, o.retryable], ["FGS_OBS_REQUEST", "NoSuchBucket", false]);
  const p = new PackagingError("CHANGED_WHILE_PACKAGING", "/src/a", "changed");
  assert.deepEqual([p.name, p.code, p.path, p.retryable, p.message], ["PackagingError", "CHANGED_WHILE_PACKAGING", "/src/a", true, "changed"]);
});

test("branching works on code: a serialized-style copy is recognised, a look-alike without a code is not", () => {
  const copy = { name: "FunctionGraphError", message: "FSS.1061 The function has existed", code: "FGS_SERVICE", status: 409, errorCode: "FSS.1061", ambiguous: false };
  assert.ok(!(copy instanceof FunctionGraphError));
  assert.equal(isServiceError(copy, 409, "FSS.1061"), true);
  assert.equal(isServiceError(copy, 404), false);
  assert.equal(isAmbiguousFailure({ code: "FGS_NETWORK", ambiguous: true }), true);
  assert.equal(isAmbiguousFailure({ code: "FGS_NETWORK", ambiguous: false }), false);
  assert.equal(isPackagingError({ code: "UNREADABLE", path: "/x" }), true);
  assert.equal(isConfigurationError({ code: "FGS_CONFIGURATION", problems: [] }), true);
  assert.equal(hasCode({ code: "FGS_USAGE" }, "FGS_HARNESS", "FGS_USAGE"), true);
  // What the code used to accept and no longer does: a name string, a duck-typed `ambiguous`, a system error's code.
  assert.equal(isServiceError(Object.assign(new Error("x"), { name: "FunctionGraphError", status: 409 }), 409), false);
  assert.equal(isAmbiguousFailure(Object.assign(new Error("x"), { ambiguous: true })), false);
  assert.equal(isPackagingError(Object.assign(new Error("x"), { code: "ENOENT" })), false);
  assert.equal(hasCode(undefined, "FGS_USAGE"), false);
});

test("errors made by code that went through Pulumi's function serializer keep code, message and fields", async (t) => {
  const make = () => [
    new FunctionGraphError({ method: "POST", path: "/i", status: 409, errorCode: "FSS.1061", errorMsg: "The function has existed" }),
    new NetworkError({ method: "POST", path: "/i", kind: "reset", code: "ECONNRESET", detail: "socket hang up", ambiguous: true }),
    new PackagingError("UNREADABLE", "/src/a", "cannot read /src/a"),
  ];
  const serialized = await pulumi.runtime.serializeFunction(() => make);
  const file = path.join(__dirname, `.serialized-errors-${process.pid}.js`);
  writeFileSync(file, serialized.text);
  t.after(() => rmSync(file, { force: true }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const [service, network, packaging] = ((require(file)[serialized.exportName] as () => typeof make)())();
  const expected = make();
  assert.deepEqual([service.message, network.message, packaging.message], expected.map((e) => e.message));
  assert.equal(isServiceError(service, 409, "FSS.1061"), true);
  assert.equal(isAmbiguousFailure(network), true);
  assert.equal((network as NetworkError).transportCode, "ECONNRESET");
  assert.equal(isPackagingError(packaging), true);
  assert.equal(isAmbiguousFailure(service), false);
});
