/**
 * The serialized shim (provider/resource/provider.ts): a failed call reaches the plugin with its message once —
 * the plugin prints `${err}: ${err.stack}`, so the stack keeps only the frames — and a missing implementation
 * says how to install it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lazyProvider } from "../../provider/resource/provider";

test("a failed call's message shows once in the plugin's `${err}: ${err.stack}` line, followed by the frames", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-shim-"));
  try {
    const impl = path.join(dir, "impl.js");
    fs.writeFileSync(impl, "class NetworkError extends Error { constructor(m) { super(m); this.name = 'NetworkError'; } }\n" +
      "exports.read = async () => { throw new NetworkError('cannot reach http://127.0.0.1:1: connection refused (ECONNREFUSED)'); };\n");
    const err = await lazyProvider(impl).read!("id", {}).then(() => assert.fail("read must fail"), (e: Error) => e);
    assert.equal(err.name, "NetworkError", "the error itself is passed on");
    assert.equal(err.message, "cannot reach http://127.0.0.1:1: connection refused (ECONNREFUSED)");
    const printed = `${err}: ${err.stack}`;
    assert.equal(printed.split("cannot reach").length - 1, 1, `the message once:\n${printed}`);
    assert.match(printed, /: stack trace:\n {4}at /, "the frames follow");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a missing implementation module says to install the package in the program directory, once", async () => {
  const missing = path.join(os.tmpdir(), "fgs-no-such-impl", "lifecycle.js");
  const err = await lazyProvider(missing).check!({}, {}).then(() => assert.fail("check must fail"), (e: Error) => e);
  assert.match(err.message, /cannot load its provider code .* `npm install pulumi-functiongraph` there/);
  assert.equal(`${err}: ${err.stack}`.split("cannot load").length - 1, 1);
});
