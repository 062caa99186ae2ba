/**
 * No instance outlives its function version (function-runtime.ts `retireStale`): deleting a function (or a
 * published version) kills its warm instances at once, not at their idle stop; replacing its code stops the
 * old instances and the next call runs the new code.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fg, sdkClient, zip } from "./helpers";
import { deploy, emulatorForSuite, eventually, markedProcessExists, sdkInvoke, uniqueMarker, urnOf } from "./invoke-helpers";

/** A Node.js function whose instance's process carries `marker` in its command line and answers `answer`. */
const marked = (marker: string, answer: string) => ({
  "index.js": `process.title = "fgs-${marker}-" + process.env.RUNTIME_FUNC_VERSION; exports.handler = async () => ${JSON.stringify(answer)};`,
});
const gone = (marker: string) => () => (markedProcessExists(marker) ? undefined : true);

describe("a function's instances end with its version", () => {
  const emu = emulatorForSuite({ runtime: { idleMs: 600_000 } }); // the idle stop never comes during the test

  it("deleting a function kills its warm instance right away", async () => {
    const mark = uniqueMarker();
    await deploy(emu(), "doomed", marked(mark, "alive"));
    assert.equal((await sdkInvoke(emu(), "doomed")).parsed(), "alive");
    assert.ok(markedProcessExists(mark), "the warm instance runs");
    await sdkClient(emu()).deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(urnOf(emu(), "doomed")));
    await eventually(gone(mark), 2000);
    // A new function of the same name starts its own instance.
    await deploy(emu(), "doomed", marked(uniqueMarker(), "reborn"));
    assert.equal((await sdkInvoke(emu(), "doomed")).parsed(), "reborn");
  });

  it("deleting a function during a call ends the call saying so, not as a bare process exit", async () => {
    const mark = uniqueMarker();
    await deploy(emu(), "deleted-mid-call", {
      "index.js": `process.title = "fgs-${mark}"; exports.handler = () => new Promise((r) => setTimeout(() => r("finished"), 20000));`,
    }, { timeout: 30 });
    const call = sdkInvoke(emu(), "deleted-mid-call");
    await eventually(() => (markedProcessExists(mark) ? true : undefined), 10_000);
    await sdkClient(emu()).deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(urnOf(emu(), "deleted-mid-call")));
    const r = await call;
    const error = r.parsed() as { errorMessage: string };
    assert.match(error.errorMessage, /^the function was deleted during the call/, JSON.stringify(r.result));
    await eventually(gone(mark), 2000);
  });

  it("deleting a published version kills that version's instances and leaves latest's", async () => {
    const latest = uniqueMarker();
    await deploy(emu(), "versioned", marked(latest, "v"));
    const client = sdkClient(emu());
    await client.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(urnOf(emu(), "versioned"))
      .withBody(new fg.CreateFunctionVersionRequestBody().withVersion("v1")));
    assert.equal((await sdkInvoke(emu(), urnOf(emu(), "versioned", "v1"))).parsed(), "v");
    assert.equal((await sdkInvoke(emu(), "versioned")).parsed(), "v");
    assert.ok(markedProcessExists(`${latest}-v1`) && markedProcessExists(`${latest}-latest`), "both versions run warm");
    await client.deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(urnOf(emu(), "versioned", "v1")));
    await eventually(gone(`${latest}-v1`), 2000);
    assert.ok(markedProcessExists(`${latest}-latest`), "latest's instance stays warm");
  });

  it("replacing the code stops the old instance at once and the next call runs the new code", async () => {
    const old = uniqueMarker();
    await deploy(emu(), "replaced", marked(old, "one"));
    assert.equal((await sdkInvoke(emu(), "replaced")).parsed(), "one");
    await emu().modifyCode(urnOf(emu(), "replaced"), await zip(marked(uniqueMarker(), "two")));
    await eventually(gone(old), 2000);
    assert.equal((await sdkInvoke(emu(), "replaced")).parsed(), "two");
  });
});
