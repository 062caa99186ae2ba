/**
 * `check`, what runs on every preview: argument validation, the diff key, the preflight, the changed files.
 */
import { createReadStream } from "node:fs";
import * as path from "node:path";
import { createDeflateRaw } from "node:zlib";
import type * as pulumi from "@pulumi/pulumi";
import { ConfigurationError } from "../auth";
import { hashSource, isPackagingError, type SourceFile } from "../package";
import { isUnknown, UNKNOWN } from "./defaults";
import { FunctionInputsFields, FunctionInputsSchema, INPUT_KEYS, type FunctionInputs } from "./inputs";
import { dropUndefined, type TrackedInputs } from "./outputs";
import { checkHandler, checkSize, codeUploadLimit, type PreflightFailure } from "./preflight";
import { sourcePath, targetOf } from "./service-steps";
import { compareWithFingerprint, describeChanges, fingerprintSource } from "./source-changes";
import { checkObsCode, codeZipLimit, type ObsCodeInputs } from "./obs-code";

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
      failures.push(...checkSize(bytes, estimate, codeZipLimit(inputs as unknown as ObsCodeInputs)));
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

  // Code through OBS (obs-code.ts): its arguments, the bucket's region, a codeUrl's ETag as the diff key.
  if (known("codeUrl", "codeBucket", "codeStorage") && valid("codeUrl", "codeBucket", "codeStorage", "sourceDir")) {
    let target;
    try {
      target = targetOf(inputs as Partial<FunctionInputs>);
    } catch {
      target = undefined; // already reported above
    }
    const obs = await checkObsCode(olds, inputs as unknown as ObsCodeInputs, target);
    failures.push(...obs.failures);
    Object.assign(inputs, obs.tracked);
  }

  return { inputs: dropUndefined(inputs), failures };
}
