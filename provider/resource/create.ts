/**
 * `create`, read straight: the inputs → the package (its route to the service decided once, with the limits) →
 * one import (a placeholder first when the code goes through OBS or the package is over the import limit, then
 * `PUT …/code`) → the settings writes (one step, dedicated-calls.ts) → the outputs. The desired settings and each
 * model are read into outputs once. An existing name (FSS.1061) and ambiguous failures are handled at the import;
 * a create that got past the import but not to the end is reported as partially created.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  importPackage, normalizeUrn, retrying, SIZE_LIMITS,
  type FunctionGraphClient, type FunctionModel,
} from "../api";
import type { CheckedInputs } from "./inputs";
import { modelOutputs, outputsFrom, settingsOutputs, type FunctionOutputs } from "./outputs";
import { FunctionProgress } from "./progress";
import {
  clientOf, findFunction, isServiceError, packageFor, uploadCode, type PackagedCode,
} from "./service-steps";
import { publish } from "./version-room";
import { importLimiter } from "./limiter";
import { applySettings } from "./dedicated-calls";
import { changedKeys, CODE_READ_KEYS, configUpdate, importSettings, settingChanges } from "./settings";
import { ownPlaceholder, type OwnPlaceholder } from "./resume-create";
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

/** What one create works from: the checked inputs, their desired settings as outputs, the package, its lines. */
interface CreateStep {
  readonly client: FunctionGraphClient;
  readonly inputs: CheckedInputs;
  /** `settingsOutputs(inputs)`, computed once. */
  readonly desired: Partial<FunctionOutputs>;
  readonly code: PackagedCode;
  readonly report: FunctionProgress;
}

/**
 * Takes an existing function (same name) over, or refuses. Without `adopt`, only a function identical to what
 * this resource would create (same code digest and settings — e.g. created by an `up` that was interrupted
 * before it could record it) is taken over silently.
 */
async function takeOver(step: CreateStep, existing: FunctionModel): Promise<FunctionModel> {
  const { inputs, desired, code, report } = step;
  const live = modelOutputs(existing);
  const identical = existing.digest === code.pkg.zipSha512 && settingChanges(desired, live).length === 0;
  if (!inputs.adopt && !identical) {
    throw new AdoptRefusedError("funcName", `funcName: a function named '${inputs.funcName}' already exists in app '${inputs.package}' (FSS.1061 The function has existed). ` +
      "Set `adopt: true` to take it over (its code and settings will be replaced by this resource's), or choose another funcName.");
  }
  report.say("%s", identical ? "found it already deployed with this exact code; recording it" : "adopting the existing function");
  return converge(step, normalizeUrn(existing.func_urn), existing, live);
}

/** Brings an existing function (`live`: its outputs) to the desired code and settings, writing only what differs. */
async function converge(step: CreateStep, urn: string, existing: FunctionModel, live: Partial<FunctionOutputs>): Promise<FunctionModel> {
  const { client, inputs, desired, code, report } = step;
  let model = existing;
  let outputs = live;
  if (existing.digest !== code.pkg.zipSha512 || changedKeys(CODE_READ_KEYS, desired, live).length > 0) {
    await uploadCode(client, urn, inputs, code, report);
    model = await client.getFunctionConfig(urn);
    outputs = modelOutputs(model);
  }
  const request = configUpdate(inputs, desired, outputs);
  return request ? client.updateFunctionConfig(urn, request) : model;
}

/**
 * Imports the function once, deciding the two paths in one place: the code inline in the import package, or —
 * for code through OBS (obs-code.ts) or a package over the import limit — a placeholder first, marked as this
 * create's own (resume-create.ts), the code uploaded after. The import package stores the code zip uncompressed
 * and is streamed from the package's spool (import-package.ts), never held whole. An existing name (FSS.1061) is
 * this create's own half-finished placeholder (finished) or taken over; after an ambiguous failure the function
 * is looked up before anything is imported again. Returns the model and whether the code is still to upload.
 */
