/**
 * `pythonCommand` names one interpreter, sandboxed or not: it is looked up on the emulator's PATH, never on the
 * function's (whose PATH may find another `python3`, or none), so `--unsafe-no-sandbox` runs what the sandbox runs.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { pythonInterpreter } from "../../emulator/runtime/interpreters";
import { deploy, sdkInvoke } from "./invoke-helpers";

const PROBE = "import sys\n\ndef handler(event, context):\n    return {'executable': sys.executable}\n";

describe("Python functions run the interpreter pythonCommand names on the emulator's PATH, with or without the sandbox", () => {
  let dir: string;
  let savedPath: string | undefined;
  before(() => {
    // A command name only the emulator's PATH knows: the function's PATH (/usr/local/bin:/usr/bin:/bin) does not.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-python-command-"));
    fs.symlinkSync(pythonInterpreter("python3").executable, path.join(dir, "fgs-test-python3"));
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}${path.delimiter}${process.env.PATH ?? ""}`;
  });
  after(() => {
    process.env.PATH = savedPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const unsafeNoSandbox of [false, true]) {
    it(unsafeNoSandbox ? "unsandboxed (--unsafe-no-sandbox)" : "in the sandbox", async () => {
      const emu = await startEmulator({ quiet: true, runtime: { unsafeNoSandbox, pythonCommand: "fgs-test-python3" } });
      try {
        await deploy(emu, "which-python", { "index.py": PROBE }, { runtime: "Python3.10" });
        const r = await sdkInvoke(emu, "which-python");
        assert.equal(r.status, 200, `the invocation failed: ${r.result}`);
        assert.equal(r.parsed().executable, pythonInterpreter("fgs-test-python3").executable);
      } finally {
        await emu.close();
      }
    });
  }
});

/** The Python of `version` on this machine (`python3.10` on the PATH, or pyenv's), found without the emulator. */
function pythonOf(version: string): string | undefined {
  for (const env of [process.env, { ...process.env, PYENV_VERSION: version }]) {
    const r = spawnSync(`python${version}`, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8", env, timeout: 15_000 });
    if (r.status === 0 && r.stdout.trim() === version) return version;
  }
  return undefined;
}

const VERSION_PROBE = "import sys\n\ndef handler(event, context):\n    return {'version': '%d.%d' % sys.version_info[:2]}\n";

describe("a runtime runs on its own version's interpreter when the machine has one, else its log says what it runs on", () => {
  it("Python3.10 and Python3.12 (default pythonCommand), Node.js18.15: the version run, or one notice at the first cold start", async () => {
    const emu = await startEmulator({ quiet: true });
    try {
      for (const version of ["3.10", "3.12"]) {
        const name = `py${version.replace(".", "")}`;
        await deploy(emu, name, { "index.py": VERSION_PROBE }, { runtime: `Python${version}` });
        const first = await sdkInvoke(emu, name);
        assert.equal(first.status, 200, first.result);
        if (pythonOf(version)) {
          assert.equal(first.parsed().version, version, `Python${version} runs on Python ${version}`);
          assert.doesNotMatch(first.log, /runs on/);
        } else {
          assert.match(first.log, new RegExp(`runtime Python${version.replace(".", "\\.")} runs on Python ${first.parsed().version.replace(".", "\\.")} here`));
        }
      }
      await deploy(emu, "node18", { "index.js": "exports.handler = async () => ({ major: process.versions.node.split('.')[0] });" }, { runtime: "Node.js18.15" });
      const first = await sdkInvoke(emu, "node18");
      const major = first.parsed().major as string;
      if (major === "18") assert.doesNotMatch(first.log, /runs on/);
      else assert.equal(first.log.match(new RegExp(`runtime Node\\.js18\\.15 runs on Node\\.js ${major} here`, "g"))?.length, 1, first.log);
      const warm = await sdkInvoke(emu, "node18");
      assert.doesNotMatch(warm.log, /runs on/, "said once, at the first cold start");
    } finally {
      await emu.close();
    }
  });
});
