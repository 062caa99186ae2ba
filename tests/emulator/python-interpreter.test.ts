/**
 * `pythonCommand` names one interpreter, sandboxed or not: it is looked up on the emulator's PATH, never on the
 * function's (whose PATH may find another `python3`, or none), so `--unsafe-no-sandbox` runs what the sandbox runs.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
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
