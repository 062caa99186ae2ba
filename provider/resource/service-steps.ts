/**
 * The steps create, update, read and delete share: reaching the service for a resource (target, client with a
 * timeout sized to the body), looking a function up, packaging, uploading code, and assembling the outputs
 * (publishing a version: version-room.ts). The plugin-wide limits (limiter.ts) are applied here.
 */
import * as path from "node:path";
import { writeStoredZip } from "../api/stored-zip";
import {
  attemptTimeoutMs, DEFAULT_TIMEOUT_MS, FunctionGraphClient, normalizeUrn, type FunctionGraphError, type FunctionModel,
} from "../api";
import { hasCode } from "../errors";
import type { Target } from "../auth";
import { packagedFromBuffer, packageSource, type PackagedSource } from "../package";
import { CODE_FILE_NAME } from "./defaults";
import type { CheckedInputs } from "./inputs";
import { packagingLimiter, writeLimiter } from "./limiter";
import { dropUndefined, modelOutputs, settingsOutputs, type FunctionOutputs } from "./outputs";
import { codeUploadLimit } from "./preflight";
import { elapsed, formatBytes, progress } from "./progress";
import { targetFor } from "./stack-config";
import { codeZipLimit, deployCodeFromObs, stagesInObs, userObjectPackage } from "./obs-code";
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

/** GET config, `undefined` when the function does not exist. */
export async function findFunction(client: FunctionGraphClient, urnOrName: string): Promise<FunctionModel | undefined> {
  try {
    return await client.getFunctionConfig(urnOrName);
  } catch (err) {
    if (isServiceError(err, 404)) return undefined;
    throw err;
  }
}

/** Zips the resource's source (one tree at a time), refusing a zip over the code limit. */
export async function packageFor(inputs: CheckedInputs): Promise<PackagedSource> {
  if (inputs.codeUrl) return userObjectPackage(); // the user's own object in OBS: nothing to zip
  const dir = inputs.sourceDir;
  if (dir === undefined) return imagePlaceholder(inputs.sourceSha512 ?? "");
  const start = performance.now();
  const pkg = await packagingLimiter.run(() => packageSource(sourcePath(dir), {
    exclude: inputs.exclude ? [...inputs.exclude] : undefined, useIgnoreFiles: inputs.useIgnoreFiles, hashCache: hashCacheSetting(),
  }));
  const raw = pkg.files.reduce((n, f) => n + f.size, 0);
  const reused = pkg.reusedBodies > 0 ? `, ${pkg.reusedBodies} of them unchanged since the last package (checked, not deflated again)` : "";
  if (pkg.cacheNotice) progress(`${inputs.funcName}: ${pkg.cacheNotice}`);
  progress(`${inputs.funcName}: packaged ${pkg.files.length} files (${formatBytes(raw)}) into a ${formatBytes(pkg.size)} zip in ${elapsed(start)}${reused}`);
  // A create's check lists the files without hashing them (check.ts): nothing to compare with then.
  if (inputs.sourceSha512 !== undefined && pkg.sourceSha512 !== inputs.sourceSha512) {
    progress(`${inputs.funcName}: the source changed after the preview; deploying what is there now`);
  }
  const limit = codeZipLimit(inputs);
  if (pkg.size > limit) {
    throw new InvalidInputError("sourceDir", `sourceDir: the code zip is ${formatBytes(pkg.size)}, over the service's ${formatBytes(limit)} limit for code ${limit > codeUploadLimit() ? "staged in OBS" : "uploaded through the API (set codeBucket to stage up to 300 MB in OBS)"}; exclude what the function does not need (exclude, .fgsignore)`);
  }
  return pkg;
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
export async function uploadCode(client: FunctionGraphClient, urn: string, inputs: CheckedInputs, pkg: PackagedSource) {
  if (stagesInObs(inputs, pkg.size)) return deployCodeFromObs(client, urn, inputs, pkg, targetOf(inputs)); // obs-code.ts
  const start = performance.now();
  const res = await writeLimiter.run(() => client.uploadFunctionCode(urn, pkg, {
    codeFilename: CODE_FILE_NAME, dependVersionList: inputs.dependencies ? [...inputs.dependencies] : [],
  }));
  progress(`${inputs.funcName}: uploaded ${formatBytes(pkg.size)} of code in ${elapsed(start)}`);
  return res;
}

/**
 * What a package says about the source it was built from, as outputs: its `sourceSha512` and `fileCount`,
 * computed from the bytes read while packaging — never the preview's (which may come from the digest cache).
 * Nothing for code that was not packaged from `sourceDir`.
 */
export function packagedOutputs(inputs: CheckedInputs, pkg: PackagedSource): Partial<FunctionOutputs> {
  return inputs.sourceDir !== undefined && !inputs.codeUrl ? { sourceSha512: pkg.sourceSha512, fileCount: pkg.files.length } : {};
}

/** Complete outputs from the checked inputs, a model, and what the step adds. */
export function outputsFrom(inputs: CheckedInputs, model: FunctionModel, extra: Partial<FunctionOutputs>): FunctionOutputs {
  return dropUndefined({
    ...modelOutputs(model),
    ...settingsOutputs(inputs),
    funcUrn: normalizeUrn(model.func_urn),
    version: "latest",
    ...extra,
  }) as FunctionOutputs;
}
