import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { FunctionGraphClient } from "../../provider/api/client";
import { closeDispatchers } from "../../provider/api/dispatcher-cache";
import { buildImportPackage } from "../../provider/api/import-package";
import { resolveTarget } from "../../provider/auth/resolve-target";
import { SEED_IMPORT_200 } from "./fixtures/seed-examples";
import { json, startLoopback } from "./loopback-server";

after(closeDispatchers);

const PROJECT = "0123456789abcdef0123456789abcdef";
const MODEL = { ...JSON.parse(SEED_IMPORT_200), func_name: "ser-fn" };

/** What a dynamic provider does with this module: everything read at run time, nothing captured. */
const provider = {
  async run(endpoint: string): Promise<string> {
    const target = resolveTarget({ endpoint, region: "cn-north-4", projectId: PROJECT });
    const client = new FunctionGraphClient({ ...target, retryBaseDelayMs: 0, maxRetries: 1 });
    const { request } = buildImportPackage({ funcName: "ser-fn", runtime: "Node.js20.15", handler: "index.handler",
      memorySize: 128, timeout: 3, environment: { A: "1" } }, Buffer.from("inner zip"));
    const model = await client.importFunction(request);
    await client.deleteFunction(`${model.func_urn}:latest`);
    return model.func_name;
  },
};

test("the client and package builder survive Pulumi's function serializer, capturing no pool and no credential", async (t) => {
  const srv = await startLoopback([(q, res) => { if (q.method === "POST") json(res, 200, MODEL); else res.writeHead(204).end(); }]);
  t.after(() => srv.close());
  const env = { HW_ACCESS_KEY: "AKSERIALIZATIONTEST1", HW_SECRET_KEY: "sk-serialization-secret-value" };
  Object.assign(process.env, env);
  t.after(() => { for (const k of Object.keys(env)) delete process.env[k]; });

  assert.equal(await provider.run(srv.url), "ser-fn", "works before serialization (and fills the dispatcher cache)");
  const serialized = await pulumi.runtime.serializeFunction(() => provider);
  assert.ok(!serialized.text.includes(env.HW_SECRET_KEY) && !serialized.text.includes(env.HW_ACCESS_KEY));

  const file = join(__dirname, `.serialized-provider-${process.pid}.js`); // inside the repo: resolves node_modules
  writeFileSync(file, serialized.text);
  t.after(() => rmSync(file, { force: true }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = (require(file)[serialized.exportName] as () => typeof provider)();
  assert.equal(await loaded.run(srv.url), "ser-fn");
  assert.deepEqual(srv.requests.map((r) => r.method), ["POST", "DELETE", "POST", "DELETE"]);
  assert.match(srv.requests[2].headers.authorization, /^SDK-HMAC-SHA256 Access=AKSERIALIZATIONTEST1,/);
});
