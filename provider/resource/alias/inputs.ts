/**
 * The `Alias` resource's inputs and outputs: the schema `check` parses (messages name the fix) and the state's
 * shape. Strategies use the service's own keys (`combine_type`, `rules[].rule_type/param/op/value`).
 */
import { z } from "zod";
import {
  ALIAS_DESCRIPTION_MAX, ALIAS_NAME_PATTERN, VersionStrategySchema, type VersionStrategy,
} from "../../api/alias-schemas";
import { PROJECT_ID_PATTERN, REGION_PATTERN } from "../../api/constraints";

/** The user-facing arguments. */
export const AliasInputsFields = z.object({
  functionUrn: z.string({ message: "required: the function's URN (fn.funcUrn)" })
    .regex(/^urn:fss:[^:]+:[^:]+:function:[^:]+:[^:]+(:latest)?$/, {
      message: "must be the function's URN without a version or alias: urn:fss:<region>:<project>:function:<app>:<name> (use fn.funcUrn)",
    }),
  name: z.string({ message: "required: the alias name" }).regex(ALIAS_NAME_PATTERN, {
    message: "must start with a letter and use at most 63 letters, digits, '_' or '-'",
  }).refine((n) => n !== "latest", { message: "'latest' is reserved for the function's head" }),
  version: z.string({ message: "required: the version the alias points at (e.g. fn.version, or 'latest')" }).min(1, { message: "must not be empty" }),
  description: z.string().max(ALIAS_DESCRIPTION_MAX, { message: `must be at most ${ALIAS_DESCRIPTION_MAX} characters` }).default(""),
  additionalVersionWeights: z.record(z.string(), z.number({ message: "each weight is a whole percentage 1-100" }).int({ message: "each weight is a whole percentage 1-100" })
    .min(1, { message: "each weight is a whole percentage 1-100" }).max(100, { message: "each weight is a whole percentage 1-100" }), {
    message: "must map a version to the percentage of traffic it gets, e.g. { v2: 10 }",
  }).default({}),
  additionalVersionStrategy: z.record(z.string(), VersionStrategySchema, {
    message: "must map a version to { combine_type: 'and'|'or', rules: [{ rule_type, param, op, value }] }",
  }).default({}),
  adopt: z.boolean({ message: "must be true or false" }).default(false),
  driftCheck: z.boolean({ message: "must be true or false" }).default(true),
  region: z.string().regex(REGION_PATTERN, { message: "must be a region name like 'cn-north-4'" }).optional(),
  projectId: z.string().regex(PROJECT_ID_PATTERN, { message: "must be the 32-character project id" }).optional(),
  endpoint: z.string().url({ message: "must be an absolute http(s) URL" }).optional(),
});

/** Checked inputs. */
export interface AliasInputs {
  functionUrn: string;
  name: string;
  version: string;
  description: string;
  additionalVersionWeights: Record<string, number>;
  additionalVersionStrategy: Record<string, VersionStrategy>;
  adopt: boolean;
  driftCheck: boolean;
  region?: string;
  projectId?: string;
  endpoint?: string;
}

/** The outputs in state. */
export interface AliasOutputs extends AliasInputs {
  aliasUrn: string;
  lastModified?: string;
}

/** The routing keys: each changes in place with the one update call. */
export const ROUTING_KEYS = ["version", "description", "additionalVersionWeights", "additionalVersionStrategy"] as const;

/** Output names the `Alias` class declares. */
export const ALIAS_OUTPUT_KEYS = [
  "aliasUrn", "functionUrn", "name", "version", "description", "additionalVersionWeights", "additionalVersionStrategy",
  "lastModified", "adopt", "driftCheck", "region", "projectId", "endpoint",
] as const;
