/**
 * Alias API shapes (`/v2/{project_id}/fgs/functions/{function_urn}/aliases[/{alias_name}]`, SDK models
 * CreateVersionAliasRequestBody, UpdateVersionAliasRequestBody, VersionStrategy …) and the routing rules both
 * the `Alias` resource's `check` and the emulator apply: weights are whole percentages summing to at most 100
 * and never name the main version; a rule-based strategy and weights are alternatives.
 */
import { z } from "zod";

/** Most aliases a function may have. */
export const MAX_ALIASES = 10;

/** Alias name: a letter, then letters, digits, `_` or `-`, at most 63 characters; `latest` is reserved [U]. */
export const ALIAS_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** Alias description: at most 512 characters. */
export const ALIAS_DESCRIPTION_MAX = 512;

/** One rule of a rule-based routing strategy (SDK VersionStrategyRules). */
export const VersionStrategyRuleSchema = z.object({
  rule_type: z.enum(["header", "cookie"], { message: "rule_type must be 'header' or 'cookie'" }),
  param: z.string({ message: "param: the header or cookie name" }).min(1, { message: "param must not be empty" }),
  op: z.enum(["in", "="], { message: "op must be 'in' or '='" }),
  value: z.string({ message: "value: the value to match (comma-separated for 'in')" }).min(1, { message: "value must not be empty" }),
});

/** A rule-based strategy for one version (SDK VersionStrategy). */
export const VersionStrategySchema = z.object({
  combine_type: z.enum(["and", "or"], { message: "combine_type must be 'and' or 'or'" }),
  rules: z.array(VersionStrategyRuleSchema).min(1, { message: "needs at least one rule" }),
});

/** `additional_version_weights`: version → percentage of traffic. */
export const VersionWeightsSchema = z.record(z.string(), z.number().int().min(1).max(100));

/** `additional_version_strategy`: version → rules. */
export const VersionStrategiesSchema = z.record(z.string(), VersionStrategySchema);

/** Problems of an alias's routing (`[{ path, message }]`, empty when valid); `path` names the argument. */
export function routingProblems(
  version: string, weights: Record<string, number> | undefined, strategy: Record<string, unknown> | undefined,
): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const w = weights ?? {};
  const s = strategy ?? {};
  if (Object.keys(w).length > 0 && Object.keys(s).length > 0) {
    out.push({ path: "additional_version_strategy", message: "use either weights or a rule-based strategy, not both" });
  }
  for (const [v, pct] of Object.entries(w)) {
    if (v === version) out.push({ path: "additional_version_weights", message: `'${v}' is the alias's main version; weights name the other versions that get a share` });
    if (!Number.isInteger(pct) || pct < 1 || pct > 100) out.push({ path: "additional_version_weights", message: `the weight of '${v}' must be a whole percentage 1-100` });
  }
  const sum = Object.values(w).reduce((a, b) => a + b, 0);
  if (sum > 100) out.push({ path: "additional_version_weights", message: `the weights sum to ${sum}%; at most 100% can be shifted away from the main version` });
  if (Object.keys(w).length > 1) out.push({ path: "additional_version_weights", message: "at most one additional version can get a share of the traffic" });
  if (Object.keys(s).length > 1) out.push({ path: "additional_version_strategy", message: "at most one additional version can have a rule-based strategy" });
  for (const v of Object.keys(s)) {
    if (v === version) out.push({ path: "additional_version_strategy", message: `'${v}' is the alias's main version; the strategy routes to another version` });
  }
  return out;
}

/** `POST …/aliases` request body. */
export const CreateAliasRequestSchema = z.object({
  name: z.string().regex(ALIAS_NAME_PATTERN),
  version: z.string().min(1),
  description: z.string().max(ALIAS_DESCRIPTION_MAX).optional(),
  additional_version_weights: VersionWeightsSchema.optional(),
  additional_version_strategy: VersionStrategiesSchema.optional(),
});

/** `PUT …/aliases/{name}` request body: the whole routing (absent weights/strategy clear them). */
export const UpdateAliasRequestSchema = z.object({
  version: z.string().min(1),
  description: z.string().max(ALIAS_DESCRIPTION_MAX).optional(),
  additional_version_weights: VersionWeightsSchema.optional(),
  additional_version_strategy: VersionStrategiesSchema.optional(),
});

/** An alias as the service answers it (create, show, update, list items). */
export const AliasSchema = z.looseObject({
  name: z.string(),
  version: z.string(),
  description: z.string().nullish(),
  last_modified: z.string().nullish(),
  alias_urn: z.string(),
  additional_version_weights: z.record(z.string(), z.number()).nullish(),
  additional_version_strategy: z.record(z.string(), z.unknown()).nullish(),
});

/** `GET …/aliases`: a bare array. */
export const ListAliasesResponseSchema = z.array(AliasSchema);

/** The create-alias request body. */
export type CreateAliasRequest = z.infer<typeof CreateAliasRequestSchema>;
/** The update-alias request body. */
export type UpdateAliasRequest = z.infer<typeof UpdateAliasRequestSchema>;
/** A rule-based strategy. */
export type VersionStrategy = z.infer<typeof VersionStrategySchema>;
/** An alias. */
export type AliasModel = z.infer<typeof AliasSchema>;
