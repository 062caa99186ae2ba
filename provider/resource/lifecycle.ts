/**
 * The `Function` resource's lifecycle — check, diff, create, read, update, delete — as the dynamic-provider
 * plugin calls it. Loaded by the serialized shim (provider.ts) with a plain `require`, so this module and
 * everything it imports run as ordinary modules in the plugin process and are never serialized into state.
 *
 * Promises kept here: an unchanged stack makes zero write calls; credentials are read at run time
 * (stack-config.ts) and never returned; a half-done create is reported as partially created (id +
 * properties) so the next `up` finishes it instead of importing a second time.
 */
import * as path from "node:path";
import { createDeflateRaw } from "node:zlib";
import { createReadStream } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import {
  backoffDelay, buildImportPackage, DEFAULT_TIMEOUT_MS, FunctionGraphClient, maxRetriesFromEnv, retryBaseDelayFromEnv, FunctionGraphError, normalizeUrn, SIZE_LIMITS, toUserData,
  type FunctionModel, type ImportSettings, type UpdateFunctionConfigRequest,
} from "../api";
import { writeStoredZip } from "../api/stored-zip";
import { ConfigurationError, type Target } from "../auth";
import { hashSource, isPackagingError, packageSource, type PackagedSource, type SourceFile } from "../package";
import { CODE_FILE_NAME, isUnknown, UNKNOWN } from "./defaults";
import { FunctionInputsFields, FunctionInputsSchema, INPUT_KEYS, type FunctionInputs } from "./inputs";
import {
  dropUndefined, modelOutputs, settingsOutputs, type FunctionOutputs, type TrackedInputs,
} from "./outputs";
import { checkHandler, checkSize, codeUploadLimit, type PreflightFailure } from "./preflight";
import { elapsed, formatBytes, progress } from "./progress";
import { importLimiter, packagingLimiter, writeLimiter } from "./limiter";
import { compareWithFingerprint, describeChanges, fingerprintSource } from "./source-changes";
import { recordStackConfig, targetFor, type ConfigureRequest } from "./stack-config";

/** Checked inputs as stored in state: the user's arguments with defaults, plus what `check` computed. */
export type CheckedInputs = FunctionInputs & TrackedInputs;

/** Keys whose change replaces the function (the name is unique per package and project). */
const REPLACE_KEYS = ["funcName", "package", "region", "projectId"] as const;

/** Settings compared between the desired state and the recorded (or live) one. */
const SETTING_KEYS = ["runtime", "handler", "memorySize", "timeout", "description", "environment"] as const;

// ---------------------------------------------------------------------------------------------- helpers

function sourcePath(dir: string): string {
  return path.resolve(process.cwd(), dir);
}

/** The client's default per-attempt timeout, enough for small requests. */
const BASE_TIMEOUT_MS = DEFAULT_TIMEOUT_MS;
/** The slowest link a code upload must still succeed on: 128 KiB/s (1 Mbit/s). */
const MIN_UPLOAD_BYTES_PER_SECOND = 128 * 1024;

/**
 * Per-attempt timeout for a request carrying `bodyBytes`: the client's 120 s covers a small body, but a 50 MB
 * zip is ~67 MB of Base64 JSON — 9 minutes on a 1 Mbit/s uplink — and every retry would time out the same way.
 * `FGS_REQUEST_TIMEOUT_MS` (a positive whole number) replaces the base.
 */
export function requestTimeoutMs(bodyBytes = 0, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FGS_REQUEST_TIMEOUT_MS?.trim();
  const base = raw && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : BASE_TIMEOUT_MS;
  return base + Math.ceil((bodyBytes / MIN_UPLOAD_BYTES_PER_SECOND) * 1000);
}

function clientFor(target: Target, bodyBytes = 0): FunctionGraphClient {
  return new FunctionGraphClient({
    endpoint: target.endpoint,
    projectId: target.projectId,
    credentials: target.credentials,
    timeoutMs: requestTimeoutMs(bodyBytes),
    onRetry: (r) => progress(`retrying ${r.method} ${r.path} in ${r.delayMs} ms (attempt ${r.attempt}): ${r.reason}`),
  });
}

