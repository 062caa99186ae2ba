/**
 * The emulator's stored shapes for what lives around a function: its triggers and aliases. Both are kept on
 * the function record (`FunctionRecord.triggers` / `.aliases`), so they persist with it in `state.json` and
 * disappear with it when the function is deleted. `allTriggers` is how an invoker finds timers and API
 * Gateway routes to fire.
 */
import type { Store } from "./store";

/** A trigger attached to a function (to its head, a version, or an alias: `qualifier`). */
export interface TriggerRecord {
  /** `trigger_id`: a UUID. */
  id: string;
  /** `trigger_type_code`: TIMER, APIG, OBS, … */
  type: string;
  /** `ACTIVE` or `DISABLED`. */
  status: "ACTIVE" | "DISABLED";
  /** `event_data` as given (passwords included; they are never rendered). */
  eventData: Record<string, unknown>;
  /** `latest`, a version name, or `!<alias>`: which URN the trigger was created on. */
  qualifier: string;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** A version alias: a name pointing at a version, optionally sharing traffic with one more. */
export interface AliasRecord {
  name: string;
  version: string;
  description: string;
  weights: Record<string, number>;
  strategy: Record<string, unknown>;
  lastModified: number;
}

/** A trigger with the function it belongs to (package and name), for invokers. */
export interface FunctionTrigger {
  package: string;
  functionName: string;
  trigger: TriggerRecord;
}

/** Every trigger of every function, in function creation order. */
export function allTriggers(store: Store): FunctionTrigger[] {
  return store.list().flatMap((f) => (f.triggers ?? []).map((t) => ({ package: f.package, functionName: f.name, trigger: t })));
}
