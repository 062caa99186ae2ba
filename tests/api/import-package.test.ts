import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import yauzl from "yauzl";
import { InvalidRequestError } from "../../provider/api/errors";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildImportPackage, importPackage, toUserData } from "../../provider/api/import-package";
import { packageSource } from "../../provider/package";

interface ReadEntry { name: string; method: number; extraLength: number; modDate: number; modTime: number; data: Buffer }

/** Reads every entry of a zip with yauzl (an independent reader). */
function readZip(buf: Buffer): Promise<ReadEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: ReadEntry[] = [];
      zip.on("entry", (e: yauzl.Entry) => {
        zip.openReadStream(e, (err2, stream) => {
          if (err2 || !stream) return reject(err2);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            out.push({ name: e.fileName, method: e.compressionMethod, extraLength: e.extraFieldLength,
              modDate: e.lastModFileDate, modTime: e.lastModFileTime, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(out));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

const settings = {
  funcName: "hello-fn", runtime: "Node.js20.15", handler: "index.handler", memorySize: 256, timeout: 30,
  description: "says: hello", environment: { ZED: "last", ALPHA: "true", NUM: "42" },
};
const codeZip = Buffer.from("PK\u0003\u0004 pretend this is an already-compressed code zip \u0000\u00ff", "latin1");

test("package holds <func_name>.yaml and code.zip, stored, constant date, no extra fields", async () => {
  const { packageZip, request } = buildImportPackage(settings, codeZip);
  const entries = await readZip(packageZip);
  assert.deepEqual(entries.map((e) => e.name), ["hello-fn.yaml", "code.zip"]);
  for (const e of entries) {
    assert.equal(e.method, 0);
    assert.equal(e.extraLength, 0);
    assert.equal(e.modDate, 0x21); // 1980-01-01
    assert.equal(e.modTime, 0);
  }
  assert.ok(entries[1].data.equals(codeZip), "code.zip bytes unchanged");

  assert.deepEqual(parse(entries[0].data.toString("utf8")), {
    HcCrmTemplateVersion: "v1",
    Resources: {
      "hello-fn": {
        Type: "HC::Serverless::Function",
        Properties: {
          Handler: "index.handler", Runtime: "Node.js20.15", CodeType: "zip", CodeFileName: "code.zip",
          Description: "says: hello", MemorySize: 256, Timeout: 30, Version: "latest",
          Environment: { Variables: { ALPHA: "true", NUM: "42", ZED: "last" } },
        },
      },
    },
  });
  assert.deepEqual(Object.keys(request).sort(), ["file_code", "file_name", "file_type", "func_name"]);
  assert.equal(request.func_name, "hello-fn");
  assert.equal(request.file_name, "hello-fn.zip");
  assert.equal(request.file_type, "zip");
  assert.ok(Buffer.from(request.file_code, "base64").equals(packageZip));
});

test("deterministic: same inputs (env in any order) give identical bytes; a change changes them", () => {
  const a = buildImportPackage(settings, codeZip).packageZip;
  const b = buildImportPackage({ ...settings, environment: { NUM: "42", ALPHA: "true", ZED: "last" } }, Buffer.from(codeZip)).packageZip;
  assert.ok(a.equals(b));
  assert.ok(!a.equals(buildImportPackage({ ...settings, timeout: 31 }, codeZip).packageZip));
});

test("environment values stay strings for a YAML 1.1 reader (yes, on, 0123, null)", async () => {
  const environment = { A: "yes", B: "on", C: "0123", D: "null", E: "1_000", F: "multi\nline: x", y: "n", ON: "~" };
  const { packageZip } = buildImportPackage({ ...settings, funcName: "yes", environment }, codeZip);
  const [yamlEntry] = await readZip(packageZip);
  for (const version of ["1.1", "1.2"] as const) {
    const doc = parse(yamlEntry.data.toString("utf8"), { version });
    assert.deepEqual(Object.keys(doc.Resources), ["yes"], version);
    assert.deepEqual(doc.Resources.yes.Properties.Environment.Variables, environment, version);
    assert.equal(doc.Resources.yes.Properties.MemorySize, 256, "numbers stay numbers");
  }
});

test("defaults: no description and no environment still give the documented keys", async () => {
  const { packageZip } = buildImportPackage({ funcName: "f1", runtime: "Python3.9", handler: "index.handler", memorySize: 128, timeout: 3 }, codeZip);
  const [yamlEntry] = await readZip(packageZip);
  const props = parse(yamlEntry.data.toString("utf8")).Resources.f1.Properties;
  assert.equal(props.Description, "");
  assert.deepEqual(props.Environment, { Variables: {} });
});

test("an invalid function name is refused before anything is built into a request", () => {
  assert.throws(() => buildImportPackage({ ...settings, funcName: "../evil" }, codeZip),
    (e: unknown) => e instanceof InvalidRequestError && e.field === "func_name");
  assert.throws(() => importPackage({ ...settings, funcName: "../evil" }, codeZip),
    (e: unknown) => e instanceof InvalidRequestError && e.field === "func_name");
});

/** Deterministic bytes that do not compress (a SHA-256 counter stream). */
function counterBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0, n = 0; i < length; n++) i += createHash("sha256").update(String(n)).digest().copy(out, i);
  return out;
}

/** `bytes` as a source read on demand in uneven pieces, all through one reused buffer (as a spool is read). */
function reusedPieces(bytes: Buffer, cuts: number[]): { size: number; passes: number; pieces(): Generator<Uint8Array> } {
  const source = {
    size: bytes.length,
    passes: 0,
    *pieces(): Generator<Uint8Array> {
      source.passes++;
      const scratch = Buffer.alloc(Math.max(...cuts, 1));
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const n = Math.min(cuts[k % cuts.length], bytes.length - at);
        bytes.copy(scratch, 0, at, at + n);
        yield scratch.subarray(0, n);
        at += n;
      }
    },
  };
  return source;
}

/** The pieces joined, each copied as it comes (a piece is valid only until the next is asked for). */
function joined(pieces: Iterable<Uint8Array>): Buffer {
  const copies: Buffer[] = [];
  for (const p of pieces) copies.push(Buffer.from(p));
  return Buffer.concat(copies);
}

test("the streamed import package is byte for byte the one built in memory, and what the in-memory writer produced before streaming", () => {
  const code = counterBytes(3 * 1024 * 1024 + 17);
  const built = buildImportPackage(settings, code).packageZip;
  // SHA-256 of buildImportPackage's package for these inputs as written by the in-memory writer before the
  // import was streamed (commit 355f296): the container format must not move.
  assert.equal(createHash("sha256").update(built).digest("hex"), "5b2e095e03a57845137ccbc2dcd9b65a9498ad97d47012bda9967bed215d0200");
  for (const cuts of [[1024 * 1024], [1, 65536, 7], [code.length]]) {
    const source = reusedPieces(code, cuts);
    const pkg = importPackage(settings, source);
    assert.equal(pkg.size, built.length, "size known up front");
    assert.equal(source.passes, 0, "nothing read to know the size");
    assert.ok(joined(pkg.pieces()).equals(built), `pieces ${cuts.join(",")}`);
    assert.equal(source.passes, 2, "one pass for the CRC-32, one for the bytes");
    assert.ok(joined(pkg.pieces()).equals(built), "every pass gives the same bytes (one per attempt)");
    assert.equal(source.passes, 3, "the CRC-32 is not computed again");
  }
  assert.deepEqual(importPackage(settings, code).fields, { func_name: "hello-fn", file_name: "hello-fn.zip", file_type: "zip" });
});

test("a code zip read from its spool file imports as the same bytes as the zip in memory", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-import-spool-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => 1;\n");
  fs.writeFileSync(path.join(dir, "blob.bin"), counterBytes(2 * 1024 * 1024 + 5));
  const pkg = await packageSource(dir, { hashCache: false });
  t.after(() => pkg.close());
  const streamed = joined(importPackage(settings, pkg).pieces());
  assert.ok(streamed.equals(buildImportPackage(settings, pkg.zip).packageZip));
  const entries = await readZip(streamed);
  assert.ok(entries[1].data.equals(pkg.zip), "code.zip is the package");
});

test("a source that yields another length than it announced is refused, not imported short", () => {
  const source = reusedPieces(counterBytes(1000), [300]);
  const pkg = importPackage(settings, { size: 1001, pieces: () => source.pieces() });
  assert.throws(() => joined(pkg.pieces()), /code\.zip: read 1000 bytes, expected 1001/);
});

test("toUserData: sorted JSON, undefined when empty", () => {
  assert.equal(toUserData({ b: "2", a: "x\"y" }), '{"a":"x\\"y","b":"2"}');
  assert.equal(toUserData({}), undefined);
  assert.equal(toUserData(undefined), undefined);
});