function targetOf(inputs: { region?: string; projectId?: string; endpoint?: string }): Target {
  return targetFor({ region: inputs.region, projectId: inputs.projectId, endpoint: inputs.endpoint });
}

function importSettings(inputs: FunctionInputs): ImportSettings {
  return {
    funcName: inputs.funcName,
    runtime: inputs.runtime,
    handler: inputs.handler,
    memorySize: inputs.memorySize,
    timeout: inputs.timeout,
    description: inputs.description,
    environment: inputs.environment,
  };
}

function configRequest(inputs: FunctionInputs): UpdateFunctionConfigRequest {
  return {
    func_name: inputs.funcName,
    runtime: inputs.runtime,
    handler: inputs.handler,
    memory_size: inputs.memorySize,
    timeout: inputs.timeout,
    description: inputs.description ?? "",
    // An empty string clears variables that were removed from the program.
    user_data: toUserData(inputs.environment) ?? "",
  };
}

/** Canonical text of an env map, so key order never counts as a change. */
function envKey(env: Record<string, string> | undefined): string {
  return toUserData(env) ?? "{}";
}

function sameSetting(key: (typeof SETTING_KEYS)[number], a: unknown, b: unknown): boolean {
  if (key === "environment") return envKey(a as Record<string, string>) === envKey(b as Record<string, string>);
  if (key === "description") return (a ?? "") === (b ?? "");
  return a === b;
}

/** Settings that differ between what we want and what a model (live or recorded) has. */
function settingChanges(desired: Partial<FunctionOutputs>, actual: Partial<FunctionOutputs>): string[] {
  return SETTING_KEYS.filter((k) => !sameSetting(k, desired[k], actual[k]));
}

function isFgsError(err: unknown, status?: number, code?: string): err is FunctionGraphError {
  return err instanceof Error && err.name === "FunctionGraphError" &&
    (status === undefined || (err as FunctionGraphError).status === status) &&
    (code === undefined || (err as FunctionGraphError).errorCode === code);
}

function isAmbiguous(err: unknown): boolean {
  return err instanceof Error && (err as { ambiguous?: boolean }).ambiguous === true;
}

/** GET config, `undefined` when the function does not exist. */
async function findFunction(client: FunctionGraphClient, urnOrName: string): Promise<FunctionModel | undefined> {
  try {
    return await client.getFunctionConfig(urnOrName);
  } catch (err) {
    if (isFgsError(err, 404)) return undefined;
    throw err;
  }
}

/** The resource's error for a create that got past the import: the engine records id + properties. */
class PartialCreateError extends Error {
  constructor(readonly id: string, readonly properties: Record<string, unknown>, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`the function ${id} was created but not finished (${reason}); the next \`pulumi up\` will finish it`);
    this.name = "PartialCreateError";
  }
  get reasons(): string[] {
    return [this.message];
  }
}

async function packageFor(inputs: CheckedInputs): Promise<PackagedSource> {
  const start = performance.now();
  const pkg = await packagingLimiter.run(() => packageSource(sourcePath(inputs.sourceDir), {
    exclude: inputs.exclude, useIgnoreFiles: inputs.useIgnoreFiles,
  }));
  const raw = pkg.files.reduce((n, f) => n + f.size, 0);
  progress(`${inputs.funcName}: packaged ${pkg.files.length} files (${formatBytes(raw)}) into a ${formatBytes(pkg.size)} zip in ${elapsed(start)}`);
  if (pkg.sourceSha512 !== inputs.sourceSha512) {
    progress(`${inputs.funcName}: the source changed after the preview; deploying what is there now`);
  }
  if (pkg.size > codeUploadLimit()) {
    throw new Error(`sourceDir: the code zip is ${formatBytes(pkg.size)}, over the service's ${formatBytes(codeUploadLimit())} limit for code uploaded through the API; exclude what the function does not need (exclude, .fgsignore)`);
  }
  return pkg;
}

function uploadBody(zip: Buffer) {
  return { code_type: "zip" as const, code_filename: CODE_FILE_NAME, func_code: { file: zip.toString("base64") } };
}

