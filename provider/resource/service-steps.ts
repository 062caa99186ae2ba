/**
 * The steps create, update, read and delete share: reaching the service for a resource (target, client with a
 * timeout sized to the body), looking a function up, packaging (with the code's route to the service, decided
 * once), uploading code (publishing a version: version-room.ts; the outputs: outputs.ts). The plugin-wide limits
 * (limiter.ts) are applied here.
 */
import * as path from "node:path";
import { writeStoredZip } from "../api/stored-zip";
import {
  attemptTimeoutMs, DEFAULT_TIMEOUT_MS, FunctionGraphClient, type FunctionGraphError, type FunctionModel, type NetworkError,
} from "../api";
import { hasCode } from "../errors";
import type { Target } from "../auth";
import { packagedFromBuffer, packageSource, type PackagedSource } from "../package";
import { CODE_FILE_NAME } from "./defaults";
import type { CheckedInputs } from "./inputs";
import { packagingLimiter, writeLimiter } from "./limiter";
import type { FunctionOutputs } from "./outputs";
import { countOf, formatBytes, progress, type FunctionProgress } from "./progress";
import { targetFor } from "./stack-config";
import { codeRoute, deployCodeFromObs, userObjectPackage, type CodeRoute } from "./obs-code";
import { InvalidInputError } from "./errors";

/** The source directory, resolved against the program directory (the plugin's cwd). */
export function sourcePath(dir: string): string {
  return path.resolve(process.cwd(), dir);
}

/**
 * The caches shared by the preview's hashing and the deployment's packaging (FGS_HASH_CACHE=0: off): digests,
 * so an unchanged tree is cheap to re-hash in the preview (`up` hashes what it reads and only checks them), and
 * the last package, whose bodies `up` reuses for unchanged files once they inflate to the bytes read.
 */
export function hashCacheSetting(): boolean {
  return process.env.FGS_HASH_CACHE !== "0";
}

/**
 * The client's per-attempt timeout for a request carrying `bodyBytes` (the client stretches its base for large
 * bodies, see `attemptTimeoutMs`). `FGS_REQUEST_TIMEOUT_MS` (a positive whole number) replaces the 120 s base.
 */
export function requestTimeoutMs(bodyBytes = 0, env: NodeJS.ProcessEnv = process.env): number {
  return attemptTimeoutMs(baseTimeoutMs(env), bodyBytes);
}

function baseTimeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = env.FGS_REQUEST_TIMEOUT_MS?.trim();
  return raw && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : DEFAULT_TIMEOUT_MS;
}

/** A client for the target (its per-attempt timeout grows with each request's body). */
export function clientFor(target: Target): FunctionGraphClient {
  return new FunctionGraphClient({
    endpoint: target.endpoint,
    projectId: target.projectId,
    credentials: target.credentials,
    timeoutMs: baseTimeoutMs(process.env),
    onRetry: (r) => progress(`retrying ${r.method} ${r.path} in ${r.delayMs} ms (attempt ${r.attempt}): ${r.reason}`),
  });
}

/** The target of a resource: its own region/project/endpoint, then stack config, then the environment. */
export function targetOf(inputs: { region?: string; projectId?: string; endpoint?: string }): Target {
  return targetFor({ region: inputs.region, projectId: inputs.projectId, endpoint: inputs.endpoint });
}

/** A client for a resource's own target (`targetOf`, then `clientFor`). */
export function clientOf(inputs: { region?: string; projectId?: string; endpoint?: string }): FunctionGraphClient {
  return clientFor(targetOf(inputs));
}

/** A `FunctionGraphError` (by its code, `FGS_SERVICE`), optionally with this status and error code. */
export function isServiceError(err: unknown, status?: number, code?: string): err is FunctionGraphError {
  return hasCode(err, "FGS_SERVICE") &&
    (status === undefined || (err as FunctionGraphError).status === status) &&
    (code === undefined || (err as FunctionGraphError).errorCode === code);
}

/** Whether `err` is a request that never connected (refused, DNS failure, no route): the endpoint is down or wrong. */
export function isUnreachable(err: unknown): err is NetworkError {
  return hasCode(err, "FGS_NETWORK") && (err as NetworkError).kind === "unreachable";
}

/** GET config, `undefined` when the function does not exist. */
export async function findFunction(client: FunctionGraphClient, urnOrName: string): Promise<FunctionModel | undefined> {
  try {
    return await client.getFunctionConfig(urnOrName);
  } catch (err) {
    if (isServiceError(err, 404)) return undefined;
    throw err;
  }
}

