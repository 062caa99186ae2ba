/**
 * `check`, what runs on every preview: argument validation, the diff key, the preflight, the changed files.
 */
import type * as pulumi from "@pulumi/pulumi";
import { hashSource, isPackagingError, listSource, type SourceHash } from "../package";
import { isUnknown, UNKNOWN } from "./defaults";
import { FunctionInputsSchema, type FunctionInputs } from "./inputs";
import type { TrackedInputs } from "./outputs";
import { checkResult, parseInputs, resolveTargetInto } from "./check-inputs";
import { knownOutputs } from "../api/property-derivations";
import { crossFieldFailures } from "./cross-rules";
import { checkHandler, checkHookHandler, checkSize, type PreflightFailure } from "./preflight";
import { hashCacheSetting, sourcePath, targetOf } from "./service-steps";
import { compareWithFingerprint, describeChanges, fingerprintSource } from "./source-changes";
import { checkObsCode, type ObsCodeInputs } from "./obs-code";

/** The diff key of a custom-image function (it has no source to hash). */
export const IMAGE_SOURCE = "custom-image";

/** Hook handlers whose file must be in the package, like the handler's. */
const HOOK_HANDLERS = ["initializerHandler", "preStopHandler", "heartbeatHandler", "restoreHookHandler"] as const;

function packagingFailure(err: unknown, inputs: Partial<FunctionInputs>): PreflightFailure {
  if (isPackagingError(err)) {
    const property = err.code === "EMPTY_AFTER_EXCLUDES" && (inputs.exclude?.length ?? 0) > 0 ? "exclude" : "sourceDir";
    return { property, reason: err.message };
  }
  return { property: "sourceDir", reason: err instanceof Error ? err.message : String(err) };
}

/**
 * A create: no previous inputs at all (the engine passes none). A resource recorded by a create's check has
 * previous inputs without `sourceSha512`: it is hashed like any existing one, and the diff compares with the
 * recorded outputs, which carry the deployed hash.
 */
function isCreate(olds: Record<string, unknown>): boolean {
  return Object.keys(olds).every((k) => k === "__provider");
}

/** The diff key, counts, fingerprint and changed files of a hashed source, against the previous inputs. */
function trackedSource(olds: Record<string, unknown>, hash: SourceHash, bytes: number): TrackedInputs {
  // `__`: the engine keeps it but never displays it (an unreadable blob in `pulumi preview --diff`); stacks
  // recorded before the rename carry it as `sourceFingerprint`.
  const oldFingerprint = (olds.__sourceFingerprint ?? olds.sourceFingerprint) as string | undefined;
  const unchanged = olds.sourceSha512 === hash.sourceSha512 && typeof oldFingerprint === "string";
  const tracked: TrackedInputs = {
    sourceSha512: hash.sourceSha512,
    fileCount: hash.files.length,
    sourceBytes: bytes,
    __sourceFingerprint: unchanged ? oldFingerprint! : fingerprintSource(hash.files),
  };
  if (!unchanged) {
    const changes = compareWithFingerprint(oldFingerprint, hash.files);
    if (changes) tracked.sourceChanges = describeChanges(changes);
  }
  return tracked;
}

/**
 * Validates every argument (property-level failures naming the fix), skips work on unknown values, computes
 * the diff key with `hashSource` (never zips; a create only lists the files: `listSource`), runs the preflight
 * and says which files changed.
 */
export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  const { inputs, unknown, failures } = parseInputs(FunctionInputsSchema, news, false);
  const known = (...keys: string[]) => keys.every((k) => !unknown.has(k));
  const valid = (...keys: string[]) => keys.every((k) => !failures.some((f) => f.property === k));
  failures.push(...crossFieldFailures(inputs, (k) => !known(k) || !valid(k)));

  // Target: the region and project are part of the function's identity, so they are resolved now and kept.
  resolveTargetInto(inputs, unknown, failures);

  // Source: hash (never zip; a create lists), preflight, changed files. A custom image has no source.
  if (inputs.sourceDir === undefined && inputs.customImage !== undefined) {
    Object.assign(inputs, { sourceSha512: IMAGE_SOURCE, fileCount: 0, sourceBytes: 0, __sourceFingerprint: "" });
  } else if (known("sourceDir", "exclude", "useIgnoreFiles") && typeof inputs.sourceDir === "string" && valid("sourceDir", "exclude", "useIgnoreFiles")) {
    const dir = inputs.sourceDir;
    try {
      const root = sourcePath(dir);
      const options = { exclude: inputs.exclude as string[] | undefined, useIgnoreFiles: inputs.useIgnoreFiles as boolean };
      // A create has nothing to compare a hash with: the files are listed, not read, and the hash is the one
      // the deployment's packaging computes from the bytes it reads (service-steps.ts `packagedOutputs`).
      const hash = isCreate(olds) ? undefined : await hashSource(root, { ...options, hashCache: hashCacheSetting() });
      const files = (hash ?? listSource(root, options)).files;
      const bytes = files.reduce((n, f) => n + f.size, 0);
      if (known("runtime", "handler") && valid("runtime", "handler")) {
        // The handler file is read only when the code or the handler changed: an unchanged preview reads nothing more.
        const sameEntry = hash !== undefined && olds.sourceSha512 === hash.sourceSha512 && olds.handler === inputs.handler && olds.runtime === inputs.runtime;
        failures.push(...checkHandler(String(inputs.runtime), String(inputs.handler), files, sameEntry ? undefined : root));
      }
      for (const hook of HOOK_HANDLERS) {
        if (typeof inputs[hook] !== "string" || !known("runtime", hook) || !valid("runtime", hook)) continue;
        failures.push(...checkHookHandler(String(inputs.runtime), hook, inputs[hook] as string, files));
      }
      // Only the uncompressed total is checked here: the zip's own size is only known by building it, which
      // a preview never does; `packageFor` checks the real zip before anything is uploaded.
      failures.push(...checkSize(bytes));
      Object.assign(inputs, hash ? trackedSource(olds, hash, bytes) : { fileCount: files.length, sourceBytes: bytes });
    } catch (err) {
      failures.push(packagingFailure(err, inputs as Partial<FunctionInputs>));
    }
  } else if (!known("sourceDir", "exclude", "useIgnoreFiles")) {
    Object.assign(inputs, { sourceSha512: UNKNOWN, fileCount: UNKNOWN, sourceBytes: UNKNOWN, __sourceFingerprint: UNKNOWN });
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

  // Outputs already known from the arguments (the URN, `version` without publishing): recorded as inputs so
  // that a preview of an in-place update shows them, and what uses them (a Trigger's or Alias's functionUrn)
  // does not preview as replaced. Only with valid arguments: never a URN built from a refused name.
  if (failures.length === 0) Object.assign(inputs, knownOutputs(inputs, isUnknown));

  return checkResult(inputs, failures);
}
