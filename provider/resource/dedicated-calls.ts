/**
 * The settings applied with their own calls rather than `PUT …/config`: tags (the tags API: exactly the tags
 * added, changed and removed) and the most instances (`PUT …/config-max-instance`). Each writes only when the
 * live value differs, so an unchanged stack still makes no write call.
 */
import type { FunctionGraphClient, FunctionModel } from "../api";
import type { CheckedInputs } from "./inputs";
import { writeLimiter } from "./limiter";
import { modelOutputs } from "./outputs";
import { progress } from "./progress";
import { changedKeys, MAX_INSTANCE_KEYS } from "./settings";

/** `PUT …/config-max-instance` when `maxInstanceNum` is set and differs from the model; the model after. */
export async function applyMaxInstances(
  client: FunctionGraphClient, urn: string, inputs: CheckedInputs, model: FunctionModel,
): Promise<FunctionModel> {
  if (inputs.maxInstanceNum === undefined) return model;
  if (changedKeys(MAX_INSTANCE_KEYS, { maxInstanceNum: inputs.maxInstanceNum }, modelOutputs(model)).length === 0) return model;
  const next = await writeLimiter.run(() => client.updateMaxInstanceConfig(urn, inputs.maxInstanceNum!));
  progress(`${inputs.funcName}: at most ${inputs.maxInstanceNum} instances`);
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
