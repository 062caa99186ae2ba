/**
 * The packaging code survives Pulumi's function serializer (the dynamic provider captures it by value):
 * the serialized closure loads from a string and produces the same hashes and zip as the module itself.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import Module from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { hashSource, packageSource } from "../../provider/package";
import { cleanup, tempDir, writeTree } from "./helpers";

test("serializeFunction'd packageSource/hashSource load from a string and give identical results", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { "index.js": "x", bootstrap: { content: "#!/bin/sh\n", mode: 0o755 }, ".gitignore": "*.log\n", "a.log": "x" });
  const sf = await pulumi.runtime.serializeFunction(
    () => async (d: string) => {
      const [p, h] = await Promise.all([packageSource(d, { workerThreads: 2 }), hashSource(d)]);
      return { zip: p.zip.toString("base64"), sourceSha512: p.sourceSha512, hashed: h.sourceSha512 };
    },
    { allowSecrets: true },
  );
  // Load it as the dynamic-provider plugin does: a module compiled from text, resolving from the repo.
  const filename = path.join(root, "serialized.js");
  const m = new Module(filename) as Module & { _compile(code: string, file: string): void; paths: string[] };
  m.filename = filename;
  m.paths = (Module as unknown as { _nodeModulePaths(p: string): string[] })._nodeModulePaths(path.resolve(__dirname, "../../.."));
  m._compile(sf.text, filename);
  const run = (m.exports as Record<string, () => (d: string) => Promise<{ zip: string; sourceSha512: string; hashed: string }>>)[sf.exportName]();
  const got = await run(dir);
  const expected = await packageSource(dir);
  assert.equal(got.sourceSha512, expected.sourceSha512);
  assert.equal(got.hashed, expected.sourceSha512);
  assert.ok(Buffer.from(got.zip, "base64").equals(expected.zip));
});
