/**
 * The emulator's stored shapes: a function's head (`latest`) and its published versions, and the helpers that
 * stamp them (digest, image name, timestamps). These are internal records; `model.ts` renders the API views.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { AliasRecord, TriggerRecord } from "./companion-records";

/**
 * The configurable part of a function (what update config changes and a version freezes): the base fields
 * typed, and every other config field of the property table under its API name (nested as the API nests it,
 * e.g. `strategy_config.concurrent_num`; see function-config.ts).
 */
export interface FunctionConfig {
  runtime: string;
  handler: string;
  memory_size: number;
  timeout: number;
  description: string;
  user_data: string;
  code_type: "zip" | "obs";
  /** The object the code was read from (`code_type: obs`). */
  code_url?: string;
  code_filename: string;
  depend_version_list: string[];
  [field: string]: unknown;
}

/** A published version: a frozen copy of config and code. */
export interface VersionRecord {
  version: string;
  description: string;
  config: FunctionConfig;
  digest: string;
  codeSize: number;
  lastModified: number;
  imageName: string;
}

/** A function: its head plus versions. `digest` names its code blob (SHA-512 hex of the code zip). */
export interface FunctionRecord {
  id: string;
  package: string;
  name: string;
  config: FunctionConfig;
  digest: string;
  codeSize: number;
  lastModified: number;
  imageName: string;
  createdAt: number;
  versions: VersionRecord[];
  /** Tags (the tags API); not part of a version. */
  tags?: Record<string, string>;
  /** Async-invocation settings (their own API), as the API renders them. */
  asyncConfig?: Record<string, unknown>;
  /** Reserved instances by qualifier (`latest`, a version, `!alias`), as the API body sets them. */
  reserved?: Record<string, Record<string, unknown>>;
  /** Digest and config hash at the last publication (FSS.1016 when a publish would repeat them). */
  lastPublished?: { digest: string; configHash: string };
  /** Triggers and aliases (companion-records.ts); absent = none. */
  triggers?: TriggerRecord[];
  aliases?: AliasRecord[];
}

/** SHA-512 hex of bytes: the `digest` the service reports for code. */
export function sha512Hex(data: Buffer): string {
  return createHash("sha512").update(data).digest("hex");
}

/** A stable hash of a config (key order independent) to detect "nothing changed" on publish. */
export function configHash(config: FunctionConfig): string {
  const sorted = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `YYYY-MM-DD HH:mm:ss` in UTC (the import page's format). */
export function formatLastModified(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `<prefix>-<yyMMddHHmmss>@<5 lowercase letters>`, the service's internal image name shape. */
export function makeImageName(prefix: string, ms: number): string {
  const d = new Date(ms);
  const stamp = `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  const letters = [...randomBytes(5)].map((b) => String.fromCharCode(97 + (b % 26))).join("");
  return `${prefix}-${stamp}@${letters}`;
}

/** `vYYYYMMDD-HHMMSS`, the automatic version name. */
export function autoVersionName(ms: number): string {
  const d = new Date(ms);
  return `v${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** A new function id (`func_id`). */
export function newFunctionId(): string {
  return randomUUID();
}

/**
 * A new function record holding `code` as its head. `ordinal` (the number of functions already stored) keeps
 * `createdAt`, and so the list order, distinct for functions created in the same millisecond.
 */
export function newFunctionRecord(
  init: { package: string; name: string; config: FunctionConfig; code: Buffer; now: number; ordinal: number; digest?: string },
): FunctionRecord {
  return {
    id: newFunctionId(), package: init.package, name: init.name, config: init.config,
    digest: init.digest ?? sha512Hex(init.code), codeSize: init.code.length, lastModified: init.now,
    imageName: makeImageName("latest", init.now), createdAt: init.now + init.ordinal / 1e6, versions: [],
  };
}

/**
 * Replaces the head code of `f` (digest, size, modification time, image name); the caller stores the blob.
 * `digest` is the code's SHA512 when the caller already has it.
 */
export function setHeadCode(f: FunctionRecord, code: Buffer, now: number, digest = sha512Hex(code)): void {
  f.digest = digest;
  f.codeSize = code.length;
  touchHead(f, now);
}

/** Marks the head of `f` modified at `now`: a new `last_modified` and image name. */
export function touchHead(f: FunctionRecord, now: number): void {
  f.lastModified = now;
  f.imageName = makeImageName("latest", now);
}
