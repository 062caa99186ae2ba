/**
 * `fgs up | preview | …` takes its passphrase from the one resolver (harness/secrets.ts `envPassphrase`) on the
 * local path too: PULUMI_CONFIG_PASSPHRASE_FILE counts there, and an unreadable one is a usage error naming it;
 * the "incorrect passphrase" hint names the source that was used.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { passphraseHint, runStackOperation, stackOpArgs } from "../../bin/commands/stack-op";

test("the local path reads PULUMI_CONFIG_PASSPHRASE_FILE (an unreadable one is refused before anything runs)", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-passphrase-"));
  const saved = { ...process.env };
  t.after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const k of ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_BACKEND_URL"]) {
      if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    }
  });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: passphrase-test\nruntime: nodejs\nmain: index.js\n");
  fs.writeFileSync(path.join(dir, "index.js"), "");
  delete process.env.PULUMI_CONFIG_PASSPHRASE;
  delete process.env.PULUMI_BACKEND_URL;
  const missing = path.join(dir, "no-such-phrase");
  process.env.PULUMI_CONFIG_PASSPHRASE_FILE = missing;
  await assert.rejects(runStackOperation(stackOpArgs("preview", { engine: "harness", "state-dir": path.join(dir, ".fgs") }, [dir])),
    (e: { code?: string; message: string }) => e.code === "FGS_USAGE" && e.message.startsWith(`PULUMI_CONFIG_PASSPHRASE_FILE: cannot read ${missing} (ENOENT)`));
});

test("the incorrect-passphrase hint names where the passphrase came from", () => {
  assert.equal(passphraseHint("all good", "PULUMI_CONFIG_PASSPHRASE"), undefined);
  assert.match(passphraseHint("error: incorrect passphrase", "PULUMI_CONFIG_PASSPHRASE")!,
    /than PULUMI_CONFIG_PASSPHRASE: set PULUMI_CONFIG_PASSPHRASE to the passphrase the stack was created with, or unset it/);
  assert.match(passphraseHint("error: incorrect passphrase", "PULUMI_CONFIG_PASSPHRASE_FILE")!,
    /than PULUMI_CONFIG_PASSPHRASE_FILE: write into the file PULUMI_CONFIG_PASSPHRASE_FILE names the passphrase/);
  assert.match(passphraseHint("error: incorrect passphrase", undefined)!, /than fgs's local passphrase \(pulumi-functiongraph-local\): set PULUMI_CONFIG_PASSPHRASE/);
});