async function uploadCode(urn: string, inputs: CheckedInputs, pkg: PackagedSource) {
  const start = performance.now();
  // Base64 is 4/3 of the zip: the timeout grows with what is sent (see requestTimeoutMs).
  const uploader = clientFor(targetOf(inputs), Math.ceil(pkg.size * 4 / 3));
  const res = await writeLimiter.run(() => uploader.updateFunctionCode(urn, uploadBody(pkg.zip)));
  progress(`${inputs.funcName}: uploaded ${formatBytes(pkg.size)} of code in ${elapsed(start)}`);
  return res;
}

/**
 * Publishes a version. "Nothing changed since the last publication" (FSS.1016) keeps the last one: the
 * recorded `previous`, or — after a publish whose answer was lost — the newest version the service lists.
 */
async function publish(client: FunctionGraphClient, urn: string, digest: string | undefined, previous?: string): Promise<string> {
  try {
    const v = await client.publishVersion(urn, dropUndefined({ digest }));
    progress(`published version ${v.version}`);
    return v.version ?? previous ?? "latest";
  } catch (err) {
    // FSS.1016: nothing changed since the last publication. FSS.1062 for a name we did not choose: the
    // service generated the name of a version that already exists — the same situation, within a second.
    if (!isFgsError(err, 400, "FSS.1016") && !isFgsError(err, 409, "FSS.1062")) throw err;
    if (previous) return previous;
    const published = (await client.listVersions(urn)).filter((v) => v.version && v.version !== "latest");
    const newest = published.sort((a, b) => String(a.last_modified).localeCompare(String(b.last_modified))).pop();
    return newest?.version ?? "latest";
  }
}

function outputsFrom(inputs: CheckedInputs, model: FunctionModel, extra: Partial<FunctionOutputs>): FunctionOutputs {
  return dropUndefined({
    ...modelOutputs(model),
    ...settingsOutputs(inputs),
    funcUrn: normalizeUrn(model.func_urn),
    version: "latest",
    ...extra,
  }) as FunctionOutputs;
}

// ------------------------------------------------------------------------------------------------ check

function failuresFromConfiguration(err: ConfigurationError): PreflightFailure[] {
  return err.problems.map((problem) => {
    // Problems read `region: set …` (missing) or `region (from HW_REGION_NAME) "x" is not …` (malformed).
    const key = /^(\w+)\b/.exec(problem)?.[1];
    const property = key && ["region", "projectId", "endpoint"].includes(key) ? key : "credentials";
    return { property, reason: problem };
  });
}

function packagingFailure(err: unknown, inputs: Partial<FunctionInputs>): PreflightFailure {
  if (isPackagingError(err)) {
    const property = err.code === "EMPTY_AFTER_EXCLUDES" && (inputs.exclude?.length ?? 0) > 0 ? "exclude" : "sourceDir";
    return { property, reason: err.message };
  }
  return { property: "sourceDir", reason: err instanceof Error ? err.message : String(err) };
}

/**
 * Estimates the code zip's size without building it, for trees whose raw size is over the API limit: each
 * file deflated at level 1 (a little larger than the level-6 zip). Only runs for such big trees, and only when
 * the source changed, so the usual preview never pays for it.
 */
async function estimateZipBytes(root: string, files: readonly SourceFile[]): Promise<number> {
  let total = 0;
  for (const f of files) {
    total += 76 + 2 * Buffer.byteLength(f.path); // local + central headers
    total += await new Promise<number>((resolve, reject) => {
      let n = 0;
      const z = createDeflateRaw({ level: 1 });
      z.on("data", (c: Buffer) => { n += c.length; });
      z.on("end", () => resolve(Math.min(n, f.size)));
      z.on("error", reject);
      createReadStream(path.join(root, f.path)).on("error", reject).pipe(z);
    });
  }
  return total;
}

/**
 * Validates every argument (property-level failures naming the fix), skips work on unknown values, computes
 * the diff key with `hashSource` (never zips), runs the preflight and says which files changed.
 */
