/**
 * Encryption of secret values in the state file, like Pulumi's passphrase secrets provider: a secret is stored
 * as `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "..." }`
 * (AES-256-GCM). The key comes from a passphrase (option or PULUMI_CONFIG_PASSPHRASE), else from a random key
 * file beside the state (`<state>.key`, mode 0600) — so secret inputs/outputs never sit in clear in the state.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SECRET_SIG, SIG_KEY } from "./wire";

/** Encrypts and decrypts single JSON values. */
export interface StateCipher {
  encrypt(value: unknown): Record<string, string>;
  decrypt(sealed: unknown): unknown;
}

/** The cipher for a state file: from the passphrase when given, else `<stateFile>.key` (created on first use). */
export function stateCipher(stateFile: string, passphrase: string | undefined): StateCipher {
  let cached: Buffer | undefined;
  const key = () =>
    (cached ??= passphrase ? crypto.scryptSync(passphrase, "pulumi-functiongraph-harness", 32) : keyFile(`${stateFile}.key`));
  return {
    encrypt(value) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv("aes-256-gcm", key(), iv);
      const body = Buffer.concat([c.update(JSON.stringify(value ?? null), "utf8"), c.final()]);
      return { [SIG_KEY]: SECRET_SIG, ciphertext: Buffer.concat([iv, c.getAuthTag(), body]).toString("base64") };
    },
    decrypt(sealed) {
      const ct = (sealed as { ciphertext?: unknown } | null)?.ciphertext;
      if (typeof ct !== "string") return sealed;
      const raw = Buffer.from(ct, "base64");
      const d = crypto.createDecipheriv("aes-256-gcm", key(), raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      try {
        return JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8"));
      } catch {
        throw new Error(`cannot decrypt a secret in ${stateFile}: wrong passphrase or key file`);
      }
    },
  };
}

function keyFile(file: string): Buffer {
  try {
    return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const key = crypto.randomBytes(32);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  } catch (e) {
    // Another run created it first (`wx` lets exactly one win): use theirs.
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  }
  return key;
}
