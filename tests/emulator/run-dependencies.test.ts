/**
 * A function's Dependency versions are on its module path at invoke (Node.js `nodejs/node_modules` → NODE_PATH,
 * Python `python/` → PYTHONPATH), read-only inside the sandbox at `/opt/function/dependencies/<n>`: created
 * through the official SDK, attached with the code, invoked through the SDK's `invokeFunction` and `fgs invoke`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { fg, sdkClient, zip } from "./helpers";
import { fgs, sdkInvoke, urnOf } from "./invoke-helpers";

async function dependencyVersion(emu: EmulatorHandle, name: string, runtime: string, files: Record<string, string>): Promise<string> {
  const data = await zip(files);
  const v = await sdkClient(emu).createDependencyVersion(new fg.CreateDependencyVersionRequest().withBody(
    new fg.CreateDependencyRequestBody().withDependType("zip").withDependFile(data.toString("base64")).withRuntime(runtime).withName(name)));
  return v.id as string;
}

async function deployWith(emu: EmulatorHandle, name: string, runtime: string, handler: string, files: Record<string, string>, deps: string[]): Promise<void> {
  await emu.seedFunction({ func_name: name, runtime, handler, code: await zip(files) });
  await sdkClient(emu).updateFunctionCode(new fg.UpdateFunctionCodeRequest().withFunctionUrn(urnOf(emu, name)).withBody(
    new fg.UpdateFunctionCodeRequestBody().withCodeType("zip").withCodeFilename("code.zip")
      .withFuncCode(new fg.FuncCode().withFile((await zip(files)).toString("base64"))).withDependVersionList(deps)));
}

describe("dependencies at invoke", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
    const greet = await dependencyVersion(emu, "greet", "Node.js18.15", {
      "nodejs/node_modules/greet/index.js": "module.exports = (who) => 'hello ' + who + ' from a layer';\n",
    });
    const pygreet = await dependencyVersion(emu, "pygreet", "Python3.10", {
      "python/pygreet/__init__.py": "def greet(who):\n    return 'hi ' + who + ' from a python layer'\n",
    });
    await deployWith(emu, "uses-greet", "Node.js18.15", "index.handler", {
      "index.js": `const fs = require("node:fs");
        exports.handler = async (e) => {
          const file = require.resolve("greet");
          let writable = true;
          try { fs.appendFileSync(file, "// changed"); } catch { writable = false; }
          return { text: require("greet")(e.who), writable, nodePath: process.env.NODE_PATH, file, uid: process.getuid() };
        };`,
    }, [greet]);
    await deployWith(emu, "py-greet", "Python3.10", "index.handler", {
      "index.py": "import os, pygreet\n\ndef handler(event, context):\n    path = pygreet.__file__\n    try:\n        open(path, 'a').close()\n        writable = True\n    except OSError:\n        writable = False\n    return {'text': pygreet.greet(event['who']), 'writable': writable, 'file': path, 'pythonPath': os.environ.get('PYTHONPATH'), 'uid': os.getuid()}\n",
    }, [pygreet]);
  });
  after(() => emu.close());

  // One case a runtime: the function, what it answers, and where the sandbox shows the layer.
  const cases = [
    { title: "Node.js: require() finds the layer's module (NODE_PATH) in the sandbox, read-only", fn: "uses-greet", text: "hello sdk from a layer",
      pathKey: "nodePath", path: "/opt/function/dependencies/0/nodejs/node_modules", file: "/opt/function/dependencies/0/nodejs/node_modules/greet/index.js" },
    { title: "Python: import finds the layer's package (python/ on sys.path) in the sandbox, read-only", fn: "py-greet", text: "hi sdk from a python layer",
      pathKey: "pythonPath", path: "/opt/function/dependencies/0/python", file: "/opt/function/dependencies/0/python/pygreet/__init__.py" },
  ];
  for (const c of cases) {
    it(c.title, async () => {
      const out = await sdkInvoke(emu, c.fn, { who: "sdk" });
      assert.equal(out.status, 200, out.result);
      const r = out.parsed();
      assert.equal(r.text, c.text);
      // The module path names the layer where the sandbox shows it, not the emulator's work dir.
      assert.equal(r[c.pathKey], c.path);
      assert.equal(r.file, c.file);
      assert.notEqual(r.uid, process.getuid?.());
      assert.equal(r.writable, false, "the dependency dir is read-only to the function");
    });
  }

  it("fgs invoke runs both with their layers", async () => {
    for (const [name, want] of [["uses-greet", "hello cli from a layer"], ["py-greet", "hi cli from a python layer"]]) {
      const r = await fgs(["invoke", name, "--data", '{"who":"cli"}', "--endpoint", emu.url]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).text, want);
    }
  });
});
