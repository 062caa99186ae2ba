/**
 * The service's documented field constraints, in one place: the schemas, the emulator's validation and the
 * resource's `check` all read them from here so that a limit is never written twice.
 * Source: ../shared/docs/functiongraph-api.md ("Field constraints") and the two seed pages.
 */

/** Function name: 1–60 chars, starts with a letter, ends with a letter or digit, letters/digits/`-`/`_`. */
export const FUNC_NAME_PATTERN = /^[A-Za-z]([A-Za-z0-9_-]{0,58}[A-Za-z0-9])?$/;

/** App (package) name: letters, digits and underscores; the API's default is `default`. [U] length: ≤ 64. */
export const PACKAGE_NAME_PATTERN = /^[A-Za-z0-9_]{1,64}$/;

/** Project id: letters/digits (32 in practice; the seed shows a 30-char one, so 16–64 is accepted). */
export const PROJECT_ID_PATTERN = /^[A-Za-z0-9]{16,64}$/;

/** Region name like `cn-north-4`, `ap-southeast-1`, `la-south-2`, `eu-west-101`. */
export const REGION_PATTERN = /^[a-z]{2,}(-[a-z0-9]+)+$/;

/** Runtimes the service documents (the union across regions and dates [U]: the real list varies). */
export const RUNTIMES = [
  "Java8", "Java11", "Java17", "Java21",
  "Node.js6.10", "Node.js8.10", "Node.js10.16", "Node.js12.13", "Node.js14.18", "Node.js16.17", "Node.js18.15",
  "Node.js20.15",
  "Python2.7", "Python3.6", "Python3.9", "Python3.10", "Python3.12",
  "Go1.8", "Go1.x",
  "C#(.NET Core 2.0)", "C#(.NET Core 2.1)", "C#(.NET Core 3.1)", "C#(.NET Core 6.0)",
  "Custom", "PHP7.3", "PHP8.3", "http", "Custom Image", "Cangjie1.0",
] as const;

/** A documented runtime name. */
export type Runtime = (typeof RUNTIMES)[number];

/** Memory sizes in MB the service accepts. */
export const MEMORY_SIZES = [128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096] as const;

/** Timeout range in seconds (current docs; older docs said 3–900 [U]). */
export const TIMEOUT_RANGE = { min: 3, max: 259200 } as const;

/** Handler: contains a `.`, 3–128 characters. */
export const HANDLER_PATTERN = /^(?=.{3,128}$)[^.\s]+(\.[^.\s]+)+$/;

/** Description: at most 512 characters. */
export const DESCRIPTION_MAX = 512;

/** Environment (`user_data`): at most 20 entries and 4 KB of JSON text (older docs: 2 KB [U]). */
export const USER_DATA_LIMITS = { maxEntries: 20, maxBytes: 4096 } as const;

/** Size limits in bytes. [U] which apply to Base64 text vs decoded bytes; we compare decoded bytes. */
export const SIZE_LIMITS = {
  /** Import package, decoded. The strictest documented (console import) is 10 MB; the API page says 300 MB. */
  importPackage: 10 * 1024 * 1024,
  /** Code uploaded through the API (`PUT …/code`): 50 MB, else 413 FSS.1071. */
  codeUpload: 50 * 1024 * 1024,
  /** Uncompressed code: 1.5 GB. */
  uncompressed: 1.5 * 1024 * 1024 * 1024,
} as const;

/** Most versions a function may have, `latest` included. */
export const MAX_VERSIONS = 20;

/** CPU millicores the service assigns for a memory size: memory/128*100 + 200. */
export function cpuForMemory(memorySize: number): number {
  return (memorySize / 128) * 100 + 200;
}

/** An environment variable name as the service accepts it: a letter, then letters, digits and `_` (no `-` or `.`). */
export const ENV_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The most instances a function has when none is set: -1, no limit (the seeds' import and model examples). */
export const MAX_INSTANCE_DEFAULT = -1;
