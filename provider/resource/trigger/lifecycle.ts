/**
 * The `Trigger` resource's lifecycle, loaded by its shim in the plugin process. `check` validates the event data
 * per type (the rules the emulator shares); `diff` replaces on a new function, type or event data (deleted
 * first: the service refuses a duplicate timer name or API route) and updates a status in place; `create`
 * adopts or records an identical existing trigger and looks before repeating after an ambiguous failure;
 * `update` is one `PUT` of the status.
 */
import { isDeepStrictEqual } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import type { CompanionClient } from "../../api/companion-client";
import { eventDataProblems, publicEventData, triggerIdentity, type TriggerModel } from "../../api/trigger-schemas";
import {
  replacesAndChanges, checkResult, companionClient, dropUndefined, isAmbiguousFailure, isServiceError, isUnknown, messageOf, parseInputs, progress,
  recordStackConfig, resolveTargetInto, type ConfigureRequest,
} from "../companion/common";
import { TRIGGER, type TriggerInputs, type TriggerOutputs } from "./inputs";
import { AdoptRefusedError, DeletedOutsideError, NotCreatedError } from "../errors";

/** Types the service lets you disable. */
const DISABLEABLE = ["TIMER", "DDS", "DMS", "KAFKA", "LTS"];

/** Records the stack config for this plugin process. */
export async function configure(req: ConfigureRequest): Promise<void> {
  recordStackConfig(req);
}

/** Validates the arguments; the event data per type, the status per type; resolves the target. */
export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  const { inputs, unknown, failures } = parseInputs(TRIGGER.fields, news);
  const valid = (k: string) => !unknown.has(k) && !failures.some((f) => f.property === k);
  if (valid("type") && valid("eventData")) {
    for (const p of eventDataProblems(String(inputs.type), inputs.eventData)) {
      failures.push({ property: "eventData", reason: `${p.path ? `${p.path}: ` : ""}${p.message}` });
    }
  }
  if (valid("type") && valid("status") && inputs.status === "DISABLED" && !DISABLEABLE.includes(String(inputs.type))) {
    failures.push({ property: "status", reason: `a ${String(inputs.type)} trigger cannot be disabled (only ${DISABLEABLE.join(", ")} triggers can); delete it instead` });
  }
  if (typeof inputs.functionUrn === "string") inputs.functionUrn = inputs.functionUrn.replace(/:latest$/, "");
  resolveTargetInto(inputs, unknown, failures);
  return checkResult(inputs, failures);
}

/** The live trigger differs from the recorded one in: `deleted`, `status`, `eventData` (the keys we set). */
export function triggerDrift(old: Partial<TriggerOutputs>, live: TriggerModel | undefined): string[] {
  if (!live) return ["deleted"];
  const drift: string[] = [];
  if (old.status && live.trigger_status !== old.status) drift.push("status");
  const wanted = publicEventData(old.eventData ?? {});
  const got = live.event_data ?? {};
  if (Object.entries(wanted).some(([k, v]) => !isDeepStrictEqual(got[k], v))) drift.push("eventData");
  return drift;
}

function outputsOf(inputs: TriggerInputs, live: TriggerModel): TriggerOutputs {
  return dropUndefined({
    ...inputs,
    triggerId: live.trigger_id,
    status: (live.trigger_status as TriggerOutputs["status"]) ?? inputs.status,
    liveEventData: live.event_data ?? {},
    createdTime: live.created_time ?? undefined,
    lastUpdatedTime: live.last_updated_time ?? undefined,
  }) as TriggerOutputs; // `check` resolved the target: region and project are there
}

/** Replaces on a new function, type or event data; status, flags and endpoint change in place; drift by one GET. */
export async function diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
  const old = olds as Partial<TriggerOutputs>;
  const { replaces, changes } = replacesAndChanges(olds, news, TRIGGER.replaceKeys, TRIGGER.inPlaceKeys);
  if (replaces.length === 0 && news.driftCheck !== false && id && old.functionUrn && old.type) {
    // A failed read fails the preview (as the Function's drift check, diff.ts).
    const client = companionClient({ ...old, endpoint: isUnknown(news.endpoint) ? undefined : news.endpoint as string | undefined });
    const drift = triggerDrift(old, await client.findTrigger(old.functionUrn, old.type, id));
    if (drift.length > 0) {
      progress(`trigger ${id}: changed outside Pulumi (${drift.join(", ")}); this update will restore it`);
      if (drift.includes("deleted") || drift.includes("eventData")) replaces.push("eventData");
      else changes.push("drift");
    }
  }
  return {
    changes: replaces.length > 0 || changes.length > 0, replaces, deleteBeforeReplace: replaces.length > 0,
    // Not forwarded by the plugin (3.276); kept for one that does. An update only changes the status.
    stables: replaces.length > 0 ? [] : TRIGGER.stableKeys,
  };
}