export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  const failures: PreflightFailure[] = [];
  const raw: Record<string, unknown> = {};
  const unknown = new Set<string>();
  for (const key of INPUT_KEYS) {
    if (news[key] === undefined || news[key] === null) continue;
    if (isUnknown(news[key])) unknown.add(key);
    else raw[key] = news[key];
  }

  const parsed = FunctionInputsSchema.safeParse(raw);
  let inputs: Record<string, unknown> = { ...raw };
  if (parsed.success) {
    inputs = { ...parsed.data };
  } else {
    for (const issue of parsed.error.issues) {
      const property = String(issue.path[0] ?? "");
      if (unknown.has(property)) continue; // a value not known yet cannot be judged in this preview
      failures.push({ property, reason: issue.message });
    }
    // Keep defaults for what did validate, so the preview still shows them.
    const partial = FunctionInputsFields.partial().safeParse(raw);
    if (partial.success) inputs = { ...raw, ...partial.data };
  }
  for (const key of unknown) inputs[key] = UNKNOWN;
  const known = (...keys: string[]) => keys.every((k) => !unknown.has(k));
  const valid = (...keys: string[]) => keys.every((k) => !failures.some((f) => f.property === k));

  // Target: the region and project are part of the function's identity, so they are resolved now and kept.
  if (known("region", "projectId", "endpoint") && valid("region", "projectId", "endpoint")) {
    try {
      const target = targetOf(inputs as Partial<FunctionInputs>);
      inputs.region = target.region;
      inputs.projectId = target.projectId;
    } catch (err) {
      if (!(err instanceof ConfigurationError)) throw err;
      failures.push(...failuresFromConfiguration(err));
    }
  }

  // Source: hash (never zip), preflight, changed files.
  if (known("sourceDir", "exclude", "useIgnoreFiles") && typeof inputs.sourceDir === "string" && valid("sourceDir", "exclude", "useIgnoreFiles")) {
    const dir = inputs.sourceDir;
    try {
      const root = sourcePath(dir);
      // The stat-stamp cache makes an unchanged tree cheap to re-hash on every preview (FGS_HASH_CACHE=0: off).
      const hash = await hashSource(root, {
        exclude: inputs.exclude as string[] | undefined,
        useIgnoreFiles: inputs.useIgnoreFiles as boolean,
        hashCache: process.env.FGS_HASH_CACHE !== "0",
      });
      const bytes = hash.files.reduce((n, f) => n + f.size, 0);
      if (known("runtime", "handler") && valid("runtime", "handler")) {
        failures.push(...checkHandler(String(inputs.runtime), String(inputs.handler), hash.files));
      }
      const unchanged = olds.sourceSha512 === hash.sourceSha512 && typeof olds.sourceFingerprint === "string";
      const estimate = !unchanged && bytes > codeUploadLimit() ? await estimateZipBytes(root, hash.files) : undefined;
      failures.push(...checkSize(bytes, estimate));
      const tracked: TrackedInputs = {
        sourceSha512: hash.sourceSha512,
        fileCount: hash.files.length,
        sourceBytes: bytes,
        sourceFingerprint: unchanged ? (olds.sourceFingerprint as string) : fingerprintSource(hash.files),
      };
      if (!unchanged) {
        const changes = compareWithFingerprint(olds.sourceFingerprint as string | undefined, hash.files);
        if (changes) tracked.sourceChanges = describeChanges(changes);
      }
      Object.assign(inputs, tracked);
    } catch (err) {
      failures.push(packagingFailure(err, inputs as Partial<FunctionInputs>));
    }
  } else if (!known("sourceDir", "exclude", "useIgnoreFiles")) {
    Object.assign(inputs, { sourceSha512: UNKNOWN, fileCount: UNKNOWN, sourceBytes: UNKNOWN, sourceFingerprint: UNKNOWN });
  }

  return { inputs: dropUndefined(inputs), failures };
}

// ------------------------------------------------------------------------------------------------- diff

