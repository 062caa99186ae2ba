/**
 * A stack deployed by an older fgs kept its state in the harness's own file (`.fgs/state/<stack>.json`, secrets
 * sealed with a `<file>.key`): it is moved into the stack's Pulumi checkpoint, so the next run sees the resources
 * as they are (no second create), and a stack that has both states is refused with both paths named.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { HarnessError, loadState, migrateLegacyState } from "../../harness";
import { passphraseCipher } from "../../harness/secrets";
import { FixtureStack, SECRET_TOKEN } from "./fixtureStack";

/** The old format's sealing: AES-256-GCM with the key of `<file>.key`, base64 of iv | tag | ciphertext. */
function legacySeal(key: Buffer, value: unknown): Record<string, string> {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([c.update(JSON.stringify(value), "utf8"), c.final()]);
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: Buffer.concat([iv, c.getAuthTag(), body]).toString("base64") };
}

test("an old .fgs/state file is migrated into the checkpoint; the next up changes nothing; two states are refused", async (t) => {
  const s = new FixtureStack();
  t.after(() => s.dispose());
  await s.run("up", { secretContent: true });
  const passphrase = fs.readFileSync(path.join(s.backendDir, "passphrase"), "utf8").trim();
  const salt = JSON.parse(s.stateText()).checkpoint.latest.secrets_providers.state.salt as string;
  const deployed = loadState(s.stateFile, "fixture", "dev", passphraseCipher(passphrase, salt, "test"));
  assert.deepEqual(deployed.resources[0].secretKeys, ["content"]);

  // What an older fgs left: its own file with the same resource, the secret sealed with its key file.
  const legacyFile = path.join(s.root, "state", "dev.json");
  const key = crypto.randomBytes(32);
  fs.mkdirSync(path.dirname(legacyFile), { recursive: true });
  fs.writeFileSync(`${legacyFile}.key`, key.toString("base64") + "\n");
  const old = deployed.resources.map(({ meta: _m, ...r }) => ({
    ...r, inputs: { ...r.inputs, content: legacySeal(key, r.inputs.content) }, outputs: { ...r.outputs, content: legacySeal(key, r.outputs.content) },
  }));
  fs.writeFileSync(legacyFile, JSON.stringify({ version: 1, project: "fixture", stack: "dev", resources: old }));

  // Both states at once: refused, naming both files, nothing moved.
  const opts = { legacyFile, backendDir: s.backendDir, project: "fixture", stack: "dev", projectDir: s.dir, passphrase };
  assert.throws(() => migrateLegacyState(opts), (e: unknown) =>
    e instanceof HarnessError && e.message.includes(legacyFile) && e.message.includes(s.stateFile) && /two states/.test(e.message));
  assert.ok(fs.existsSync(legacyFile));

  // Only the old file: migrated, kept as .migrated, and the next up is a no-op (no create of a second copy).
  fs.rmSync(path.dirname(s.stateFile), { recursive: true });
  const moved = migrateLegacyState(opts);
  assert.deepEqual(moved, { migrated: true, resources: 1, from: legacyFile, keptAs: `${legacyFile}.migrated`, checkpoint: s.stateFile });
  assert.ok(!fs.existsSync(legacyFile) && fs.existsSync(`${legacyFile}.migrated`));
  assert.equal(s.stateText().includes(SECRET_TOKEN), false, "the secret is encrypted in the checkpoint");
  assert.deepEqual(migrateLegacyState(opts), { migrated: false });
  s.takeCalls();
  const again = await s.run("up", { secretContent: true });
  assert.deepEqual(again.steps.map((x) => x.op), ["same"]);
  assert.deepEqual(s.takeCalls(), ["configure", "check", "diff"]);
});