/** A packaged source, the way its code reaches the service, and what it says about the source as outputs. */
export interface PackagedCode {
  readonly pkg: PackagedSource;
  readonly route: CodeRoute;
  /**
   * `zipSha512`, and for code packaged from `sourceDir` its `sourceSha512` and `fileCount`, computed from the
   * bytes read while packaging — never the preview's (which may come from the digest cache).
   */
  readonly outputs: Partial<FunctionOutputs>;
}

/** Zips the resource's source (one tree at a time), refusing a zip over the code limit. */
export async function packageFor(inputs: CheckedInputs, report: FunctionProgress): Promise<PackagedCode> {
  if (inputs.codeUrl) return packaged(inputs, userObjectPackage()); // the user's own object in OBS: nothing to zip
  const dir = inputs.sourceDir;
  if (dir === undefined) return packaged(inputs, imagePlaceholder(inputs.sourceSha512 ?? ""));
  const start = performance.now();
  const pkg = await packagingLimiter.run(() => packageSource(sourcePath(dir), {
    exclude: inputs.exclude ? [...inputs.exclude] : undefined, useIgnoreFiles: inputs.useIgnoreFiles, hashCache: hashCacheSetting(),
  }));
  const raw = pkg.files.reduce((n, f) => n + f.size, 0);
  // Stored entries (empty or incompressible files) are never deflated: only deflated bodies can be reused.
  const reused = pkg.reusedBodies > 0 ? `; ${pkg.reusedBodies} deflated bodies reused from the last package (checked against the files, not deflated again)` : "";
  if (pkg.cacheNotice) report.say("%s", pkg.cacheNotice);
  report.say("packaged %s (%b) into a %b zip in %t%s", countOf(pkg.files.length, "file"), raw, pkg.size, start, reused);
  // A create's check lists the files without hashing them (check.ts): nothing to compare with then.
  if (inputs.sourceSha512 !== undefined && pkg.sourceSha512 !== inputs.sourceSha512) {
    report.say("the source changed after the preview; deploying what is there now");
  }
  const code = packaged(inputs, pkg);
  const { limit, apiLimit } = code.route;
  if (pkg.size > limit) {
    throw new InvalidInputError("sourceDir", `sourceDir: the code zip is ${formatBytes(pkg.size)}, over the service's ${formatBytes(limit)} limit for code ${limit > apiLimit ? "staged in OBS" : "uploaded through the API (set codeBucket to stage up to 300 MB in OBS)"}; exclude what the function does not need (exclude, .fgsignore)`);
  }
  return code;
}

/** `pkg` with its route (decided once, here) and its outputs (see `PackagedCode`). */
function packaged(inputs: CheckedInputs, pkg: PackagedSource): PackagedCode {
  const fromSource = inputs.sourceDir !== undefined && !inputs.codeUrl ? { sourceSha512: pkg.sourceSha512, fileCount: pkg.files.length } : {};
  return { pkg, route: codeRoute(inputs, pkg.size), outputs: { ...fromSource, zipSha512: pkg.zipSha512 } };
}

/**
 * The code of a custom-image function (no `sourceDir`): the import API needs a code file, so a tiny constant
 * zip stands in [U: the service ignores code for runtime `Custom Image`].
 */
function imagePlaceholder(sourceSha512: string): PackagedSource {
  const zip = writeStoredZip([{ name: "IMAGE.txt", data: Buffer.from("a custom-image function has no code package\n") }]);
  return packagedFromBuffer(zip, { sourceSha512 });
}

/** `PUT …/code` within the upload limit, with progress; it carries the dependency version ids too. */
export async function uploadCode(client: FunctionGraphClient, urn: string, inputs: CheckedInputs, code: PackagedCode, report: FunctionProgress) {
  const pkg = code.pkg;
  if (code.route.viaObs) return deployCodeFromObs(client, urn, inputs, pkg, targetOf(inputs)); // obs-code.ts
  const start = performance.now();
  const res = await writeLimiter.run(() => client.uploadFunctionCode(urn, pkg, {
    codeFilename: CODE_FILE_NAME, dependVersionList: inputs.dependencies ? [...inputs.dependencies] : [],
  }));
  report.say("uploaded %b of code in %t", pkg.size, start);
  return res;
}
