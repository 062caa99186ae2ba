/**
 * The emulator's alias calls through the official SDK: create, list, show, one-PUT update of version, weights,
 * strategy and description, delete; the documented limits (versions must exist, weights, 10 aliases); a
 * version an alias uses cannot be deleted; a deleted function takes its aliases with it.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { AliasSchema } from "../../provider/api/alias-schemas";
import { codeZip, fg, sdkClient, sdkError } from "./helpers";

async function publish(emu: EmulatorHandle, client: ReturnType<typeof sdkClient>, urn: string, version: string): Promise<void> {
  const zip = await codeZip(`exports.handler = async () => '${version}';\n`);
  await emu.modifyCode(urn, zip);
  await client.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(urn).withBody(new fg.CreateFunctionVersionRequestBody().withVersion(version)));
}

it("aliases: create → list → show → update in one PUT → delete, with the service's rules", async (t) => {
  const emu = await startEmulator({ quiet: true });
  t.after(() => emu.close());
  const fn = await emu.seedFunction({ func_name: "alias-fn" });
  const urn = fn.func_urn;
  const client = sdkClient(emu);
  await publish(emu, client, urn, "v1");
  await publish(emu, client, urn, "v2");

  const created = await client.createVersionAlias(new fg.CreateVersionAliasRequest().withFunctionUrn(urn).withBody(
    new fg.CreateVersionAliasRequestBody().withName("prod").withVersion("v1").withDescription("production")));
  AliasSchema.parse(JSON.parse(JSON.stringify(created)));
  assert.equal(created.alias_urn, `${urn}:!prod`);
  assert.equal(created.version, "v1");

  const canary = await client.updateVersionAlias(new fg.UpdateVersionAliasRequest().withFunctionUrn(urn).withAliasName("prod").withBody(
    new fg.UpdateVersionAliasRequestBody().withVersion("v1").withDescription("canary").withAdditionalVersionWeights({ v2: 10 })));
  assert.deepEqual(canary.additional_version_weights, { v2: 10 });
  assert.equal(canary.description, "canary");

  const rules = await client.updateVersionAlias(new fg.UpdateVersionAliasRequest().withFunctionUrn(urn).withAliasName("prod").withBody(
    new fg.UpdateVersionAliasRequestBody().withVersion("v2").withAdditionalVersionStrategy({
      v1: { combine_type: "and", rules: [{ rule_type: "header", param: "x-beta", op: "=", value: "1" }] },
    })));
  assert.equal(rules.version, "v2");
  assert.deepEqual(rules.additional_version_weights, {}, "a PUT without weights clears them");

  const shown = await client.showVersionAlias(new fg.ShowVersionAliasRequest().withFunctionUrn(urn).withAliasName("prod"));
  assert.deepEqual(shown.additional_version_strategy, { v1: { combine_type: "and", rules: [{ rule_type: "header", param: "x-beta", op: "=", value: "1" }] } });

  // The service's rules.
  const create = (name: string, version: string, weights?: Record<string, number>) => sdkError(client.createVersionAlias(
    new fg.CreateVersionAliasRequest().withFunctionUrn(urn).withBody(new fg.CreateVersionAliasRequestBody().withName(name).withVersion(version)
      .withAdditionalVersionWeights(weights))));
  assert.deepEqual(Object.values(await create("nov", "v9")).slice(0, 2), [404, "FSS.1052"]);
  assert.deepEqual(Object.values(await create("prod", "v1")).slice(0, 2), [409, "FSS.0409"]);
  const heavy = await create("heavy", "v1", { v2: 120 });
  assert.equal(heavy.status, 400);
  const self = await create("self", "v1", { v1: 10 });
  assert.match(self.msg, /main version/);
  for (let i = 1; i < 10; i++) {
    await client.createVersionAlias(new fg.CreateVersionAliasRequest().withFunctionUrn(urn).withBody(new fg.CreateVersionAliasRequestBody().withName(`a${i}`).withVersion("latest")));
  }
  assert.deepEqual(Object.values(await create("eleventh", "v1")).slice(0, 2), [403, "FSS.0403"]);

  const list = await client.listVersionAliases(new fg.ListVersionAliasesRequest().withFunctionUrn(urn));
  assert.equal([...list].length, 10);

  // v1 is used by prod's strategy; v2 is prod's version: neither can be deleted.
  const inUse = await sdkError(client.deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(`${urn}:v2`)));
  assert.deepEqual([inUse.status, inUse.code], [409, "FSS.0409"]);

  const deleted = await client.deleteVersionAlias(new fg.DeleteVersionAliasRequest().withFunctionUrn(urn).withAliasName("prod"));
  assert.equal(deleted.httpStatusCode, 204);
  const missing = await sdkError(client.showVersionAlias(new fg.ShowVersionAliasRequest().withFunctionUrn(urn).withAliasName("prod")));
  assert.deepEqual([missing.status, missing.code], [404, "FSS.1053"]);
  const v2gone = await client.deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(`${urn}:v2`));
  assert.equal(v2gone.httpStatusCode, 204);

  await client.deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(urn));
  await emu.seedFunction({ func_name: "alias-fn" });
  const fresh = await client.listVersionAliases(new fg.ListVersionAliasesRequest().withFunctionUrn(urn));
  assert.deepEqual([...fresh], [], "a re-created function has no aliases");
  assert.deepEqual(emu.requests({ writesOnly: true }).filter((r) => r.status < 300 && /Alias/.test(r.operation)).map((r) => r.operation).slice(0, 3),
    ["createAlias", "updateAlias", "updateAlias"]);
});
