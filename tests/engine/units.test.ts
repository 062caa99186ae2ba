/** The harness's pure pieces: wire helpers, config plumbing, the atomic checkpoint, state secrets, the summary. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { unshownError } from "../../harness/cli-error";
import { configureArgs, namespaced, programConfigEnv, redactSecrets } from "../../harness/config";
import { IncorrectPassphraseError, newSaltState, passphraseCipher } from "../../harness/secrets";
import { emptyState, loadState, saveState, stackUrn } from "../../harness/state";
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

test("the checkpoint is replaced atomically (previous copy in .bak), leaves no temp file and round-trips", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-state-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, ".pulumi", "stacks", "p", "dev.json");
  assert.deepEqual(loadState(file, "p", "dev"), emptyState("p", "dev"));
  const cipher = passphraseCipher("pw", newSaltState("pw"), "test");
  const state = emptyState("p", "dev");
  state.resources.push({
    urn: "urn:pulumi:dev::p::pulumi-nodejs:dynamic:Resource::n", type: "pulumi-nodejs:dynamic:Resource", name: "n", id: "i",
    inputs: { env: { K: "v" } }, outputs: { env: { K: "v" }, x: 1 }, provider: "code", secretKeys: ["env"],
  });
  saveState(file, state, cipher, "test-engine");
  saveState(file, state, cipher, "test-engine");
  assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), ["dev.json", "dev.json.bak"]);
  assert.equal(fs.readFileSync(path.join(dir, ".pulumi", "meta.yaml"), "utf8"), "version: 1\n");
  const doc = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.equal(doc.version, 3);
  assert.equal(doc.checkpoint.stack, "organization/p/dev");
  assert.deepEqual(doc.checkpoint.latest.secrets_providers, { type: "passphrase", state: { salt: cipher.saltState } });
  // The Stack first, then the default provider, then the resource, parented and provided by them.
  const [stackEntry, provider, res] = doc.checkpoint.latest.resources;
  assert.equal(stackEntry.urn, stackUrn("p", "dev"));
  assert.equal(provider.type, "pulumi:providers:pulumi-nodejs");
  assert.equal(res.parent, stackEntry.urn);
  assert.equal(res.provider, `${provider.urn}::${provider.id}`);
  assert.equal(res.inputs.__provider, "code");
  assert.equal(res.inputs.env[SIG_KEY], SECRET_SIG);
  assert.equal(JSON.stringify(doc).includes('"K"'), false, "the secret is encrypted");
  const back = loadState(file, "p", "dev", cipher).resources[0];
  assert.deepEqual([back.inputs, back.outputs, back.provider, back.secretKeys], [{ env: { K: "v" } }, { env: { K: "v" }, x: 1 }, "code", ["env"]]);
  fs.writeFileSync(file, "{}");
  assert.throws(() => loadState(file, "p", "dev"), /not a Pulumi checkpoint/);
  // A checkpoint cut short (a full disk, a copy interrupted): the error names the previous one to restore.
  const before = fs.readFileSync(`${file}.bak`, "utf8");
  fs.writeFileSync(file, before.slice(0, before.length / 2));
  assert.throws(() => loadState(file, "p", "dev"), (e: Error) =>
    e.message.includes("not a Pulumi checkpoint") && e.message.includes(`${file}.bak`) && /Nothing was changed/.test(e.message));
  assert.equal(fs.readFileSync(`${file}.bak`, "utf8"), before, "the previous checkpoint is untouched");
  fs.rmSync(`${file}.bak`);
  assert.throws(() => loadState(file, "p", "dev"), /Restore it from a backup/);
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

test("state secrets: the CLI's own passphrase test vector is accepted, a wrong passphrase is refused, values round-trip", () => {
  // pkg/secrets/passphrase/manager_test.go: a salt state the Pulumi CLI made with the passphrase "password".
  const cliState = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ==";
  const cipher = passphraseCipher("password", cliState, "test");
  assert.throws(() => passphraseCipher("password123", cliState, "test"), (e: unknown) => e instanceof IncorrectPassphraseError && /PULUMI_CONFIG_PASSPHRASE/.test(e.message));
  const sealed = cipher.encrypt({ k: "v" });
  assert.equal(sealed[SIG_KEY], SECRET_SIG);
  assert.match(sealed.ciphertext, /^v1:[A-Za-z0-9+/=]{16}:[A-Za-z0-9+/=]+$/);
  assert.equal(JSON.stringify(sealed).includes('"v"'), false);
  assert.deepEqual(passphraseCipher("password", cliState, "test").decrypt(sealed), { k: "v" });
  const other = passphraseCipher("password", newSaltState("password"), "test");
  assert.throws(() => other.decrypt(sealed), /cannot decrypt a secret/);
});

test("a failed CLI run's error is printed once: what the run already showed is not repeated", () => {
  const shown = "Updating (dev):\n +  create fn\n error: FSS.0409 alias exists\n\nResources:\n    1 errored\n";
  const commandError = `code: 255\n stdout: Updating (dev):\n +  create fn\n\nResources:\n    1 errored\n\n stderr: error: FSS.0409 alias exists\nerror: update failed\n\n err?: \n`;
  assert.equal(unshownError(commandError, shown), "error: update failed");
  assert.equal(unshownError(commandError, shown + "error: update failed\n"), "");
  assert.equal(unshownError("the CLI host exited with code 1: boom", ""), "the CLI host exited with code 1: boom");
});