/** What differs between the recorded outputs and the checked inputs (`changes`, `replaces`). */
function plannedChanges(olds: Partial<FunctionOutputs>, news: Record<string, unknown>): { replaces: string[]; changes: string[] } {
  const replaces: string[] = [];
  const changes: string[] = [];
  for (const key of REPLACE_KEYS) {
    // Not known in this preview: it is computed from a resource that changes, so it most likely changes too —
    // show the replacement `up` will make rather than an update (Terraform-bridged providers do the same).
    if (isUnknown(news[key])) (olds[key] !== undefined ? replaces : changes).push(key);
    else if (olds[key] !== undefined && news[key] !== undefined && olds[key] !== news[key]) replaces.push(key);
  }
  for (const key of SETTING_KEYS) {
    if (isUnknown(news[key])) changes.push(key);
    else if (!sameSetting(key, news[key], olds[key])) changes.push(key);
  }
  if (isUnknown(news.sourceSha512) || news.sourceSha512 !== olds.sourceSha512) changes.push("sourceSha512");
  // Both ways: turning it off must rewrite `version` to `latest` (and the recorded flag), which only an update does.
  if (isUnknown(news.publishVersion) || (news.publishVersion === true) !== (olds.publishVersion === true)) changes.push("publishVersion");
  // A resource-level endpoint is recorded in the outputs: refresh and delete only get the outputs.
  if (isUnknown(news.endpoint) || (news.endpoint ?? undefined) !== (olds.endpoint ?? undefined)) changes.push("endpoint");
  if (olds.incomplete) changes.push("incomplete");
  return { replaces, changes };
}

/** What the live function differs in from the recorded outputs: `code`, settings, or `deleted`. */
function driftOf(olds: Partial<FunctionOutputs>, live: FunctionModel | undefined): string[] {
  if (!live) return ["deleted"];
  const drift: string[] = [];
  const expected = olds.expectedDigest ?? olds.digest;
  if (expected && live.digest && live.digest !== expected) drift.push("code");
  const liveSettings = modelOutputs(live);
  drift.push(...settingChanges(olds, liveSettings).filter((k) => olds[k as keyof FunctionOutputs] !== undefined || k === "environment" || k === "description"));
  return drift;
}

/**
 * Replaces on identity changes (delete before replace: the name is unique); changes when the source hash or a
 * setting differs. With `driftCheck`, one GET compares the live function with the recorded one.
 */
