/**
 * The `Function` resource's lifecycle — check, diff, create, read, update, delete, configure — as the
 * dynamic-provider plugin calls it. Loaded by the serialized shim (provider.ts) with a plain `require`, so this
 * module and everything it imports run as ordinary modules in the plugin process and are never serialized
 * into state. Each step has its own file; read and delete are small enough to live here.
 *
 * Promises kept: an unchanged stack makes zero write calls; credentials are read at run time
 * (stack-config.ts) and never returned; a half-done create is reported as partially created (id +
 * properties) so the next `up` finishes it instead of importing a second time.
 */
import type * as pulumi from "@pulumi/pulumi";
import { normalizeUrn } from "../api";
import { dropUndefined, modelOutputs, type FunctionOutputs } from "./outputs";
import { progress } from "./progress";
import { clientFor, findFunction, targetOf } from "./service-steps";
import { tagsManaged } from "./dedicated-calls";
import { driftOf } from "./diff";
import { recordStackConfig, type ConfigureRequest } from "./stack-config";
import { recordObsStackConfig } from "./obs-code";

export { check } from "./check";
export { diff } from "./diff";
export { create } from "./create";
export { update } from "./update";
export { requestTimeoutMs } from "./service-steps";
export type { CheckedInputs } from "./inputs";

/**
 * Refresh: the live function. A digest different from the one this resource uploaded is kept as `digest` (the
 * drift shows in the refresh), and the next `up` uploads our code again. An absent function reads as gone.
 */
export async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const old = props as Partial<FunctionOutputs>;
  const client = clientFor(targetOf(old));
  const live = await findFunction(client, normalizeUrn(old.funcUrn ?? id));
  if (!live) return { id: "", props: {} };
  const liveTags = tagsManaged(undefined, old.tags) ? await client.listTags(normalizeUrn(live.func_urn)) : undefined;
  const outs = dropUndefined({ ...old, ...modelOutputs(live), ...(liveTags ? { tags: liveTags } : {}) });
  const drift = driftOf(old, live, liveTags);
  if (drift.length > 0) progress(`${live.func_name}: differs from the last deployment (${drift.join(", ")})`);
  return { id: normalizeUrn(live.func_urn), props: outs };
}


/** Deletes the function with all its versions; an absent function is already deleted. */
export async function remove(id: string, props: Record<string, unknown>): Promise<void> {
  const old = props as Partial<FunctionOutputs>;
  const client = clientFor(targetOf(old));
  await client.deleteFunction(normalizeUrn(old.funcUrn ?? id));
  progress(`${old.funcName ?? id}: deleted`);
}


/** Records the stack config (credentials, region, project, endpoint) for this plugin process. */
export async function configure(req: ConfigureRequest): Promise<void> {
  recordStackConfig(req);
  recordObsStackConfig(req);
}
