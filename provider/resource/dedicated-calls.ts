/**
 * The settings applied with their own calls rather than `PUT …/config`: tags (the tags API: exactly the tags
 * added, changed and removed), the most instances (`PUT …/config-max-instance`), async invocation
 * (`PUT …/async-invoke-config`) and reserved instances (`PUT …/{urn:qualifier}/reservedinstances`). Each writes
 * only when the live value differs, so an unchanged stack still makes no write call.
 */
import { normalizeUrn, type FunctionGraphClient, type FunctionModel } from "../api";
import { reservedQualifier } from "../api/function-properties";
import { fromApiValue, row, sameValue, toApiValue } from "../api/property-derivations";
import type { CheckedInputs } from "./inputs";
import { writeLimiter } from "./limiter";
import { modelOutputs, type FunctionOutputs } from "./outputs";
import { progress } from "./progress";
import { changedKeys, MAX_INSTANCE_KEYS } from "./settings";

/**
 * `PUT …/config-max-instance` when the model differs from `maxInstanceNum` — or, when it is not set, from the
 * service's default (a removed limit is lifted); the model after.
 */
export async function applyMaxInstances(
  client: FunctionGraphClient, urn: string, inputs: CheckedInputs, model: FunctionModel,
): Promise<FunctionModel> {
  if (changedKeys(MAX_INSTANCE_KEYS, { maxInstanceNum: inputs.maxInstanceNum }, modelOutputs(model)).length === 0) return model;
  const wanted = inputs.maxInstanceNum ?? (row("maxInstanceNum").unset as number);
  const next = await writeLimiter.run(() => client.updateMaxInstanceConfig(urn, wanted));
  progress(`${inputs.funcName}: at most ${wanted} instances${inputs.maxInstanceNum === undefined ? " (the service's default)" : ""}`);
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
export async function applyTags(
  client: FunctionGraphClient, urn: string, funcName: string,
  desired: Record<string, string> | undefined, recorded: Record<string, string> | undefined,
): Promise<Record<string, string> | undefined> {
  if (!tagsManaged(desired, recorded)) return undefined;
  const want = desired ?? {};
  const live = await client.listTags(urn);
  const remove = Object.keys(live).filter((k) => !Object.hasOwn(want, k));
  const add = Object.fromEntries(Object.entries(want).filter(([k, v]) => !Object.hasOwn(live, k) || live[k] !== v));
  if (remove.length > 0) await writeLimiter.run(() => client.deleteTags(urn, remove));
  if (Object.keys(add).length > 0) await writeLimiter.run(() => client.createTags(urn, add));
  if (remove.length + Object.keys(add).length > 0) {
    progress(`${funcName}: tags ${Object.keys(add).length} set, ${remove.length} removed`);
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
export async function applyAsyncConfig(
  client: FunctionGraphClient, urn: string, inputs: CheckedInputs, recorded?: unknown,
): Promise<void> {
  if (inputs.asyncConfig === undefined && recorded === undefined) return;
  const live = await liveAsyncConfig(client, urn);
  if (sameValue("asyncConfig", inputs.asyncConfig, live)) return;
  if (inputs.asyncConfig === undefined) {
    await writeLimiter.run(() => client.deleteAsyncInvokeConfig(urn));
    progress(`${inputs.funcName}: async invocation settings removed`);
    return;
  }
  await writeLimiter.run(() => client.updateAsyncInvokeConfig(urn, toApiValue("asyncConfig", inputs.asyncConfig) as Record<string, unknown>));
  progress(`${inputs.funcName}: async invocation settings updated`);
}

type ReservedEntry = NonNullable<CheckedInputs["reservedInstances"]>[number];

/**
 * `PUT …/{urn:qualifier}/reservedinstances` for each entry whose live count differs or whose settings changed
 * since recorded; entries removed from the program are set to 0 instances.
 */
export async function applyReserved(
  client: FunctionGraphClient, urn: string, inputs: CheckedInputs, recorded: readonly ReservedEntry[] | undefined,
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
  if (writes.length > 0) progress(`${inputs.funcName}: reserved instances set for ${writes.length} qualifier(s)`);
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
