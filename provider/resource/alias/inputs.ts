/**
 * The `Alias` resource's table: each field described once — its type (the message names the fix), default,
 * and how a change is applied — with the target and switch rows `Function` has. The arguments, the schema
 * `check` parses, the outputs and the keys the update call sends are derived from it. Strategies use the
 * service's own keys (`combine_type`, `rules[].rule_type/param/op/value`).
 */
import { z } from "zod";
import { ALIAS_DESCRIPTION_MAX, ALIAS_NAME_PATTERN, VersionStrategySchema } from "../../api/alias-schemas";
import { SWITCH_PROPERTIES, TARGET_PROPERTIES } from "../../api/function-properties";
import {
  namesIn, resourceKeysOf, type ArgValuesOf, type OutputValuesOf, type PropertyTable,
} from "../../api/property-derivations";

const WEIGHT_MESSAGE = "each weight is a whole percentage 1-100";

/** Every field of `Alias`, once. */
export const ALIAS_PROPERTIES = {
  functionUrn: {
    type: z.string({ message: "required: the function's URN (fn.funcUrn)" })
      .regex(/^urn:fss:[^:]+:[^:]+:function:[^:]+:[^:]+(:latest)?$/, {
        message: "must be the function's URN without a version or alias: urn:fss:<region>:<project>:function:<app>:<name> (use fn.funcUrn)",
      }),
    required: true, apply: "replace", clear: "defaulted", doc: "the function's URN (`fn.funcUrn`); changing it replaces the alias",
  },
  name: {
    type: z.string({ message: "required: the alias name" }).regex(ALIAS_NAME_PATTERN, {
      message: "must start with a letter and use at most 63 letters, digits, '_' or '-'",
    }).refine((n) => n !== "latest", { message: "'latest' is reserved for the function's head" }),
    required: true, filledByClass: true, apply: "replace", clear: "defaulted",
    doc: "the alias name (default: the resource name); changing it replaces the alias",
  },
  version: {
    type: z.string({ message: "required: the version the alias points at (e.g. fn.version, or 'latest')" }).min(1, { message: "must not be empty" }),
    required: true, apply: "update", clear: "defaulted", doc: "the version it points at: `fn.version`, a published version name, or `latest`",
  },
  description: {
    type: z.string().max(ALIAS_DESCRIPTION_MAX, { message: `must be at most ${ALIAS_DESCRIPTION_MAX} characters` }),
    default: "", apply: "update", clear: "defaulted", doc: "the alias's description",
  },
  additionalVersionWeights: {
    type: z.record(z.string(), z.number({ message: WEIGHT_MESSAGE }).int({ message: WEIGHT_MESSAGE })
      .min(1, { message: WEIGHT_MESSAGE }).max(100, { message: WEIGHT_MESSAGE }), {
      message: "must map a version to the percentage of traffic it gets, e.g. { v2: 10 }",
    }),
    default: {}, apply: "update", clear: "defaulted", doc: "a canary: `{ <other version>: <percent> }` (one version, 1-100)",
  },
  additionalVersionStrategy: {
    type: z.record(z.string(), VersionStrategySchema, {
      message: "must map a version to { combine_type: 'and'|'or', rules: [{ rule_type, param, op, value }] }",
    }),
    default: {}, apply: "update", clear: "defaulted",
    doc: "rule-based routing: `{ <other version>: { combine_type, rules: [{ rule_type, param, op, value }] } }`",
  },
  adopt: { ...SWITCH_PROPERTIES.adopt, doc: "take over an existing alias of the same name instead of failing" },
  driftCheck: { ...SWITCH_PROPERTIES.driftCheck, doc: "on every preview, compare the live alias with the recorded one (one GET)" },
  ...TARGET_PROPERTIES,
  aliasUrn: {
    type: z.string(), apply: "output", clear: "output", always: true, stable: true,
    // Known from the function and the name: recorded as an input so that a preview of an in-place update
    // (where the plugin's inputs stand for the outputs) shows it, not an unknown.
    known: (get) => (typeof get("functionUrn") === "string" && typeof get("name") === "string" ? `${String(get("functionUrn"))}:!${String(get("name"))}` : undefined),
    doc: "`urn:fss:…:function:<app>:<name>:!<alias>` — what callers and triggers use",
  },
  lastModified: { type: z.string(), apply: "output", clear: "output", doc: "last modification time" },
} as const satisfies PropertyTable;

/** What `Alias` derives from its table: the schema `check` parses, the keys a diff compares, the outputs. */
export const ALIAS = resourceKeysOf(ALIAS_PROPERTIES);

/** Checked inputs. */
export type AliasInputs = ArgValuesOf<typeof ALIAS_PROPERTIES>;

/** The outputs in state. */
export type AliasOutputs = OutputValuesOf<typeof ALIAS_PROPERTIES>;

/** The routing keys: each changes in place with the one update call. */
export const ROUTING_KEYS = namesIn(ALIAS_PROPERTIES, "update");
