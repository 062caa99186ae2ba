/**
 * `Function.publishVersion` within the version limit: a publish refused for the limit deletes the oldest
 * published version no alias uses (never the current one, never an aliased one) and succeeds on the retry.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator } from "../../emulator";
import { clientFor, targetOf } from "../../provider/resource/service-steps";
import { publish } from "../../provider/resource/version-room";
import { codeZip, fg, sdkClient } from "../emulator/helpers";
import { configureFor } from "./helpers";

it("a publish at the version limit prunes the oldest unused version, keeping aliased and current ones", async (t) => {
  // 4 versions allowed, `latest` included: at most 3 published; the 4th publish needs room.
  const emu = await startEmulator({ quiet: true, limits: { maxVersions: 4 } });
  t.after(() => emu.close());
  await configureFor(emu);
  const urn = (await emu.seedFunction({ func_name: "many-versions" })).func_urn;
  const sdk = sdkClient(emu);
  for (const v of ["v1", "v2", "v3"]) {
    await emu.modifyCode(urn, await codeZip(`exports.handler = async () => '${v}';\n`));
    await sdk.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(urn).withBody(new fg.CreateFunctionVersionRequestBody().withVersion(v)));
  }
  await sdk.createVersionAlias(new fg.CreateVersionAliasRequest().withFunctionUrn(urn).withBody(
    new fg.CreateVersionAliasRequestBody().withName("prod").withVersion("v1")));
  await emu.modifyCode(urn, await codeZip("exports.handler = async () => 'v4';\n"));
  emu.clearLog();

  // v1 is aliased, v3 is the resource's current version: v2 is the one to go.
  const published = await publish(clientFor(targetOf({})), urn, undefined, "v3");
  assert.match(published, /^v\d{8}-\d{6}$/);
  assert.deepEqual(emu.requests().map((r) => `${r.operation} ${r.status}`),
    ["publishVersion 403", "listAliases 200", "listVersions 200", "delete 204", "publishVersion 200"]);
  const versions = await sdk.listFunctionVersions(new fg.ListFunctionVersionsRequest().withFunctionUrn(urn));
  assert.deepEqual(versions.versions.map((v: { version: string }) => v.version), ["latest", "v1", "v3", published]);
});

it("when every version is in use, the limit error says so and nothing is deleted", async (t) => {
  const emu = await startEmulator({ quiet: true, limits: { maxVersions: 3 } });
  t.after(() => emu.close());
  await configureFor(emu);
  const urn = (await emu.seedFunction({ func_name: "all-used" })).func_urn;
  const sdk = sdkClient(emu);
  for (const v of ["v1", "v2"]) {
    await emu.modifyCode(urn, await codeZip(`exports.handler = async () => '${v}';\n`));
    await sdk.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(urn).withBody(new fg.CreateFunctionVersionRequestBody().withVersion(v)));
  }
  await sdk.createVersionAlias(new fg.CreateVersionAliasRequest().withFunctionUrn(urn).withBody(
    new fg.CreateVersionAliasRequestBody().withName("prod").withVersion("v1").withAdditionalVersionWeights({ v2: 5 })));
  await emu.modifyCode(urn, await codeZip("exports.handler = async () => 'v3';\n"));
  await assert.rejects(publish(clientFor(targetOf({})), urn, undefined, undefined), /every published version is in use/);
  assert.deepEqual(emu.requests({ writesOnly: true }).filter((r) => r.operation === "delete"), []);
});
