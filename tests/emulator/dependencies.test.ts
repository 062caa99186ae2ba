/**
 * The emulator's dependency calls through the official SDK: create versions (numbered per name, etag = MD5),
 * list dependencies and versions, show, delete; a version a function uses cannot be deleted; persistence.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { DependencyVersionSchema } from "../../provider/api/dependency-schemas";
import { codeZip, fg, sdkClient, sdkError, zip } from "./helpers";

function createBody(name: string, data: Buffer) {
  return new fg.CreateDependencyVersionRequest().withBody(new fg.CreateDependencyRequestBody().withDependType("zip")
    .withDependFile(data.toString("base64")).withRuntime("Node.js18.15").withName(name).withDescription("shared libs"));
}

it("dependencies: create → list → versions → show → in-use refusal → delete; persisted", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-deps-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const emu = await startEmulator({ quiet: true, dataDir: dir });
  const client = sdkClient(emu);
  const one = await zip({ "nodejs/node_modules/lib/index.js": "module.exports = 1;\n" });
  const two = await zip({ "nodejs/node_modules/lib/index.js": "module.exports = 2;\n" });

  const v1 = await client.createDependencyVersion(createBody("shared-lib", one));
  DependencyVersionSchema.parse(JSON.parse(JSON.stringify(v1)));
  assert.equal(v1.version, 1);
  assert.equal(v1.etag, createHash("md5").update(one).digest("hex"));
  assert.equal(v1.size, one.length);
  const v2 = await client.createDependencyVersion(createBody("shared-lib", two));
  assert.equal(v2.version, 2);
  assert.equal(v2.dep_id, v1.dep_id);
  assert.notEqual(v2.id, v1.id);

  const bad = await sdkError(client.createDependencyVersion(createBody("shared-lib", Buffer.from("not a zip"))));
  assert.equal(bad.status, 400);

  const list = await client.listDependencies(new fg.ListDependenciesRequest().withName("shared-lib"));
  assert.deepEqual(list.dependencies.map((d: { id: string; version: number }) => [d.id, d.version]), [[v1.dep_id, 2]]);
  const versions = await client.listDependencyVersion(new fg.ListDependencyVersionRequest().withDependId(v1.dep_id));
  assert.deepEqual(versions.dependencies.map((d: { id: string }) => d.id), [v1.id, v2.id]);
  await emu.close();

  const again = await startEmulator({ quiet: true, dataDir: dir });
  t.after(() => again.close());
  const c2 = sdkClient(again);
  const shown = await c2.showDependencyVersion(new fg.ShowDependencyVersionRequest().withDependId(v1.dep_id).withVersion("2"));
  assert.equal(shown.id, v2.id);
  assert.equal(shown.etag, v2.etag);

  const fn = await again.seedFunction({ func_name: "uses-lib" });
  await c2.updateFunctionCode(new fg.UpdateFunctionCodeRequest().withFunctionUrn(fn.func_urn).withBody(
    new fg.UpdateFunctionCodeRequestBody().withCodeType("zip").withCodeFilename("code.zip")
      .withFuncCode(new fg.FuncCode().withFile((await codeZip()).toString("base64"))).withDependVersionList([v2.id])));
  const inUse = await sdkError(c2.deleteDependencyVersion(new fg.DeleteDependencyVersionRequest().withDependId(v1.dep_id).withVersion("2")));
  assert.deepEqual([inUse.status, inUse.code], [409, "FSS.0409"]);
  assert.match(inUse.msg, /uses-lib/);

  const del1 = await c2.deleteDependencyVersion(new fg.DeleteDependencyVersionRequest().withDependId(v1.dep_id).withVersion("1"));
  assert.equal(del1.httpStatusCode, 204);
  const gone = await sdkError(c2.showDependencyVersion(new fg.ShowDependencyVersionRequest().withDependId(v1.dep_id).withVersion("1")));
  assert.deepEqual([gone.status, gone.code], [404, "FSS.0404"]);
  assert.deepEqual(fs.readdirSync(path.join(dir, "dependency-blobs")), [`${createHash("sha512").update(two).digest("hex")}.zip`]);
});
