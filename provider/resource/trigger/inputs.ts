/**
 * The `Trigger` resource's inputs and outputs as schemas and types: what `check` accepts (messages name the
 * fix) and what the state holds.
 */
import { z } from "zod";
import { PROJECT_ID_PATTERN, REGION_PATTERN } from "../../api/constraints";
import { TRIGGER_STATUSES, TRIGGER_TYPES, type TriggerStatus, type TriggerType } from "../../api/trigger-schemas";

/** Defaults of the optional arguments. */
export const TRIGGER_DEFAULTS = { status: "ACTIVE", adopt: false, driftCheck: true } as const;

/** The user-facing arguments. */
export const TriggerInputsFields = z.object({
  functionUrn: z.string({ message: "required: the function's URN (e.g. fn.funcUrn, or a version/alias URN)" })
    .regex(/^urn:fss:[^:]+:[^:]+:function:[^:]+:[^:]+(:[^:]+)?$/, {
      message: "must be a function URN: urn:fss:<region>:<project>:function:<app>:<name>[:<version>|:!<alias>] (use fn.funcUrn)",
    }),
  type: z.enum(TRIGGER_TYPES, { message: `required: one of ${TRIGGER_TYPES.join(", ")}` }),
  status: z.enum(TRIGGER_STATUSES, { message: "must be ACTIVE or DISABLED" }).default(TRIGGER_DEFAULTS.status),
  eventData: z.record(z.string(), z.unknown(), { message: "required: an object with the service's event_data keys for this type" }),
  adopt: z.boolean({ message: "must be true or false" }).default(TRIGGER_DEFAULTS.adopt),
  driftCheck: z.boolean({ message: "must be true or false" }).default(TRIGGER_DEFAULTS.driftCheck),
  region: z.string().regex(REGION_PATTERN, { message: "must be a region name like 'cn-north-4'" }).optional(),
  projectId: z.string().regex(PROJECT_ID_PATTERN, { message: "must be the 32-character project id" }).optional(),
  endpoint: z.string().url({ message: "must be an absolute http(s) URL" }).optional(),
});

/** Checked inputs. */
export interface TriggerInputs {
  functionUrn: string;
  type: TriggerType;
  status: TriggerStatus;
  eventData: Record<string, unknown>;
  adopt: boolean;
  driftCheck: boolean;
  region?: string;
  projectId?: string;
  endpoint?: string;
}

/** The outputs in state. */
export interface TriggerOutputs extends TriggerInputs {
  triggerId: string;
  /** The event data as the service reports it (server-added keys such as an APIG trigger's `invoke_url`; never passwords). */
  liveEventData: Record<string, unknown>;
  createdTime?: string;
  lastUpdatedTime?: string;
}

/** Output names the `Trigger` class declares. */
export const TRIGGER_OUTPUT_KEYS = [
  "triggerId", "functionUrn", "type", "status", "eventData", "liveEventData", "createdTime", "lastUpdatedTime",
  "adopt", "driftCheck", "region", "projectId", "endpoint",
] as const;
