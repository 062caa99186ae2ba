import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import yauzl from "yauzl";
import { InvalidRequestError } from "../../provider/api/errors";
import { buildImportPackage, toUserData } from "../../provider/api/import-package";

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
});

test("toUserData: sorted JSON, undefined when empty", () => {
  assert.equal(toUserData({ b: "2", a: "x\"y" }), '{"a":"x\\"y","b":"2"}');
  assert.equal(toUserData({}), undefined);
  assert.equal(toUserData(undefined), undefined);
});
