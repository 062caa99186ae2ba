/**
 * The settings writes after the code, as one step (`applySettings`) that owns their order: `PUT …/config` when
 * its body (settings.ts) differs, then the settings applied with their own calls rather than `PUT …/config`: tags (the tags API: exactly the tags
 * added, changed and removed), the most instances (`PUT …/config-max-instance`), async invocation
 * (`PUT …/async-invoke-config`) and reserved instances (`PUT …/{urn:qualifier}/reservedinstances`). Each writes
 * only when the live value differs, so an unchanged stack still makes no write call.
 */
import { normalizeUrn, type FunctionGraphClient, type FunctionModel } from "../api";
import { reservedQualifier } from "../api/function-properties";
import { changedNames, fromApiValue, row, sameValue, toApiValue } from "../api/property-derivations";
import type { CheckedInputs } from "./inputs";
import { writeLimiter } from "./limiter";
import { modelOutputs, type FunctionOutputs } from "./outputs";
import type { FunctionProgress } from "./progress";
import { configUpdate, MAX_INSTANCE_KEYS } from "./settings";

/** What the settings writes leave. */
export interface AppliedSettings {
  /** The model after them (`PUT …/config` and the max-instance call answer with it). */
  model: FunctionModel;
  /** The tags to record (undefined when unmanaged). */
  tags: Record<string, string> | undefined;
  /** Whether `PUT …/config` or the max-instance call wrote anything (what a published version would carry). */
  changed: boolean;
}

/**
 * Brings the function's settings to `desired` (`settingsOutputs` of `inputs`), in order — `PUT …/config`, the
 * most instances, tags, async invocation, reserved instances — each writing only what differs from `model` (read
 * into outputs once per model) or, for what the service does not return, from the outputs `recorded` before
 * (absent on create). `seen` gets each model a write returned, so that a create failing part-way records what
 * the service already has.
 */
export async function applySettings(
  client: FunctionGraphClient, urn: string, inputs: CheckedInputs, desired: Partial<FunctionOutputs>, model: FunctionModel,
  recorded: Partial<FunctionOutputs> | undefined, report: FunctionProgress, seen?: (model: FunctionModel) => void,
): Promise<AppliedSettings> {
  let current = model;
  let live = modelOutputs(current);
  const request = configUpdate(inputs, desired, live, recorded);
  if (request) {
    current = await client.updateFunctionConfig(urn, request);
    seen?.(current);
    live = modelOutputs(current);
  }
  const configured = current;
  current = await applyMaxInstances(client, urn, inputs, current, live, report);
  if (current !== configured) seen?.(current);
  const tags = await applyTags(client, urn, inputs.tags, recorded?.tags, report);
  await applyAsyncConfig(client, urn, inputs, recorded?.asyncConfig, report);
  await applyReserved(client, urn, inputs, recorded?.reservedInstances, report);
  return { model: current, tags, changed: request !== undefined || current !== configured };
}

/**
 * `PUT …/config-max-instance` when the model (`live`: read into outputs) differs from `maxInstanceNum` — or, when it is not set, from the
 * service's default (a removed limit is lifted); the model after.
 */
async function applyMaxInstances(
  client: FunctionGraphClient, urn: string, inputs: CheckedInputs, model: FunctionModel, live: Partial<FunctionOutputs>,
  report: FunctionProgress,
): Promise<FunctionModel> {
  if (changedNames(MAX_INSTANCE_KEYS, { maxInstanceNum: inputs.maxInstanceNum }, live).length === 0) return model;
  const wanted = inputs.maxInstanceNum ?? (row("maxInstanceNum").unset as number);
  const next = await writeLimiter.run(() => client.updateMaxInstanceConfig(urn, wanted));
  report.say("at most %s instances%s", wanted, inputs.maxInstanceNum === undefined ? " (the service's default)" : "");
  return next;
}

/** Whether tags are managed: given now, or recorded non-empty before (removing them all is a change). */
export function tagsManaged(desired: Record<string, string> | undefined, recorded: Record<string, string> | undefined): boolean {
  return desired !== undefined || Object.keys(recorded ?? {}).length > 0;
}

/**
 * Brings the live tags to `desired` (absent = none) when tags are managed: deletes the keys not wanted, creates
 * the ones missing or different. Returns the tags to record (undefined when unmanaged).
 */
