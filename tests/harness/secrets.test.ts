/**
 * harness/secrets.ts's passphrase resolver reads the environment as the Pulumi CLI does (pkg/secrets/passphrase,
 * `readPassphrase`): PULUMI_CONFIG_PASSPHRASE when set (even empty), else the file PULUMI_CONFIG_PASSPHRASE_FILE
 * names, relative to the current directory, stripped like Go's `strings.TrimSpace`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { envPassphrase, resolvePassphrase } from "../../harness/secrets";

function tmpdir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-secrets-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("the environment's passphrase: the variable (even empty), else the file, else none", (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, "phrase");
  fs.writeFileSync(file, "from the file\n");
  assert.deepEqual(envPassphrase({ PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: file }), { value: "", from: "PULUMI_CONFIG_PASSPHRASE" });
  assert.deepEqual(envPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: file }), { value: "from the file", from: "PULUMI_CONFIG_PASSPHRASE_FILE" });
  assert.equal(envPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: "" }), undefined, "an empty file variable counts as unset, as in the CLI");
  assert.equal(envPassphrase({}), undefined);
});

test("the file is stripped as Go's strings.TrimSpace strips (not as JavaScript's trim), and read relative to the current directory", (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, "phrase");
  fs.writeFileSync(file, " \t two  words\u00a0\r\n\r\n\u0085");
  assert.equal(envPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: file })?.value, "two  words");
  fs.writeFileSync(file, "\ufeffbom kept\ufeff\n");
  assert.equal(envPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: file })?.value, "\ufeffbom kept\ufeff", "U+FEFF is no white space to Go");
  const cwd = process.cwd();
  process.chdir(dir);
  t.after(() => process.chdir(cwd));
  assert.equal(envPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: "phrase" })?.value, "\ufeffbom kept\ufeff");
});

test("an unreadable passphrase file is a harness error naming the file and the fix", (t) => {
  const missing = path.join(tmpdir(t), "absent");
  assert.throws(() => envPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: missing }), (e: { code?: string; message: string }) =>
    e.code === "FGS_HARNESS" && e.message === `PULUMI_CONFIG_PASSPHRASE_FILE: cannot read ${missing} (ENOENT): point it at the file holding the stack's passphrase`);
  assert.throws(() => resolvePassphrase(undefined, path.join(missing, "fallback"), { PULUMI_CONFIG_PASSPHRASE_FILE: missing }), /cannot read/);
});

test("resolvePassphrase: the given one, else the environment's, else a random one kept in the fallback file", (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, "phrase");
  fs.writeFileSync(file, "filed\n");
  const fallback = path.join(dir, "backend", "passphrase");
  assert.equal(resolvePassphrase("given", fallback, { PULUMI_CONFIG_PASSPHRASE: "env" }), "given");
  assert.equal(resolvePassphrase(undefined, fallback, { PULUMI_CONFIG_PASSPHRASE_FILE: file }), "filed");
  assert.ok(!fs.existsSync(fallback));
  const made = resolvePassphrase(undefined, fallback, {});
  assert.ok(made.length >= 24);
  assert.equal((fs.statSync(fallback).mode & 0o777).toString(8), "600");
  assert.equal(resolvePassphrase(undefined, fallback, {}), made, "kept and read back");
  assert.equal(envPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: fallback })?.value, made, "the CLI reads the same passphrase from the fallback file");
});
