/**
 * The `Function` resource's code through OBS, kept in one file: which functions stage their zip in a bucket,
 * the preview checks (300 MB zip, bucket region = function region, a user object's ETag), and the deploy step
 * (stage under a content-hash key — skipped when already there — then `PUT …/code` with `code_type: obs`).
 *
 * Arguments: `codeStorage` (`"inline"` | `"obs"`; default: OBS when the zip is over the API's 50 MB limit and a
 * bucket is configured), `codeBucket` (default stack config `functiongraph:codeBucket`, env `FGS_CODE_BUCKET`),
 * `codeUrl` (the user's own object instead of `sourceDir`). Stack config `functiongraph:codeKeyPrefix` (env
 * `FGS_CODE_KEY_PREFIX`, default `functiongraph/`) and `functiongraph:obsEndpoint` (env `HW_OBS_ENDPOINT`, default
 * `https://obs.<region>.myhuaweicloud.com`). Staged objects are named `<prefix><first 64 hex of the zip's SHA-512>.zip`:
 * only the zip's bytes decide whether anything is uploaded.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { FunctionGraphClient, UpdateFunctionCodeResponse } from "../api";
import type { Target } from "../auth";
import { packagedFromBuffer, type PackagedSource } from "../package";
import { ObsClient } from "../obs/client";
import { BUCKET_NAME_PATTERN, objectUrl, parseObjectUrl, regionObsEndpoint } from "../obs/endpoint";
import { stageFile } from "../obs/stage";
import { writeStoredZip } from "../api/stored-zip";
import { writeLimiter } from "./limiter";
import { codeUploadLimit, type PreflightFailure } from "./preflight";
import { elapsed, formatBytes, progress } from "./progress";
import { InvalidInputError } from "./errors";

/** Largest code zip through OBS (the service's limit). */
export const OBS_ZIP_LIMIT = 300 * 1024 * 1024;

/** Default key prefix of staged packages. */
export const DEFAULT_CODE_KEY_PREFIX = "functiongraph/";

/** The arguments this file reads. */
export interface ObsCodeInputs {
  funcName: string;
  codeStorage?: "inline" | "obs";
  codeBucket?: string;
  codeUrl?: string;
  region?: string;
  sourceBytes?: number;
  fileCount?: number;
  sourceSha512?: string;
}

/** Stack config keys read by this file (without the `functiongraph:` namespace). */
export const OBS_STACK_CONFIG_KEYS = ["codeBucket", "codeKeyPrefix", "obsEndpoint", "codeRetentionDays"] as const;

let obsConfig: Partial<Record<(typeof OBS_STACK_CONFIG_KEYS)[number], string>> = {};

/** Records the OBS-related stack config from `configure()` (tolerates a plugin without a Configure call). */
export function recordObsStackConfig(req: { config: { get(key: string): string | undefined } } | undefined): void {
  const next: typeof obsConfig = {};
  for (const key of OBS_STACK_CONFIG_KEYS) {
    let value: string | undefined;
    try {
      value = req?.config.get(`functiongraph:${key}`);
    } catch {
      value = undefined;
    }
    if (typeof value === "string" && value !== "") next[key] = value;
  }
  obsConfig = next;
}

/** The bucket staged code goes to: the argument, then stack config, then `FGS_CODE_BUCKET`. */
export function codeBucketOf(inputs: ObsCodeInputs, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return inputs.codeBucket || obsConfig.codeBucket || env.FGS_CODE_BUCKET || undefined;
}

/** The key prefix of staged packages (stack config, env, default `functiongraph/`). */
export function codeKeyPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return obsConfig.codeKeyPrefix ?? env.FGS_CODE_KEY_PREFIX ?? DEFAULT_CODE_KEY_PREFIX;
}

/** The OBS endpoint for a region (stack config, `HW_OBS_ENDPOINT`, else the region's public one). */
export function obsEndpointFor(region: string, env: NodeJS.ProcessEnv = process.env): string {
  return (obsConfig.obsEndpoint || env.HW_OBS_ENDPOINT || regionObsEndpoint(region)).replace(/\/+$/, "");
}

/**
 * The opt-in clean-up policy: staged packages under the key prefix older than this many days are deleted after
 * each staging (stack config `functiongraph:codeRetentionDays`, env `FGS_CODE_RETENTION_DAYS`; unset: never).
 * Safe for deployed functions — the service keeps its own copy of their code — and a package needed again is
 * simply uploaded again.
 */
export function codeRetentionDays(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = (obsConfig.codeRetentionDays ?? env.FGS_CODE_RETENTION_DAYS)?.trim();
  return raw && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : undefined;
}

