import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { checkHandler, mentionsFunction } from "../../provider/resource/preflight";

const file = (p: string, size = 1, mode: 0o644 | 0o755 = 0o644) => ({ path: p, size, mode, sha512: "" });

test("a handler whose function the file never names is refused, with the nearest defined one", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-handler-"));
  try {
    fs.writeFileSync(path.join(root, "index.js"), "exports.handler = async () => 1;\nexports.other = 2;\n");
    fs.writeFileSync(path.join(root, "main.py"), "def handler(event, context):\n    return 1\n");
    const js = checkHandler("Node.js20.15", "index.handlr", [file("index.js")], root);
    assert.equal(js[0]?.property, "handler");
    assert.match(js[0].reason, /'index\.js' does not define or export a function 'handlr'.*did you mean 'index\.handler'\?/);
    assert.deepEqual(checkHandler("Node.js20.15", "index.handler", [file("index.js")], root), []);
    const py = checkHandler("Python3.10", "main.hander", [file("main.py")], root);
    assert.match(py[0].reason, /'main\.py' does not define or export a function 'hander'.*did you mean 'main\.handler'/);
    assert.deepEqual(checkHandler("Python3.10", "main.handler", [file("main.py")], root), []);
    assert.deepEqual(checkHandler("Custom", "bootstrap.x", [file("bootstrap", 1, 0o755)], root), [], "Custom: no function to look for");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("whole-word matching: run-time exports get the benefit of the doubt, substrings do not count", () => {
  assert.equal(mentionsFunction("module.exports = { handler }", "handler"), true);
  assert.equal(mentionsFunction("export const handler = () => 1", "handler"), true);
  assert.equal(mentionsFunction("exports.handlerX = 1", "handler"), false);
  assert.equal(mentionsFunction("module.exports = require('./impl')", "handler"), false);
});
