/**
 * Pulumi's passphrase secrets provider, byte-compatible with the CLI (sdk/go/common/resource/config/crypt.go and
 * pkg/secrets/passphrase/manager.go): the key is PBKDF2-SHA256 of the passphrase and an 8-byte salt, 1,000,000
 * iterations, 32 bytes; a value is AES-256-GCM with a random 12-byte nonce, written `v1:<nonce b64>:<ciphertext+tag
 * b64>`. The salt state is `v1:<salt b64>:<the word "pulumi" encrypted>` (the check that a passphrase is right);
 * the CLI keeps it in `Pulumi.<stack>.yaml` (`encryptionsalt`) and in the checkpoint (`secrets_providers`).
 * A secret value in a checkpoint is `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
 * "ciphertext": <the JSON text of the value, encrypted> }` (pkg/resource/stack/deployment.go).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SECRET_SIG, SIG_KEY } from "./wire";
import { FgsError } from "../provider/errors";
import { HarnessError } from "./plugin";

/** Encrypts and decrypts single JSON values, as the checkpoint's secret objects. */
export interface StateCipher {
  /** The passphrase provider's state (`v1:<salt>:<check>`), as stored in the checkpoint and `Pulumi.<stack>.yaml`. */
  readonly saltState: string;
  encrypt(value: unknown): Record<string, string>;
  decrypt(sealed: unknown): unknown;
}

/** The passphrase is not the one the stack's secrets were encrypted with. */
export class IncorrectPassphraseError extends FgsError {
  override name = "IncorrectPassphraseError";
  constructor(message: string) {
    super("FGS_INCORRECT_PASSPHRASE", message);
  }
}

const ITERATIONS = 1_000_000;
const keys = new Map<string, Buffer>();

/** PBKDF2-SHA256 key of a passphrase and salt (cached per process: deriving one takes a fraction of a second). */
function deriveKey(passphrase: string, salt: Buffer): Buffer {
  const id = crypto.createHash("sha256").update(passphrase).update("\0").update(salt).digest("hex");
  let key = keys.get(id);
  if (!key) keys.set(id, (key = crypto.pbkdf2Sync(passphrase, salt, ITERATIONS, 32, "sha256")));
  return key;
}

/** `v1:<nonce>:<ciphertext>` of a text, as the CLI's symmetric crypter writes it. */
export function encryptText(key: Buffer, text: string): string {
  const nonce = crypto.randomBytes(12);
  const c = crypto.createCipheriv("aes-256-gcm", key, nonce);
  const body = Buffer.concat([c.update(text, "utf8"), c.final(), c.getAuthTag()]);
  return `v1:${nonce.toString("base64")}:${body.toString("base64")}`;
}

/** The text of a `v1:<nonce>:<ciphertext>` value; throws when it is malformed or the key is wrong. */
export function decryptText(key: Buffer, value: string): string {
  const parts = value.split(":");
  if (parts.length !== 3 || parts[0] !== "v1") throw new HarnessError("not a v1 passphrase ciphertext");
  const nonce = Buffer.from(parts[1], "base64");
  const raw = Buffer.from(parts[2], "base64");
  if (nonce.length !== 12 || raw.length < 16) throw new HarnessError("malformed passphrase ciphertext");
  const d = crypto.createDecipheriv("aes-256-gcm", key, nonce);
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]).toString("utf8");
}

/** A new salt state for a passphrase (what `pulumi stack init --secrets-provider passphrase` records). */
export function newSaltState(passphrase: string): string {
  const salt = crypto.randomBytes(8);
  return `v1:${salt.toString("base64")}:${encryptText(deriveKey(passphrase, salt), "pulumi")}`;
}

/**
 * The cipher of a stack whose passphrase provider state is `saltState`; throws IncorrectPassphraseError when the
 * passphrase does not decrypt the state's check word. `where` names the stack in error messages.
 */
