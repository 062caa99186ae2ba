/**
 * `create`: packages, imports (a placeholder first when the package is over the import limit, then
 * `PUT …/code`), handles an existing name (FSS.1061) and ambiguous failures, publishes a version when asked,
 * and reports a create that got past the import but not to the end as partially created.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  importPackage, normalizeUrn, retrying, SIZE_LIMITS,
  type FunctionGraphClient, type FunctionModel,
} from "../api";
import type { PackagedSource } from "../package";
import type { CheckedInputs } from "./inputs";
import { modelOutputs, settingsOutputs } from "./outputs";
import { elapsed, formatBytes, progress } from "./progress";
import {
  clientOf, findFunction, isServiceError, outputsFrom, packagedOutputs, packageFor, uploadCode,
} from "./service-steps";
import { publish } from "./version-room";
import { importLimiter } from "./limiter";
import { applyAsyncConfig, applyMaxInstances, applyReserved, applyTags } from "./dedicated-calls";
import { changedKeys, CODE_READ_KEYS, configUpdate, importSettings, settingChanges } from "./settings";
import { ownPlaceholder } from "./resume-create";
import { stagesInObs } from "./obs-code";
import { FgsError, isAmbiguousFailure } from "../errors";
import { AdoptRefusedError, NotCreatedError } from "./errors";

/** The resource's error for a create that got past the import: the engine records id + properties. */
class PartialCreateError extends FgsError {
  constructor(readonly id: string, readonly properties: Record<string, unknown>, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super("FGS_PARTIAL_CREATE", `the function ${id} was created but not finished (${reason}); the next \`pulumi up\` will finish it`, { retryable: true });
    this.name = "PartialCreateError";
  }
  get reasons(): string[] {
    return [this.message];
  }
}

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
    throw new AdoptRefusedError("funcName", `funcName: a function named '${inputs.funcName}' already exists in app '${inputs.package}' (FSS.1061 The function has existed). ` +
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
  if (live.digest !== pkg.zipSha512 || changedKeys(CODE_READ_KEYS, settingsOutputs(inputs), modelOutputs(live)).length > 0) {
    await uploadCode(client, urn, inputs, pkg);
    model = await client.getFunctionConfig(urn);
  }
  const request = configUpdate(inputs, model);
  return request ? client.updateFunctionConfig(urn, request) : model;
}

/**
 * Packages, imports (a placeholder first when the package is over the import limit, then `PUT …/code`),
 * handles an existing name (FSS.1061) and ambiguous failures, publishes a version when asked.
 */
export async function create(news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = news as unknown as CheckedInputs;
  const client = clientOf(inputs);
  const pkg = await packageFor(inputs);
  const settings = importSettings(inputs);
  // The import package stores the code zip uncompressed, and its size is known before anything is read: no trial
  // build. It is streamed from the package's spool (import-package.ts), never held whole.
  const direct = importPackage(settings, pkg);
  // Code through OBS (obs-code.ts) is never imported inline: the placeholder first, then `PUT …/code` from OBS.
  const viaPlaceholder = stagesInObs(inputs, pkg.size) || direct.size > SIZE_LIMITS.importPackage;
  if (viaPlaceholder) {
    progress(`${inputs.funcName}: the package is over the ${formatBytes(SIZE_LIMITS.importPackage)} import limit; importing the settings first, then uploading the code`);
  }
  // The placeholder is marked as this create's own, so a create that died after importing it is resumed.
  const placeholder = ownPlaceholder(inputs, pkg);
  const imported = viaPlaceholder ? importPackage(settings, placeholder.zip) : direct;

  let landed: FunctionModel | undefined;
  // Dependencies travel with the code: `PUT …/code` is the only call that carries them.
  let needsCode = viaPlaceholder || (inputs.dependencies?.length ?? 0) > 0;
  const start = performance.now();
  const retryLine = (attempt: number, delayMs: number, reason: string) => progress(`${inputs.funcName}: retrying the import in ${delayMs} ms (attempt ${attempt}): ${reason}`);
  await retrying({ onRetry: retryLine }, async () => {
    try {
      landed = await importLimiter.run(() => client.importFunctionPackage(imported, inputs.package));
      progress(`${inputs.funcName}: imported (${formatBytes(imported.size)}) in ${elapsed(start)}`);
    } catch (err) {
      if (isServiceError(err, 409, "FSS.1061")) {
        const existing = await client.getFunctionConfig(`${inputs.package}:${inputs.funcName}`);
        if (placeholder.isOwnHalfFinished(existing)) {
          progress(`${inputs.funcName}: found the placeholder an interrupted create of this function left; finishing it`);
          landed = existing;
          needsCode = true;
        } else {
          landed = await takeOver(client, inputs, pkg, existing);
          needsCode = false;
        }
      } else if (isAmbiguousFailure(err)) {
        // The import may have been applied: look before deciding (never import twice).
        const existing = await findFunction(client, `${inputs.package}:${inputs.funcName}`);
        if (!existing) {
          // Certainly not applied (the name is unique and absent): importing again is safe.
          return { retryLater: `${(err as Error).message}; the function does not exist`,
            error: new NotCreatedError(`${(err as Error).message}; the function does not exist, so nothing was created — run \`pulumi up\` again`, err) };
        }
        progress(`${inputs.funcName}: the import's answer was lost but the function exists; finishing it`);
        landed = existing;
        needsCode = existing.digest !== pkg.zipSha512;
      } else {
        throw err;
      }
    }
  });
  let model: FunctionModel = landed!;

  const urn = normalizeUrn(model.func_urn);
  // The plugin adds `__provider` to successful results only; the engine stores these properties as the outputs,
  // and Delete/Read (destroy, refresh) find the provider in the outputs: without it they fail to load it.
  const partial = (): Record<string, unknown> => ({
    ...outputsFrom(inputs, model, { ...packagedOutputs(inputs, pkg), zipSha512: pkg.zipSha512, incomplete: true }),
    ...(news.__provider !== undefined ? { __provider: news.__provider } : {}),
  });
  try {
    if (needsCode) {
      await uploadCode(client, urn, inputs, pkg);
      model = await client.getFunctionConfig(urn);
    }
    const request = configUpdate(inputs, model);
    if (request) model = await client.updateFunctionConfig(urn, request);
    model = await applyMaxInstances(client, urn, inputs, model);
    const tags = await applyTags(client, urn, inputs.funcName, inputs.tags, undefined);
    await applyAsyncConfig(client, urn, inputs);
    await applyReserved(client, urn, inputs, undefined);
    const version = inputs.publishVersion ? await publish(client, urn, model.digest ?? undefined) : "latest";
    const outs = outputsFrom(inputs, model, { ...packagedOutputs(inputs, pkg), zipSha512: pkg.zipSha512, expectedDigest: model.digest ?? undefined, version, tags });
    return { id: urn, outs };
  } catch (err) {
    throw new PartialCreateError(urn, partial(), err);
  }
}