export async function diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
  const old = olds as Partial<FunctionOutputs>;
  const { replaces, changes } = plannedChanges(old, news);
  // Drift recorded by a refresh (digest read back differs from ours) is a change by itself.
  if (old.expectedDigest && old.digest && old.digest !== old.expectedDigest) changes.push("digest");
  if (replaces.length === 0 && news.driftCheck !== false && !isUnknown(news.driftCheck) && id && !old.incomplete) {
    try {
      const client = clientFor(targetOf({ ...old, endpoint: isUnknown(news.endpoint) ? undefined : news.endpoint as string | undefined }));
      const drift = driftOf(old, await findFunction(client, old.funcUrn ?? id));
      if (drift.length > 0) {
        progress(`${old.funcName}: changed outside Pulumi (${drift.join(", ")}); this update will restore it`);
        if (drift.includes("deleted")) replaces.push("funcName");
        else changes.push("drift");
      }
    } catch (err) {
      progress(`${old.funcName}: drift check skipped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return {
    changes: replaces.length > 0 || changes.length > 0,
    replaces,
    deleteBeforeReplace: replaces.length > 0,
  };
}

// ----------------------------------------------------------------------------------------------- create

/**
 * Takes an existing function (same name) over, or refuses. Without `adopt`, only a function identical to what
 * this resource would create (same code digest and settings — e.g. created by an `up` that was interrupted
 * before it could record it) is taken over silently.
 */
async function takeOver(
  client: FunctionGraphClient, inputs: CheckedInputs, pkg: PackagedSource, existing: FunctionModel,
): Promise<FunctionModel> {
  const urn = normalizeUrn(existing.func_urn);
  const identical = existing.digest === pkg.zipSha512 &&
    settingChanges(settingsOutputs(inputs), modelOutputs(existing)).length === 0;
  if (!inputs.adopt && !identical) {
    throw new Error(`funcName: a function named '${inputs.funcName}' already exists in app '${inputs.package}' (FSS.1061 The function has existed). ` +
      "Set `adopt: true` to take it over (its code and settings will be replaced by this resource's), or choose another funcName.");
  }
  progress(`${inputs.funcName}: ${identical ? "found it already deployed with this exact code; recording it" : "adopting the existing function"}`);
  return converge(client, urn, inputs, pkg, existing);
}

/** Brings an existing function to the desired code and settings, writing only what differs. */
async function converge(
  client: FunctionGraphClient, urn: string, inputs: CheckedInputs, pkg: PackagedSource, live: FunctionModel,
): Promise<FunctionModel> {
  let model = live;
  if (live.digest !== pkg.zipSha512) {
    await uploadCode(urn, inputs, pkg);
    model = await client.getFunctionConfig(urn);
  }
  if (settingChanges(settingsOutputs(inputs), modelOutputs(model)).length > 0) {
    model = await client.updateFunctionConfig(urn, configRequest(inputs));
  }
  return model;
}

/** A tiny code zip for packages over the import limit: imported first, then replaced by `PUT …/code`. */
function placeholderCode(): Buffer {
  return writeStoredZip([{ name: "PLACEHOLDER.txt", data: Buffer.from("replaced by the real code upload\n") }]);
}

/**
 * Packages, imports (a placeholder first when the package is over the import limit, then `PUT …/code`),
 * handles an existing name (FSS.1061) and ambiguous failures, publishes a version when asked.
 */
export async function create(news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = news as unknown as CheckedInputs;
  const client = clientFor(targetOf(inputs));
  const pkg = await packageFor(inputs);
  const settings = importSettings(inputs);
  // The import package stores the code zip uncompressed, so a code zip over the limit needs no trial build
  // (building it would hold another copy of the zip plus its Base64 in memory for nothing).
  let imported = pkg.zip.length > SIZE_LIMITS.importPackage ? undefined : buildImportPackage(settings, pkg.zip);
  const viaPlaceholder = imported === undefined || imported.packageZip.length > SIZE_LIMITS.importPackage;
  if (viaPlaceholder || imported === undefined) {
    progress(`${inputs.funcName}: the package is over the ${formatBytes(SIZE_LIMITS.importPackage)} import limit; importing the settings first, then uploading the code`);
    imported = buildImportPackage(settings, placeholderCode());
  }
  const request = { ...imported.request, package: inputs.package };
  const importer = clientFor(targetOf(inputs), Math.ceil(imported.packageZip.length * 4 / 3));

  let landed: FunctionModel | undefined;
  let needsCode = viaPlaceholder;
  const start = performance.now();
  for (let attempt = 1; landed === undefined; attempt++) {
    try {
      landed = await importLimiter.run(() => importer.importFunction(request));
      progress(`${inputs.funcName}: imported (${formatBytes(imported.packageZip.length)}) in ${elapsed(start)}`);
    } catch (err) {
      if (isFgsError(err, 409, "FSS.1061")) {
        const existing = await client.getFunctionConfig(`${inputs.package}:${inputs.funcName}`);
        landed = await takeOver(client, inputs, pkg, existing);
        needsCode = false;
      } else if (isAmbiguous(err)) {
        // The import may have been applied: look before deciding (never import twice).
        const existing = await findFunction(client, `${inputs.package}:${inputs.funcName}`);
        if (!existing) {
          // Certainly not applied (the name is unique and absent): importing again is safe.
          if (attempt <= maxRetriesFromEnv()) {
            const delayMs = backoffDelay(attempt - 1, retryBaseDelayFromEnv());
            progress(`${inputs.funcName}: retrying the import in ${delayMs} ms (attempt ${attempt}): ${(err as Error).message}; the function does not exist`);
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            continue;
          }
          throw new Error(`${(err as Error).message}; the function does not exist, so nothing was created — run \`pulumi up\` again`);
        }
        progress(`${inputs.funcName}: the import's answer was lost but the function exists; finishing it`);
        landed = existing;
        needsCode = existing.digest !== pkg.zipSha512;
      } else {
        throw err;
      }
    }
  }
  let model: FunctionModel = landed;

  const urn = normalizeUrn(model.func_urn);
  // The plugin adds `__provider` to successful results only; the engine stores these properties as the outputs,
  // and Delete/Read (destroy, refresh) find the provider in the outputs: without it they fail to load it.
  const partial = (): Record<string, unknown> => ({
    ...outputsFrom(inputs, model, { zipSha512: pkg.zipSha512, incomplete: true }),
    ...(news.__provider !== undefined ? { __provider: news.__provider } : {}),
  });
  try {
    if (needsCode) {
      await uploadCode(urn, inputs, pkg);
      model = await client.getFunctionConfig(urn);
    }
    if (settingChanges(settingsOutputs(inputs), modelOutputs(model)).length > 0) {
      model = await client.updateFunctionConfig(urn, configRequest(inputs));
    }
    const version = inputs.publishVersion ? await publish(client, urn, model.digest ?? undefined) : "latest";
    const outs = outputsFrom(inputs, model, { zipSha512: pkg.zipSha512, expectedDigest: model.digest ?? undefined, version });
    return { id: urn, outs };
  } catch (err) {
    throw new PartialCreateError(urn, partial(), err);
  }
}