/** Deletes staged packages older than the retention (never `keep`); returns the keys deleted. */
export async function cleanUpStaged(obs: ObsClient, bucket: string, keep: string, days: number, now = Date.now()): Promise<string[]> {
  const prefix = codeKeyPrefix();
  const cutoff = now - days * 86_400_000;
  const old = (await obs.listObjects(bucket, prefix))
    .filter((o) => o.key !== keep && /^[0-9a-f]{64}\.zip$/.test(o.key.slice(prefix.length)) && Date.parse(o.lastModified) <= cutoff);
  for (const o of old) await obs.deleteObject(bucket, o.key);
  return old.map((o) => o.key);
}

/** The content-addressed key of a zip. */
export function stagedKey(zipSha512: string, env: NodeJS.ProcessEnv = process.env): string {
  return `${codeKeyPrefix(env)}${zipSha512.slice(0, 64)}.zip`;
}

/** How a function's code reaches the service, decided once per package (`codeRoute`). */
export interface CodeRoute {
  /** Staged in OBS (or the user's `codeUrl`) and deployed from there, rather than sent through the API. */
  readonly viaObs: boolean;
  /** The largest zip this function may have: 300 MB when it can stage in OBS, else the API's limit. */
  readonly limit: number;
  /** The API's limit for code sent inline (`codeUploadLimit`). */
  readonly apiLimit: number;
}

/** Whether this function's code goes through OBS for a zip of `zipBytes`, and the limits that apply (read once). */
export function codeRoute(inputs: ObsCodeInputs, zipBytes: number): CodeRoute {
  const apiLimit = codeUploadLimit();
  const bucket = codeBucketOf(inputs);
  const inline = inputs.codeStorage === "inline";
  const limit = !inline && (inputs.codeStorage === "obs" || bucket) ? OBS_ZIP_LIMIT : apiLimit;
  const viaObs = Boolean(inputs.codeUrl) || inputs.codeStorage === "obs" ||
    (!inline && zipBytes > apiLimit && bucket !== undefined);
  return { viaObs, limit, apiLimit };
}

/**
 * What `packageFor` returns for a `codeUrl` function (nothing to zip): a placeholder zip for the import, and an
 * empty `zipSha512` so the code step always runs and points the function at the user's object.
 */
export function userObjectPackage(): PackagedSource {
  const zip = writeStoredZip([{ name: "PLACEHOLDER.txt", data: Buffer.from("replaced by the code in OBS\n") }]);
  return packagedFromBuffer(zip, { sourceSha512: "", zipSha512: "" });
}

function obsClientFor(target: Target, region: string): ObsClient {
  return new ObsClient({
    endpoint: obsEndpointFor(region), credentials: target.credentials,
    onRetry: (r) => progress(`retrying ${r.path} in ${r.delayMs} ms (attempt ${r.attempt}): ${r.reason}`),
  });
}

/**
 * Deploys the code through OBS: a `codeUrl` as is; otherwise the zip is written to a temporary file, staged
 * (HEAD → skip, PUT or multipart) and the function pointed at it. Returns the `PUT …/code` answer.
 */
