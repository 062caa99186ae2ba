/**
 * The `Trigger` resource's table: each field described once — its type (the message names the fix), default,
 * and how a change is applied — with the target and switch rows `Function` has. The arguments, the schema
 * `check` parses, the outputs and the keys a diff compares are derived from it.
 */
import { z } from "zod";
import { SWITCH_PROPERTIES, TARGET_PROPERTIES } from "../../api/function-properties";
import {
  resourceKeysOf, type ArgValuesOf, type OutputValuesOf, type PropertyTable,
} from "../../api/property-derivations";
import { TRIGGER_STATUSES, TRIGGER_TYPES } from "../../api/trigger-schemas";

/** Every field of `Trigger`, once. */
export const TRIGGER_PROPERTIES = {
  functionUrn: {
    type: z.string({ message: "required: the function's URN (e.g. fn.funcUrn, or a version/alias URN)" })
      .regex(/^urn:fss:[^:]+:[^:]+:function:[^:]+:[^:]+(:[^:]+)?$/, {
        message: "must be a function URN: urn:fss:<region>:<project>:function:<app>:<name>[:<version>|:!<alias>] (use fn.funcUrn)",
      }),
    required: true, apply: "replace", clear: "defaulted",
    doc: "the function (or version / alias) URN, e.g. `fn.funcUrn`; changing it replaces the trigger",
  },
  type: {
    type: z.enum(TRIGGER_TYPES, { message: `required: one of ${TRIGGER_TYPES.join(", ")}` }),
    required: true, apply: "replace", clear: "defaulted",
    doc: "TIMER, APIG, OBS, SMN, LTS, KAFKA, DMS, RABBITMQ, CTS, DDS, DIS, …; changing it replaces the trigger",
  },
  status: {
    type: z.enum(TRIGGER_STATUSES, { message: "must be ACTIVE or DISABLED" }), default: "ACTIVE", apply: "update", clear: "defaulted",
    doc: "ACTIVE (default) or DISABLED; changed in place (only TIMER, DDS, DMS, KAFKA and LTS triggers can be disabled)",
  },
  eventData: {
    type: z.record(z.string(), z.unknown(), { message: "required: an object with the service's event_data keys for this type" }),
    required: true, apply: "replace", clear: "defaulted",
    doc: "the service's `event_data` for the type, e.g. TIMER `{ name, schedule_type: \"Rate\" | \"Cron\", schedule, user_event }`, " +
      "APIG `{ group_id, env_id, env_name, path, req_method, auth, protocol }`; validated at preview; changing it replaces the " +
      "trigger; passwords (`db_password`, `kafka_password`, `access_password`) are kept secret",
  },
  adopt: {
    ...SWITCH_PROPERTIES.adopt,
    doc: "take over an existing identical-identity trigger (same timer name, same API route…) instead of failing",
  },
  driftCheck: { ...SWITCH_PROPERTIES.driftCheck, doc: "on every preview, compare the live trigger with the recorded one (one GET)" },
  ...TARGET_PROPERTIES,
  triggerId: { type: z.string(), apply: "output", clear: "output", always: true, stable: true, doc: "the trigger's id" },
  liveEventData: {
    type: z.record(z.string(), z.unknown()), apply: "output", clear: "output", always: true, stable: true,
    doc: "the event data as the service reports it (adds e.g. `api_id`, `invoke_url` for APIG; never passwords)",
  },
  createdTime: { type: z.string(), apply: "output", clear: "output", stable: true, doc: "creation time" },
  lastUpdatedTime: { type: z.string(), apply: "output", clear: "output", doc: "last update time" },
} as const satisfies PropertyTable;

/** What `Trigger` derives from its table: the schema `check` parses, the keys a diff compares, the outputs. */
export const TRIGGER = resourceKeysOf(TRIGGER_PROPERTIES);

/** Checked inputs. */
export type TriggerInputs = ArgValuesOf<typeof TRIGGER_PROPERTIES>;

/** The outputs in state. */
export type TriggerOutputs = OutputValuesOf<typeof TRIGGER_PROPERTIES>;