async function importOnce(step: CreateStep): Promise<{ model: FunctionModel; needsCode: boolean }> {
  const { client, inputs, code, report } = step;
  const settings = importSettings(inputs);
  const direct = importPackage(settings, code.pkg);
  const viaPlaceholder = code.route.viaObs || direct.size > SIZE_LIMITS.importPackage;
  if (viaPlaceholder) {
    report.say("the package is over the %b import limit; importing the settings first, then uploading the code", SIZE_LIMITS.importPackage);
  }
  // Made when needed: to import it, or to recognise a function an interrupted create of this one left.
  let placeholder: OwnPlaceholder | undefined;
  const own = (): OwnPlaceholder => (placeholder ??= ownPlaceholder(inputs, code.pkg));
  const imported = viaPlaceholder ? importPackage(settings, own().zip) : direct;

  let landed: FunctionModel | undefined;
  // Dependencies travel with the code: `PUT …/code` is the only call that carries them.
  let needsCode = viaPlaceholder || (inputs.dependencies?.length ?? 0) > 0;
  const start = performance.now();
  const retryLine = (attempt: number, delayMs: number, reason: string) => report.say("retrying the import in %s ms (attempt %s): %s", delayMs, attempt, reason);
  await retrying({ onRetry: retryLine }, async () => {
    try {
      landed = await importLimiter.run(() => client.importFunctionPackage(imported, inputs.package));
      report.say("imported (%b) in %t", imported.size, start);
    } catch (err) {
      if (isServiceError(err, 409, "FSS.1061")) {
        const existing = await client.getFunctionConfig(`${inputs.package}:${inputs.funcName}`);
        if (own().isOwnHalfFinished(existing)) {
          report.say("found the placeholder an interrupted create of this function left; finishing it");
          landed = existing;
          needsCode = true;
        } else {
          landed = await takeOver(step, existing);
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
        report.say("the import's answer was lost but the function exists; finishing it");
        landed = existing;
        needsCode = existing.digest !== code.pkg.zipSha512;
      } else {
        throw err;
      }
    }
  });
  return { model: landed!, needsCode };
}

/**
 * Packages, imports once, uploads the code when the import did not carry it, applies the settings, publishes a
 * version when asked (see the module doc).
 */
export async function create(news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = news as unknown as CheckedInputs;
  const report = new FunctionProgress(inputs.funcName);
  const client = clientOf(inputs);
  const code = await packageFor(inputs, report);
  const step: CreateStep = { client, inputs, desired: settingsOutputs(inputs), code, report };
  const landed = await importOnce(step);
  let model = landed.model;

  const urn = normalizeUrn(model.func_urn);
  // The plugin adds `__provider` to successful results only; the engine stores these properties as the outputs,
  // and Delete/Read (destroy, refresh) find the provider in the outputs: without it they fail to load it.
  const partial = (): Record<string, unknown> => ({
    ...outputsFrom(model, step.desired, urn, { ...code.outputs, incomplete: true }),
    ...(news.__provider !== undefined ? { __provider: news.__provider } : {}),
  });
  try {
    if (landed.needsCode) {
      await uploadCode(client, urn, inputs, code, report);
      model = await client.getFunctionConfig(urn);
    }
    const settings = await applySettings(client, urn, inputs, step.desired, model, undefined, report, (m) => { model = m; });
    model = settings.model;
    // The import's answer (seed 000) lacks what `GET …/config` adds (func_id, type): read it once, so the create
    // records the same outputs a refresh reads, and the first refresh changes nothing.
    if (model.func_id === undefined) model = await client.getFunctionConfig(urn);
    const version = inputs.publishVersion ? await publish(client, urn, model.digest ?? undefined) : "latest";
    const outs = outputsFrom(model, step.desired, urn, { ...code.outputs, expectedDigest: model.digest ?? undefined, version, tags: settings.tags });
    return { id: urn, outs };
  } catch (err) {
    throw new PartialCreateError(urn, partial(), err);
  }
}
