/**
 * Encrypted environment values at rest: the data dir's `state.json` never holds a function's
 * `encrypted_user_data` in clear text. Each value is sealed with AES-256-GCM under a key of the data dir's own
 * (`<dataDir>/secret.key`, 32 random bytes, mode 0600, made on first use; a key file that is a link or another
 * user's is refused: owned-files.ts) into the string
 * `fgs-sealed:v1:<iv>:<tag>:<ciphertext>` (Base64url parts), and opened again when the state is loaded.
 * A value written by an older emulator in clear text is read as is and sealed on the next save.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { readOwnedFile } from "./owned-files";

/** The record field whose values are sealed, wherever it appears (a function's config, a version's config). */
export const SEALED_FIELD = "encrypted_user_data";
const PREFIX = "fgs-sealed:v1:";
/** The key file's name in the data dir. */
export const KEY_FILE = "secret.key";

/** A sealed value that does not open (another data dir's key, or damaged). */
export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealError";
  }
}

/** The data dir's key: read (refused when a link or another user's: `DataDirUnsafeError`), or made (exclusively, 0600) when absent. */
export async function dataDirKey(dir: string): Promise<Buffer> {
  const file = path.join(dir, KEY_FILE);
  try {
    const handle = await fs.open(file, "wx", 0o600);
    try {
      const key = randomBytes(32);
      await handle.writeFile(key);
      await handle.sync();
      return key;
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const key = await readOwnedFile(dir, file, 0o600);
  if (key === undefined) throw new SealError(`${file} vanished while it was read`);
  if (key.length !== 32) throw new SealError(`${file} is not a 32-byte key`);
  return key;
}

/** Seals one value. */
export function seal(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return PREFIX + [iv, cipher.getAuthTag(), data].map((b) => b.toString("base64url")).join(":");
}

/** Opens a sealed value; a value without the prefix is returned unchanged (clear text from an older emulator). */
export function unseal(key: Buffer, value: string): string {
  if (!value.startsWith(PREFIX)) return value;
  const [iv, tag, data] = value.slice(PREFIX.length).split(":").map((p) => Buffer.from(p, "base64url"));
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
  } catch {
    throw new SealError(`a sealed ${SEALED_FIELD} value does not open with ${KEY_FILE} (another data dir's key, or damaged)`);
  }
}

/** A deep copy of `value` with every `SEALED_FIELD` string passed through `f`. */
export function mapSealedFields<T>(value: T, f: (s: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== "object") return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === SEALED_FIELD && typeof x === "string" ? f(x) : walk(x)]));
  };
  return walk(value) as T;
}
