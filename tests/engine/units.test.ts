/** The harness's pure pieces: wire helpers, config plumbing, the atomic state file, state secrets, the summary. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configureArgs, namespaced, programConfigEnv, redactSecrets } from "../../harness/config";
import { stateCipher } from "../../harness/secrets";
import { emptyState, loadState, saveState } from "../../harness/state";
import { formatSummary } from "../../harness/summary";
import { changedKeys, secret, splitProvider, unwrapSecrets, SECRET_SIG, SIG_KEY } from "../../harness/wire";

test("secret wrappers are removed for the provider and remembered per top-level key", () => {
  const { plain, secretKeys } = unwrapSecrets({ a: secret("x"), b: { c: [secret(1)] }, d: "plain" });
  assert.deepEqual(plain, { a: "x", b: { c: [1] }, d: "plain" });
  assert.deepEqual(secretKeys, ["a", "b"]);
  assert.deepEqual(splitProvider({ __provider: secret("code"), k: 1 }), { provider: "code", rest: { k: 1 } });
  assert.deepEqual(changedKeys({ a: 1, b: [1], c: 3 }, { a: 1, b: [2], d: 4 }), ["b", "c", "d"]);
});

test("config is namespaced, reaches the program env and Configure, and secrets can be redacted", () => {
  const config = namespaced({ greeting: { value: "hi" }, "fg:sk": { value: "S3CRET", secret: true } }, "proj");
  assert.deepEqual(Object.keys(config), ["proj:greeting", "fg:sk"]);
  assert.deepEqual(programConfigEnv(config), {
    PULUMI_CONFIG: JSON.stringify({ "proj:greeting": "hi", "fg:sk": "S3CRET" }),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["fg:sk"]),
  });
  assert.deepEqual(configureArgs(config), { "proj:greeting": "hi", "fg:sk": { [SIG_KEY]: SECRET_SIG, value: "S3CRET" } });
  assert.equal(redactSecrets("key=S3CRET!", config), "key=[secret]!");
});

test("the state file is replaced atomically and leaves no temp file", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-state-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "nested", "dev.json");
  assert.deepEqual(loadState(file, "p", "dev"), emptyState("p", "dev"));
  const state = emptyState("p", "dev");
  state.resources.push({ urn: "u", type: "t", name: "n", id: "i", inputs: {}, outputs: { x: 1 }, provider: "code" });
  saveState(file, state);
  saveState(file, state);
  assert.deepEqual(loadState(file, "p", "dev"), state);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ["dev.json"]);
  fs.writeFileSync(file, "{}");
  assert.throws(() => loadState(file, "p", "dev"), /not a harness state file/);
});

test("the summary lists changes with their properties and details, masks secrets and counts", () => {
  const text = formatSummary({
    operation: "up",
    stack: "dev",
    steps: [
      { urn: "urn:pulumi:dev::p::x:y:Fn::a", op: "update", changedKeys: ["code", "memorySize"], detail: { sourceChanges: "1 file modified" } },
      { urn: "urn:pulumi:dev::p::x:y:Fn::b", op: "same", changedKeys: [] },
      { urn: "urn:pulumi:dev::p::x:y:Fn::c", op: "replace", changedKeys: ["runtime"] },
    ],
    outputs: { url: "http://x", token: "t" },
    secretOutputs: ["token"],
    unknownOutputs: [],
    errors: [],
  });
  assert.match(text, /~ {2}update +x:y:Fn +a {2}\[diff: ~code,memorySize\]\n +sourceChanges: 1 file modified/);
  assert.match(text, /\+- replace +x:y:Fn +c {2}\[diff: ~runtime\]/);
  assert.doesNotMatch(text, / b\b.*unchanged/);
  assert.match(text, /token: \[secret\]/);
  assert.match(text, /url: "http:\/\/x"/);
  assert.match(text, /~ 1 updated\n +\+- 1 replaced\n +1 unchanged/);
});

test("state secrets round-trip through the cipher and a wrong passphrase is refused", () => {
  const sealed = stateCipher("/unused", "right").encrypt({ k: "v" });
  assert.equal(sealed[SIG_KEY], SECRET_SIG);
  assert.equal(JSON.stringify(sealed).includes('"v"'), false);
  assert.deepEqual(stateCipher("/unused", "right").decrypt(sealed), { k: "v" });
  assert.throws(() => stateCipher("/unused", "wrong").decrypt(sealed), /wrong passphrase or key file/);
});