// ----------------------------------------------------------------------------------------------- update

/**
 * `PUT …/code` only when the source changed (or the live code drifted), `PUT …/config` only when settings
 * differ, then a version when `publishVersion` and something changed. Always returns complete outputs.
 */
export async function update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const old = olds as Partial<FunctionOutputs>;
  const inputs = news as unknown as CheckedInputs;
  const client = clientFor(targetOf(inputs));
  const urn = normalizeUrn(old.funcUrn ?? id);

  const live = await findFunction(client, urn);
  if (!live) {
    throw new Error(`the function ${urn} no longer exists (deleted outside Pulumi); run \`pulumi refresh\` then \`pulumi up\` to create it again`);
  }
  const expected = old.expectedDigest ?? old.digest;
  const codeChanged = old.sourceSha512 !== inputs.sourceSha512 || old.incomplete === true ||
    (expected !== undefined && live.digest !== expected);
  let model = live;
  let zipSha512 = old.zipSha512;
  if (codeChanged) {
    const pkg = await packageFor(inputs);
    zipSha512 = pkg.zipSha512;
    // Identical bytes are not uploaded again (e.g. an interrupted update that did land). If the service's
    // digest is not the zip's SHA512 [U], this always differs and the code is uploaded: the safe side.
    if (live.digest !== pkg.zipSha512) {
      await uploadCode(urn, inputs, pkg);
      model = await client.getFunctionConfig(urn);
    }
  }
  const configChanged = settingChanges(settingsOutputs(inputs), modelOutputs(model)).length > 0;
  if (configChanged) model = await client.updateFunctionConfig(urn, configRequest(inputs));

  let version = "latest";
  if (inputs.publishVersion) {
    const previous = old.publishVersion && old.version && old.version !== "latest" ? old.version : undefined;
    version = codeChanged || configChanged || !previous
      ? await publish(client, urn, model.digest ?? undefined, previous)
      : previous;
  }
  const outs = outputsFrom(inputs, model, { zipSha512: zipSha512 ?? "", expectedDigest: model.digest ?? undefined, version });
  return { outs };
}

// ------------------------------------------------------------------------------------------------- read

/**
 * Refresh: the live function. A digest different from the one this resource uploaded is kept as `digest` (the
 * drift shows in the refresh), and the next `up` uploads our code again. An absent function reads as gone.
 */
export async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const old = props as Partial<FunctionOutputs>;
  const client = clientFor(targetOf(old));
  const live = await findFunction(client, normalizeUrn(old.funcUrn ?? id));
  if (!live) return { id: "", props: {} };
  const outs = dropUndefined({ ...old, ...modelOutputs(live) });
  const drift = driftOf(old, live);
  if (drift.length > 0) progress(`${live.func_name}: differs from the last deployment (${drift.join(", ")})`);
  return { id: normalizeUrn(live.func_urn), props: outs };
}

// ----------------------------------------------------------------------------------------------- delete

/** Deletes the function with all its versions; an absent function is already deleted. */
export async function remove(id: string, props: Record<string, unknown>): Promise<void> {
  const old = props as Partial<FunctionOutputs>;
  const client = clientFor(targetOf(old));
  await client.deleteFunction(normalizeUrn(old.funcUrn ?? id));
  progress(`${old.funcName ?? id}: deleted`);
}

// -------------------------------------------------------------------------------------------- configure

/** Records the stack config (credentials, region, project, endpoint) for this plugin process. */
export async function configure(req: ConfigureRequest): Promise<void> {
  recordStackConfig(req);
}