export async function deployCodeFromObs(
  client: FunctionGraphClient, urn: string, inputs: ObsCodeInputs, pkg: PackagedSource, target: Target,
): Promise<UpdateFunctionCodeResponse> {
  const start = performance.now();
  if (inputs.codeUrl) {
    const res = await writeLimiter.run(() => client.updateFunctionCodeFromObs(urn, { code_url: inputs.codeUrl!, code_filename: path.posix.basename(new URL(inputs.codeUrl!).pathname) || "code.zip" }));
    progress(`${inputs.funcName}: deployed the code from ${inputs.codeUrl} in ${elapsed(start)}`);
    return res;
  }
  const bucket = codeBucketOf(inputs);
  if (!bucket) throw new InvalidInputError("codeBucket", "codeBucket: staging the code in OBS needs a bucket: set codeBucket or `pulumi config set functiongraph:codeBucket <bucket>`");
  const key = stagedKey(pkg.zipSha512);
  const obs = obsClientFor(target, target.region);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "fgs-obs-stage-"));
  try {
    const file = path.join(dir, "code.zip");
    pkg.writeTo(file); // streamed from the package's spool: the zip is never in memory
    const staged = await writeLimiter.run(() => stageFile(obs, { bucket, key, file, onProgress: (m) => progress(`${inputs.funcName}: ${m}`) }));
    const codeUrl = objectUrl(obsEndpointFor(target.region), target.region, bucket, key);
    const res = await writeLimiter.run(() => client.updateFunctionCodeFromObs(urn, { code_url: codeUrl, code_filename: "code.zip" }));
    progress(`${inputs.funcName}: ${staged.uploaded ? `staged ${formatBytes(pkg.size)} in OBS and deployed` : "deployed the package already in OBS"} in ${elapsed(start)}`);
    const days = codeRetentionDays();
    if (days !== undefined) {
      const deleted = await cleanUpStaged(obs, bucket, key, days).catch((err: Error) => {
        progress(`${inputs.funcName}: clean-up of old staged packages skipped: ${err.message}`);
        return [];
      });
      if (deleted.length) progress(`${inputs.funcName}: deleted ${deleted.length} staged package(s) older than ${days} day(s) from ${bucket}`);
    }
    return res;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Preview checks for OBS code, plus what `check` records for a `codeUrl` (its diff key from URL + ETag, so a
 * changed object shows as a change and is redeployed). Makes requests only when OBS is involved: HEAD the
 * user's object on every preview; HEAD the staging bucket (its region) when the source or bucket changed.
 */
export async function checkObsCode(
  olds: Record<string, unknown>, inputs: ObsCodeInputs, target: Target | undefined,
): Promise<{ failures: PreflightFailure[]; tracked: Record<string, unknown> }> {
  const failures: PreflightFailure[] = [];
  const tracked: Record<string, unknown> = {};
  if (inputs.codeStorage === "inline" && inputs.codeBucket) {
    failures.push({ property: "codeStorage", reason: "is 'inline' but codeBucket is set: remove one (codeStorage 'obs' or the default stages big packages in codeBucket)" });
  }
  if (inputs.codeBucket !== undefined && !BUCKET_NAME_PATTERN.test(inputs.codeBucket)) {
    failures.push({ property: "codeBucket", reason: "must be an OBS bucket name: 3-63 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit" });
  }
  if (inputs.codeStorage === "obs" && !codeBucketOf(inputs) && !inputs.codeUrl) {
    failures.push({ property: "codeBucket", reason: "codeStorage is 'obs' but no bucket is set: set codeBucket or `pulumi config set functiongraph:codeBucket <bucket>` (a bucket in the function's region)" });
  }
  if (!target || failures.length > 0) return { failures, tracked };
  const region = target.region;

  if (inputs.codeUrl) {
    const where = parseObjectUrl(inputs.codeUrl);
    if (!where) {
      failures.push({ property: "codeUrl", reason: "must be an OBS object URL: https://<bucket>.obs.<region>.myhuaweicloud.com/<key>" });
      return { failures, tracked };
    }
    if (where.region && where.region !== region) {
      failures.push({ property: "codeUrl", reason: `the bucket '${where.bucket}' is in ${where.region}; FunctionGraph reads code only from a bucket in the function's region (${region})` });
      return { failures, tracked };
    }
    const head = await obsClientFor(target, region).headObject(where.bucket, where.key).catch((err: Error) => err);
    if (head instanceof Error) {
      failures.push({ property: "codeUrl", reason: `cannot read the object: ${head.message}` });
    } else if (!head) {
      failures.push({ property: "codeUrl", reason: `the object ${where.bucket}/${where.key} does not exist (the deployment would fail with FSS.1054): upload it first or fix the URL` });
    } else if (head.size > OBS_ZIP_LIMIT) {
      failures.push({ property: "codeUrl", reason: `the object is ${formatBytes(head.size)}, over the service's ${formatBytes(OBS_ZIP_LIMIT)} limit for code in OBS` });
    } else {
      tracked.codeObjectEtag = head.etag;
      tracked.sourceSha512 = createHash("sha512").update(`obs-object\n${inputs.codeUrl}\n${head.etag}`).digest("hex");
      tracked.fileCount = 0;
      tracked.sourceBytes = head.size;
      if (olds.codeObjectEtag !== undefined && olds.codeObjectEtag !== head.etag) tracked.sourceChanges = `the object at codeUrl changed (ETag ${String(olds.codeObjectEtag)} → ${head.etag})`;
    }
    return { failures, tracked };
  }

  // The staging bucket must be in the function's region; checked when its use is likely and something changed.
  const bucket = codeBucketOf(inputs);
  const likely = inputs.codeStorage === "obs" || (inputs.codeStorage !== "inline" && (inputs.sourceBytes ?? 0) > codeUploadLimit());
  // A create's check leaves `sourceSha512` to the deployment (check.ts): without a previous hash (a create, or
  // the first preview after one) the listed counts tell a change.
  const sourceChanged = olds.sourceSha512 === undefined
    ? olds.sourceBytes !== inputs.sourceBytes || olds.fileCount !== inputs.fileCount
    : olds.sourceSha512 !== inputs.sourceSha512;
  const changed = sourceChanged || olds.codeBucket !== inputs.codeBucket;
  if (bucket && likely && changed) {
    const location = await obsClientFor(target, region).bucketRegion(bucket).catch((err: Error) => err);
    if (location instanceof Error) failures.push({ property: "codeBucket", reason: `cannot reach the bucket '${bucket}': ${location.message}` });
    else if (location === undefined) failures.push({ property: "codeBucket", reason: `the bucket '${bucket}' does not exist: create it in ${region} (obsutil mb obs://${bucket} -location ${region})` });
    else if (location !== "" && location !== region) failures.push({ property: "codeBucket", reason: `the bucket '${bucket}' is in ${location}; FunctionGraph reads code only from a bucket in the function's region (${region})` });
  }
  return { failures, tracked };
}