export function passphraseCipher(passphrase: string, saltState: string, where: string): StateCipher {
  const parts = saltState.split(":");
  if (parts.length < 3 || parts[0] !== "v1") throw new HarnessError(`${where}: malformed passphrase salt state '${saltState.slice(0, 16)}…'`);
  const key = deriveKey(passphrase, Buffer.from(parts[1], "base64"));
  let check: string | undefined;
  try {
    check = decryptText(key, parts.slice(2).join(":"));
  } catch {
    check = undefined;
  }
  if (check !== "pulumi") {
    throw new IncorrectPassphraseError(
      `${where}: incorrect passphrase: the stack's secrets were encrypted with another one; set PULUMI_CONFIG_PASSPHRASE ` +
        `(or PULUMI_CONFIG_PASSPHRASE_FILE) to the passphrase the stack was created with`,
    );
  }
  return {
    saltState,
    encrypt(value) {
      return { [SIG_KEY]: SECRET_SIG, ciphertext: encryptText(key, JSON.stringify(value ?? null)) };
    },
    decrypt(sealed) {
      const s = sealed as { ciphertext?: unknown; plaintext?: unknown } | null;
      if (typeof s?.plaintext === "string") return JSON.parse(s.plaintext);
      if (typeof s?.ciphertext !== "string") return sealed;
      try {
        return JSON.parse(decryptText(key, s.ciphertext));
      } catch {
        throw new HarnessError(`${where}: cannot decrypt a secret: wrong passphrase or a damaged checkpoint`);
      }
    },
  };
}

/** Go's `unicode.IsSpace` set, which `strings.TrimSpace` strips (JavaScript's `trim` differs: it keeps U+0085, strips U+FEFF). */
const GO_TRIM = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** A passphrase from the environment and the variable that gave it. */
export interface EnvPassphrase {
  value: string;
  from: "PULUMI_CONFIG_PASSPHRASE" | "PULUMI_CONFIG_PASSPHRASE_FILE";
}

/**
 * The passphrase the Pulumi CLI takes from the environment (pkg/secrets/passphrase/manager.go, `readPassphrase`):
 * PULUMI_CONFIG_PASSPHRASE when set (even empty), else the file a non-empty PULUMI_CONFIG_PASSPHRASE_FILE names
 * (relative to the current directory), white space around it stripped as Go's `strings.TrimSpace` does; undefined
 * when neither is set. A file that cannot be read is a HarnessError naming it.
 */
export function envPassphrase(env: NodeJS.ProcessEnv = process.env): EnvPassphrase | undefined {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return { value: env.PULUMI_CONFIG_PASSPHRASE, from: "PULUMI_CONFIG_PASSPHRASE" };
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (!file) return undefined;
  try {
    return { value: readPassphraseFile(path.resolve(file)), from: "PULUMI_CONFIG_PASSPHRASE_FILE" };
  } catch (e) {
    throw new HarnessError(`PULUMI_CONFIG_PASSPHRASE_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): point it at the file holding the stack's passphrase`);
  }
}

/** A passphrase file's text as the CLI reads it (surrounding white space stripped). */
function readPassphraseFile(file: string): string {
  return fs.readFileSync(file, "utf8").replace(GO_TRIM, "");
}

/**
 * The passphrase to use: the given one, else the environment's ({@link envPassphrase}), else a random one kept in
 * `fallbackFile` (mode 0600, created on first use; give it to the CLI with PULUMI_CONFIG_PASSPHRASE_FILE).
 */
export function resolvePassphrase(given: string | undefined, fallbackFile: string, env: NodeJS.ProcessEnv = process.env): string {
  if (given !== undefined) return given;
  const fromEnv = envPassphrase(env);
  if (fromEnv) return fromEnv.value;
  try {
    return readPassphraseFile(fallbackFile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const phrase = crypto.randomBytes(24).toString("base64url");
  fs.mkdirSync(path.dirname(fallbackFile), { recursive: true });
  try {
    fs.writeFileSync(fallbackFile, phrase + "\n", { mode: 0o600, flag: "wx" });
  } catch (e) {
    // Another run created it first (`wx` lets exactly one win): use theirs.
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return readPassphraseFile(fallbackFile);
  }
  return phrase;
}
