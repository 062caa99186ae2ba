/**
 * The `Function` class as the engine sees its registration: `environment` must be a SECRET INPUT (the engine
 * encrypts only outputs for additionalSecretOutputs; inputs are stored as given), every output key registered.
 */
import { it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

it("environment is registered as a secret input; additionalSecretOutputs names it; the type token", async () => {
  const seen: pulumi.runtime.MockResourceArgs[] = [];
  await pulumi.runtime.setMocks({
    newResource: (a) => { seen.push(a); return { id: "id-1", state: {} }; },
    call: () => ({}),
  }, "proj", "stack", false);
  const { Function } = await import("../../provider/resource/function");
  const fn = new Function("f", { sourceDir: "./app", runtime: "Node.js18.15", handler: "index.handler", environment: { A: "1" } });
  await new Promise<void>((resolve) => fn.urn.apply(() => resolve()));
  const reg = seen.find((a) => a.type === "pulumi-nodejs:dynamic/functiongraph:Function");
  assert.ok(reg, "registered with the dynamic type token");
  const env = reg.inputs.environment as Record<string, unknown>;
  assert.equal(env?.[SIG_KEY], SECRET_SIG, `environment must be a secret input, got ${JSON.stringify(env)}`);
  assert.deepEqual(env.value, { A: "1" });
  assert.equal(reg.inputs.funcName, "f");
  const noEnv = new Function("g", { sourceDir: "./app", runtime: "Node.js18.15", handler: "index.handler" });
  await new Promise<void>((resolve) => noEnv.urn.apply(() => resolve()));
  assert.equal(seen.find((a) => a.name === "g")?.inputs.environment, undefined);
});