/** The trigger of the function with the same identity (timer name, API route…) or, without one, the same event data. */
async function findSame(client: CompanionClient, inputs: TriggerInputs): Promise<TriggerModel | undefined> {
  const mine = triggerIdentity(inputs.type, inputs.eventData);
  const wanted = publicEventData(inputs.eventData);
  return (await client.listTriggers(inputs.functionUrn)).find((t) => {
    if (t.trigger_type_code !== inputs.type) return false;
    if (mine) return isDeepStrictEqual(triggerIdentity(t.trigger_type_code, t.event_data ?? {}), mine);
    return Object.entries(wanted).every(([k, v]) => isDeepStrictEqual((t.event_data ?? {})[k], v));
  });
}

/** Brings an existing trigger to the wanted status (one PUT when it differs). */
async function converge(client: CompanionClient, inputs: TriggerInputs, live: TriggerModel): Promise<TriggerModel> {
  if (live.trigger_status === inputs.status) return live;
  return client.updateTrigger(inputs.functionUrn, inputs.type, live.trigger_id, { trigger_status: inputs.status });
}

/** Creates the trigger (or adopts/records an existing one); never creates twice after a lost answer. */
export async function create(news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = news as unknown as TriggerInputs;
  const client = companionClient(inputs);
  const label = `${inputs.type} trigger on ${inputs.functionUrn.split(":").slice(5).join(":")}`;
  if (inputs.adopt) {
    const existing = await findSame(client, inputs);
    if (existing) {
      progress(`${label}: adopting the existing trigger ${existing.trigger_id}`);
      const live = await converge(client, inputs, existing);
      return { id: live.trigger_id, outs: outputsOf(inputs, live) };
    }
  }
  let live: TriggerModel;
  try {
    live = await client.createTrigger(inputs.functionUrn, {
      trigger_type_code: inputs.type, trigger_status: inputs.status, event_data: inputs.eventData,
    });
    progress(`${label}: created ${live.trigger_id}`);
  } catch (err) {
    if (isServiceError(err, 409)) {
      const existing = await findSame(client, inputs);
      const identical = existing && triggerDrift({ status: inputs.status, eventData: inputs.eventData }, existing).length === 0;
      if (!existing || !identical) {
        throw new AdoptRefusedError("eventData", `eventData: ${label} already exists with other settings (${messageOf(err)}). ` +
          "Set `adopt: true` to take it over, or change the timer name / API route.");
      }
      progress(`${label}: found it already created with these settings; recording it`);
      live = existing;
    } else if (isAmbiguousFailure(err)) {
      const existing = await findSame(client, inputs);
      if (!existing) throw new NotCreatedError(`${messageOf(err)}; the trigger does not exist, so nothing was created — run \`pulumi up\` again`, err);
      progress(`${label}: the create's answer was lost but the trigger exists; recording it`);
      live = await converge(client, inputs, existing);
    } else {
      throw err;
    }
  }
  return { id: live.trigger_id, outs: outputsOf(inputs, live) };
}

/** Refresh: the live trigger (gone when deleted outside Pulumi). */
export async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const old = props as Partial<TriggerOutputs>;
  if (!old.functionUrn || !old.type) return { id, props };
  const live = await companionClient(old).findTrigger(old.functionUrn, old.type, id);
  if (!live) return { id: "", props: {} };
  const drift = triggerDrift(old, live);
  if (drift.length > 0) progress(`trigger ${id}: differs from the last deployment (${drift.join(", ")})`);
  return {
    id,
    props: dropUndefined({
      ...old, status: live.trigger_status, liveEventData: live.event_data ?? {},
      createdTime: live.created_time ?? undefined, lastUpdatedTime: live.last_updated_time ?? undefined,
    }),
  };
}

/** One `PUT` of the status when the live status differs from the wanted one; nothing else changes in place. */
export async function update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const inputs = news as unknown as TriggerInputs;
  const old = olds as Partial<TriggerOutputs>;
  const client = companionClient(inputs);
  const live = await client.findTrigger(inputs.functionUrn, inputs.type, id);
  if (!live) throw new DeletedOutsideError(`the trigger ${id} no longer exists (deleted outside Pulumi); run \`pulumi refresh\` then \`pulumi up\` to create it again`);
  const after = await converge(client, inputs, live);
  if (after !== live) progress(`trigger ${id}: ${old.status ?? live.trigger_status} → ${inputs.status}`);
  return { outs: outputsOf(inputs, after) };
}

/** Deletes the trigger; an absent trigger (or function) is already deleted. */
export async function remove(id: string, props: Record<string, unknown>): Promise<void> {
  const old = props as Partial<TriggerOutputs>;
  if (!old.functionUrn || !old.type) return;
  await companionClient(old).deleteTrigger(old.functionUrn, old.type, id);
  progress(`trigger ${id}: deleted`);
}
