/**
 * Migration of the harness's own state file of versions before the shared checkpoint (`.fgs/state/<stack>.json`,
 * `{ version: 1, project, stack, resources }`, secrets sealed with a key from scrypt(PULUMI_CONFIG_PASSPHRASE)
 * or from `<file>.key`) into the stack's Pulumi checkpoint in the file backend, so a stack deployed by an older
 * `fgs` is neither forgotten (and created a second time) nor kept in two states.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { backendPaths, readCheckpoint } from "./checkpoint";
import { ENGINE_VERSION } from "./engine";
import { HarnessError } from "./plugin";
import { stackCipher } from "./stack";
import { emptyState, saveState, type ResourceState } from "./state";
import { lockState } from "./state-lock";

/** What {@link migrateLegacyState} did. */
export type MigrationOutcome =
  | { migrated: false }
  | { migrated: true; resources: number; from: string; keptAs: string; checkpoint: string };

/** Options for {@link migrateLegacyState}. */
export interface MigrationOptions {
  /** The old state file (`<stateDir>/state/<stack>.json`). */
  legacyFile: string;
  backendDir: string;
  project: string;
  stack: string;
  /** The program directory (for `Pulumi.<stack>.yaml`'s encryptionsalt). */
  projectDir: string;
  /** The stack's passphrase in the backend. */
  passphrase: string;
  /** The passphrase the old file was sealed with (it used PULUMI_CONFIG_PASSPHRASE, else `<file>.key`). */
  legacyPassphrase?: string;
}

/**
 * Moves an old harness state file into the backend's checkpoint and renames it `<file>.migrated`. Nothing to do
 * when there is no old file. Refuses (HarnessError) when the stack also has a checkpoint: the two may record
 * different resources, and the message says how to keep one.
 */
export function migrateLegacyState(opts: MigrationOptions): MigrationOutcome {
  if (!fs.existsSync(opts.legacyFile)) return { migrated: false };
  const paths = backendPaths(opts.backendDir, opts.project, opts.stack);
  const lock = lockState(paths.lockDir, "migrate");
  try {
    const existing = readCheckpoint(paths.checkpoint);
    if (existing?.checkpoint.latest?.resources?.length) {
      throw new HarnessError(
        `stack ${opts.stack} has two states: ${opts.legacyFile} (written by an older fgs with the engine harness) and ` +
          `${paths.checkpoint} (the Pulumi checkpoint both engines now share); they may record different resources. Keep the one ` +
          `that matches what is deployed: delete ${opts.legacyFile} to keep the checkpoint, or delete the checkpoint to migrate the old file, and run again`,
      );
    }
    const old = JSON.parse(fs.readFileSync(opts.legacyFile, "utf8")) as { version?: unknown; resources?: ResourceState[] };
    if (old.version !== 1 || !Array.isArray(old.resources)) {
      throw new HarnessError(`${opts.legacyFile} is not an fgs harness state file (version 1): move it away and run again`);
    }
    const key = legacyKey(opts.legacyFile, opts.legacyPassphrase);
    const state = { ...emptyState(opts.project, opts.stack), file: existing };
    for (const r of old.resources) {
      const keys = r.secretKeys ?? [];
      const open = (props: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(props).map(([k, v]) => [k, keys.includes(k) ? legacyDecrypt(key, v, opts.legacyFile) : v]));
      state.resources.push({ ...r, inputs: open(r.inputs), outputs: open(r.outputs) });
    }
    const cipher = stackCipher(readCheckpoint(paths.checkpoint), opts.passphrase, paths.checkpoint, opts.projectDir, opts.stack);
    saveState(paths.checkpoint, state, cipher, ENGINE_VERSION);
    const keptAs = `${opts.legacyFile}.migrated`;
    fs.renameSync(opts.legacyFile, keptAs);
    return { migrated: true, resources: state.resources.length, from: opts.legacyFile, keptAs, checkpoint: paths.checkpoint };
  } finally {
    lock.release();
  }
}

function legacyKey(file: string, passphrase: string | undefined): Buffer | undefined {
  if (passphrase) return crypto.scryptSync(passphrase, "pulumi-functiongraph-harness", 32);
  try {
    return Buffer.from(fs.readFileSync(`${file}.key`, "utf8").trim(), "base64");
  } catch {
    return undefined;
  }
}

function legacyDecrypt(key: Buffer | undefined, sealed: unknown, file: string): unknown {
  const ct = (sealed as { ciphertext?: unknown } | null)?.ciphertext;
  if (typeof ct !== "string") return sealed;
  if (!key) throw new HarnessError(`${file} holds secrets but neither PULUMI_CONFIG_PASSPHRASE nor ${file}.key is there to decrypt them`);
  const raw = Buffer.from(ct, "base64");
  const d = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  try {
    return JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8"));
  } catch {
    throw new HarnessError(`cannot decrypt a secret in ${file}: set PULUMI_CONFIG_PASSPHRASE to the passphrase it was written with (or restore ${file}.key)`);
  }
}