async function applyTags(
  client: FunctionGraphClient, urn: string,
  desired: Record<string, string> | undefined, recorded: Record<string, string> | undefined, report: FunctionProgress,
): Promise<Record<string, string> | undefined> {
  if (!tagsManaged(desired, recorded)) return undefined;
  const want = desired ?? {};
  const live = await client.listTags(urn);
  const remove = Object.keys(live).filter((k) => !Object.hasOwn(want, k));
  const add = Object.fromEntries(Object.entries(want).filter(([k, v]) => !Object.hasOwn(live, k) || live[k] !== v));
  if (remove.length > 0) await writeLimiter.run(() => client.deleteTags(urn, remove));
  if (Object.keys(add).length > 0) await writeLimiter.run(() => client.createTags(urn, add));
  if (remove.length + Object.keys(add).length > 0) {
    report.say("tags %s set, %s removed", Object.keys(add).length, remove.length);
  }
  return { ...want };
}

/** The live async-invocation settings in argument shape (undefined when never set). */
async function liveAsyncConfig(client: FunctionGraphClient, urn: string): Promise<unknown> {
  return fromApiValue("asyncConfig", await client.getAsyncInvokeConfig(urn));
}

/**
 * `PUT …/async-invoke-config` when `asyncConfig` is set and differs from the live settings; `DELETE` when it was
 * recorded and is removed now (the service then has none). Nothing when it is neither set nor recorded.
 */
async function applyAsyncConfig(
  client: FunctionGraphClient, urn: string, inputs: CheckedInputs, recorded: unknown, report: FunctionProgress,
): Promise<void> {
  if (inputs.asyncConfig === undefined && recorded === undefined) return;
  const live = await liveAsyncConfig(client, urn);
  if (sameValue("asyncConfig", inputs.asyncConfig, live)) return;
  if (inputs.asyncConfig === undefined) {
    await writeLimiter.run(() => client.deleteAsyncInvokeConfig(urn));
    report.say("async invocation settings removed");
    return;
  }
  await writeLimiter.run(() => client.updateAsyncInvokeConfig(urn, toApiValue("asyncConfig", inputs.asyncConfig) as Record<string, unknown>));
  report.say("async invocation settings updated");
}

type ReservedEntry = NonNullable<CheckedInputs["reservedInstances"]>[number];

/**
 * `PUT …/{urn:qualifier}/reservedinstances` for each entry whose live count differs or whose settings changed
 * since recorded; entries removed from the program are set to 0 instances.
 */
async function applyReserved(
  client: FunctionGraphClient, urn: string, inputs: CheckedInputs, recorded: readonly ReservedEntry[] | undefined,
  report: FunctionProgress,
): Promise<void> {
  const desired = inputs.reservedInstances ?? [];
  if (desired.length === 0 && (recorded ?? []).length === 0) return;
  const base = normalizeUrn(urn);
  const live = await client.listReservedInstances(base);
  const before = new Map((recorded ?? []).map((e) => [reservedQualifier(e), e]));
  const wanted = new Set(desired.map(reservedQualifier));
  const writes: [string, Record<string, unknown>][] = [];
  for (const e of desired) {
    const q = reservedQualifier(e);
    const countDiffers = (live[`${base}:${q}`] ?? 0) !== e.count;
    if (countDiffers || !sameValue("reservedInstances", [e], [before.get(q)])) {
      writes.push([`${base}:${q}`, toApiValue("reservedInstances", e) as Record<string, unknown>]);
    }
  }
  for (const [q] of before) if (!wanted.has(q) && (live[`${base}:${q}`] ?? 0) !== 0) writes.push([`${base}:${q}`, { count: 0 }]);
  for (const [qualified, body] of writes) await writeLimiter.run(() => client.updateReservedInstances(qualified, body));
  if (writes.length > 0) report.say("reserved instances set for %s qualifier(s)", writes.length);
}

/** Drift in the settings behind their own APIs (one GET each, only when the resource manages them). */
export async function dedicatedDrift(
  client: FunctionGraphClient, urn: string, desired: Record<string, unknown>, olds: Partial<FunctionOutputs>,
): Promise<string[]> {
  const drift: string[] = [];
  if (olds.asyncConfig !== undefined && desired.asyncConfig !== undefined &&
    !sameValue("asyncConfig", olds.asyncConfig, await liveAsyncConfig(client, urn))) drift.push("asyncConfig");
  const recorded = olds.reservedInstances ?? [];
  if (recorded.length > 0) {
    const base = normalizeUrn(urn);
    const live = await client.listReservedInstances(base);
    if (recorded.some((e) => (live[`${base}:${reservedQualifier(e)}`] ?? 0) !== e.count)) drift.push("reservedInstances");
  }
  return drift;
}
