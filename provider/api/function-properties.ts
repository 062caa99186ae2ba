/**
 * THE property table of a FunctionGraph function: every property of the `Function` resource described once —
 * its argument name, zod type (limits and the message naming the fix), default, whether it is secret, where
 * it lives in the API (the `PUT …/config` body, the model read back, the import template), how a change is
 * applied, and whether it is read back (and so drift-checked).
 *
 * Everything else is derived from this table: the resource's argument and output types (`FunctionArgs`, the
 * class's output fields), `check`'s validation, the import template and its zod schema (shared with the
 * emulator), the config body and its schema, the diff/replace decision, the drift comparison, and the
 * emulator's stored record, validation and rendered model. Adding a property means adding a row here (and a
 * test); see property-derivations.ts for the derivations. The companion resources (`Trigger`, `Alias`,
 * `Dependency`) describe their fields in tables of the same rows, sharing the target and switch rows below.
 *
 * Sources: seeds 000/004, ../shared/docs/functiongraph-api.md, the official SDK's models. [U] marks a limit or
 * shape the sources leave uncertain.
 */
import { z } from "zod";
import {
  DESCRIPTION_MAX, ENV_NAME_PATTERN, FUNC_NAME_PATTERN, MAX_INSTANCE_DEFAULT, HANDLER_PATTERN, MEMORY_SIZES, PACKAGE_NAME_PATTERN, PROJECT_ID_PATTERN,
  REGION_PATTERN, RUNTIMES, TIMEOUT_RANGE, USER_DATA_LIMITS,
} from "./constraints";
import { normalizeUrn } from "./urn";
import { notOneOf } from "./suggest";

/**
 * How a change of the property reaches the service:
 * - `replace`: the function is deleted and created again (identity);
 * - `config`: one `PUT …/config` (also the way a created function gets what the import template cannot carry);
 * - `code`: `PUT …/code` (the source, and `depend_version_list` which only that call carries);
 * - `tags`: the tags API (`tags/create`, `tags/delete`); `maxInstance`: `PUT …/config-max-instance`;
 * - `asyncConfig`: `PUT …/async-invoke-config`; `reserved`: `PUT …/reservedinstances`;
 * - `update`: a companion resource's one in-place update call (an alias's routing, a trigger's status);
 * - `local`: recorded by the resource only, no call;
 * - `output`: not an argument (computed by the service or the provider).
 */
export type ApplyBy = "replace" | "config" | "code" | "tags" | "maxInstance" | "asyncConfig" | "reserved" | "update" | "local" | "output";

/**
 * What removing the argument from the program does. Every row says it — a row without `clear` does not
 * compile, and `clear: "unset"` needs the row's `unset` — so no setting can be left behind in the cloud:
 * - `unset`: the service's default (`unset`) is compared with what the service has and sent, by the call that
 *   applies the row, when it differs (the removal previews as `name: old → (removed)` and `up` clears it);
 * - `defaulted`: the argument has a `default`, or is required: never absent after `check`;
 * - `replace`: part of the function's identity: the default identity is another function (replace);
 * - `code`: how the code is built or fetched: removing it changes the package the next upload sends;
 * - `local`: not a setting of the service (the resource's own switch);
 * - `output`: not an argument.
 */
export type Clearing =
  | { readonly clear: "unset"; readonly unset: unknown }
  | { readonly clear: "defaulted" | "replace" | "code" | "local" | "output" };

/** One row of the table. */
export type PropertyRow = PropertyFields & Clearing;

/** The fields of a row (how it is cleared: see {@link Clearing}). */
export interface PropertyFields {
  /** The type (limits and messages) of the argument — or of the output, for `apply: "output"`. */
  readonly type: z.ZodType;
  /** A required argument. */
  readonly required?: true;
  /** Required by `check` but optional in a program: the resource class fills it (the name). */
  readonly filledByClass?: true;
  /** The default applied by `check`. */
  readonly default?: unknown;
  /** How a change is applied. */
  readonly apply: ApplyBy;
  /** Its field in the `PUT …/config` body (dotted for nested: `strategy_config.concurrent_num`). */
  readonly config?: string;
  /** Its field in the `PUT …/code` body. */
  readonly code?: string;
  /** Its field in the function model (get config). Set: read back, and so drift-checked. */
  readonly model?: string;
  /** Where the emulator stores it in a function's config, when not `config` (e.g. set by a dedicated call). */
  readonly store?: string;
  /** The service never returns the value (write-only): never read back, never rendered by the emulator. */
  readonly writeOnly?: true;
  /** Its property in the import template (under `Properties`, dotted for nested). */
  readonly yaml?: string;
  /** The API type of the field when it differs from the argument's (after `toApi`). */
  readonly apiType?: z.ZodType;
  /** Argument value → API value. */
  readonly toApi?: (value: any) => unknown;
  /** API value → argument/output value (`null`/absent arrive as `undefined`). */
  readonly fromApi?: (value: any) => unknown;
  /** The value the service has when the property is not set: compared instead of "absent", sent to clear. */
  readonly unset?: unknown;
  /** Fields sent along in the config body whenever this property is set (e.g. `enable_lts_log`). */
  readonly alsoSend?: Readonly<Record<string, unknown>>;
  /** Fields sent along in the config body when this property is cleared (e.g. `enable_lts_log: false`). */
  readonly alsoSendCleared?: Readonly<Record<string, unknown>>;
  /** Kept secret in state (input and output). */
  readonly secret?: true;
  /** Not recorded as an output. */
  readonly notOutput?: true;
  /** An output an in-place update never changes (the diff's `stables`). */
  readonly stable?: true;
  /**
   * The output's value as `check` can already tell it from the checked arguments (`get` answers `undefined`
   * for a value not known yet; return `undefined` when it cannot be told). `check` records it among the
   * inputs because the dynamic-provider plugin declares no preview support: for an update the engine's preview
   * takes the checked inputs as the outputs, and an output missing there is unknown — every resource using it
   * would preview as replaced. See knownOutputs (property-derivations.ts).
   */
  readonly known?: (get: (name: string) => unknown) => unknown;
  /** Always present in the outputs (else `T | undefined`). Required and defaulted arguments always are. */
  readonly always?: true;
  /** One line for the README's argument table / the doc comment. */
  readonly doc: string;
  /** The default as the README shows it, when it is not `default`. */
  readonly docDefault?: string;
}

// ---- shared pieces ------------------------------------------------------------------------------------------

const bool = z.boolean({ message: "must be true or false" });
const handlerType = (what: string) => z.string({ message: `must be '<file>.<function>' for the ${what}` }).regex(HANDLER_PATTERN, {
  message: `must look like '<file>.<function>' (contain a '.', 3-128 characters, no spaces), e.g. 'index.${what}'`,
});
const intRange = (min: number, max: number, unit: string) =>
  z.number({ message: `must be a whole number of ${unit} from ${min} to ${max}` })
    .int({ message: `must be a whole number of ${unit}` })
    .min(min, { message: `must be at least ${min} ${unit}` })
    .max(max, { message: `must be at most ${max} ${unit}` });
const nonEmpty = (what: string) => z.string({ message: `must be a string: ${what}` }).min(1, { message: `must not be empty: ${what}` });

/** An id as the service's resources use (UUIDs, 32-hex ids): letters, digits and `-`, 1–64 characters. */
export const RESOURCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const resourceId = (what: string) => z.string({ message: `must be the ${what} id (a string)` }).regex(RESOURCE_ID_PATTERN, {
  message: `must be the ${what} id: 1-64 letters, digits and '-'`,
});

/** Sorted copy of a string map, so serialisations never depend on insertion order. */
export function sortedMap(map: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(map ?? {}).sort()) out[key] = map![key];
  return out;
}

/** The `user_data` JSON the service wants for a variable map (sorted keys); `""` when empty. */
export function mapToJson(map: Record<string, string> | undefined): string {
  return map && Object.keys(map).length > 0 ? JSON.stringify(sortedMap(map)) : "";
}

/** A `user_data` JSON string as a map (empty when absent or not an object of strings). */
export function jsonToMap(text: unknown): Record<string, string> {
  if (typeof text !== "string" || text === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    }
  } catch {
    // not JSON: the service stores what it was given; report nothing rather than guess
  }
  return {};
}

/** Variable map (`user_data`, `encrypted_user_data`): string values, at most 20 entries and 4 KB as JSON. */
export const variablesSchema = (what: string) => z
  .record(z.string(), z.string({ message: `every ${what} value must be a string` }))
  // The name rule as a refinement, not a key schema: a key schema's message is lost ("Invalid key in record").
  .superRefine((env, ctx) => {
    const bad = Object.keys(env).filter((k) => !ENV_NAME_PATTERN.test(k));
    if (bad.length === 0) return;
    const fixed = bad.map((k) => `'${k}' → '${/^[A-Za-z]/.test(k) ? "" : "V"}${k.replace(/[^A-Za-z0-9_]/g, "_")}'`).join(", ");
    ctx.addIssue({
      code: "custom",
      message: `variable names must start with a letter and use only letters, digits and '_' (the service's rule): rename ${fixed}`,
    });
  })
  .refine((env) => Object.keys(env).length <= USER_DATA_LIMITS.maxEntries, {
    message: `at most ${USER_DATA_LIMITS.maxEntries} variables are allowed (the service limit); move the rest into a config file in the package`,
  })
  .refine((env) => Buffer.byteLength(JSON.stringify(env)) <= USER_DATA_LIMITS.maxBytes, {
    message: `the variables take more than ${USER_DATA_LIMITS.maxBytes} bytes as JSON (the service limit); shorten them or move them into the package`,
  });

/** The `environment` variable map schema. */
export const VariablesSchema = variablesSchema("environment");

/** Tags: at most 20, keys 1–128 and values ≤ 255 characters without `=*<>\,|/` [U: the TMS rules]. */
export const TagsSchema = z
  .record(
    z.string(),
    z.string({ message: "every tag value must be a string" }).regex(/^[^=*<>\\,|/]{0,255}$/, {
      message: "tag values must be at most 255 characters without = * < > \\ , | /",
    }),
  )
  .refine((t) => Object.keys(t).every((k) => /^[^=*<>\\,|/]{1,128}$/.test(k)), {
    message: "tag keys must be 1-128 characters without = * < > \\ , | /",
  })
  .refine((t) => Object.keys(t).length <= 20, { message: "at most 20 tags are allowed (the service limit)" });

const VpcSchema = z.object({
  vpcId: resourceId("VPC"),
  subnetId: resourceId("subnet"),
  securityGroups: z.array(resourceId("security group")).optional(),
}, { message: "must be { vpcId, subnetId } (and optionally securityGroups)" });
const FuncVpcApiSchema = z.object({
  vpc_id: z.string().regex(RESOURCE_ID_PATTERN),
  subnet_id: z.string().regex(RESOURCE_ID_PATTERN),
  security_groups: z.array(z.string().regex(RESOURCE_ID_PATTERN)).optional(),
});

const MOUNT_ID_MESSAGE = "must be a whole number from -1 to 65534, except 0, 1000 and 1002 (-1: the default user)";
const mountId = z.number({ message: MOUNT_ID_MESSAGE }).int({ message: MOUNT_ID_MESSAGE }).min(-1, { message: MOUNT_ID_MESSAGE })
  .max(65534, { message: MOUNT_ID_MESSAGE }).refine((n) => n !== 0 && n !== 1000 && n !== 1002, { message: MOUNT_ID_MESSAGE });

const MountSchema = z.object({
  mountType: z.enum(["sfsTurbo", "ecs"], { message: "must be 'sfsTurbo' or 'ecs'" }),
  mountResource: nonEmpty("the id of the mounted file system or ECS"),
  mountSharePath: z.string().optional(),
  localMountPath: z.string({ message: "must be the path the function sees, e.g. '/mnt/data'" }).regex(/^\/[^\s]*$/, {
    message: "must be an absolute path, e.g. '/mnt/data'",
  }),
}).refine((m) => m.mountType !== "ecs" || !!m.mountSharePath, {
  message: "an 'ecs' mount needs mountSharePath (e.g. '192.168.0.12:/data')", path: ["mountSharePath"],
});
const FuncMountApiSchema = z.object({
  mount_type: z.enum(["sfsTurbo", "ecs"]),
  mount_resource: z.string().min(1),
  mount_share_path: z.string().optional(),
  local_mount_path: z.string().regex(/^\/[^\s]*$/),
});
type Mount = z.output<typeof MountSchema>;

const CustomImageSchema = z.object({
  url: nonEmpty("the SWR image URL, e.g. 'swr.cn-north-4.myhuaweicloud.com/org/app:1.0'"),
  command: z.string().optional(),
  args: z.string().optional(),
  workingDir: z.string().optional(),
  userId: z.string().regex(/^-?\d+$/, { message: "must be a user id (digits)" }).optional(),
  userGroupId: z.string().regex(/^-?\d+$/, { message: "must be a group id (digits)" }).optional(),
}, { message: "must be { url, command?, args?, workingDir?, userId?, userGroupId? }" });
type CustomImage = z.output<typeof CustomImageSchema>;
const CustomImageApiSchema = z.object({
  enabled: z.boolean(),
  image: z.string().min(1),
  command: z.string().optional(),
  args: z.string().optional(),
  working_dir: z.string().optional(),
  uid: z.string().optional(),
  gid: z.string().optional(),
});

const NetworkControllerSchema = z.object({
  disablePublicNetwork: bool.optional(),
  triggerAccessVpcs: z.array(z.object({ vpcId: resourceId("VPC"), vpcName: z.string().optional() })).optional(),
}, { message: "must be { disablePublicNetwork?, triggerAccessVpcs? }" });
type NetworkController = z.output<typeof NetworkControllerSchema>;
const NetworkControllerApiSchema = z.object({
  disable_public_network: z.boolean().optional(),
  trigger_access_vpcs: z.array(z.object({ vpc_id: z.string().regex(RESOURCE_ID_PATTERN), vpc_name: z.string().optional() })).optional(),
});

const DestinationSchema = z.object({
  destination: z.enum(["OBS", "SMN", "DIS", "FunctionGraph"], { message: "must be 'OBS', 'SMN', 'DIS' or 'FunctionGraph'" }),
  param: z.string({ message: "must be the destination's parameters as JSON text" }).refine((t) => { try { JSON.parse(t); return true; } catch { return false; } }, {
    message: "must be JSON text, e.g. '{\"func_urn\":\"…\"}' for FunctionGraph",
  }),
});
const AsyncConfigSchema = z.object({
  maxAsyncRetryAttempts: z.number().int().min(0, { message: "must be 0 to 3 retries [U]" }).max(3, { message: "must be 0 to 3 retries [U]" }).optional(),
  maxAsyncEventAgeInSeconds: z.number().int().min(1, { message: "must be 1 to 86400 seconds" }).max(86400, { message: "must be 1 to 86400 seconds" }).optional(),
  onSuccess: DestinationSchema.optional(),
  onFailure: DestinationSchema.optional(),
  enableAsyncStatusLog: bool.optional(),
}, { message: "must be { maxAsyncRetryAttempts?, maxAsyncEventAgeInSeconds?, onSuccess?, onFailure?, enableAsyncStatusLog? }" });
type AsyncConfig = z.output<typeof AsyncConfigSchema>;
/** The async-invoke config body (the SDK's UpdateFunctionAsyncInvokeConfigRequestBody). */
export const AsyncConfigApiSchema = z.object({
  max_async_retry_attempts: z.number().int().min(0).max(3).optional(),
  max_async_event_age_in_seconds: z.number().int().min(1).max(86400).optional(),
  destination_config: z.object({
    on_success: z.object({ destination: DestinationSchema.shape.destination, param: z.string() }).optional(),
    on_failure: z.object({ destination: DestinationSchema.shape.destination, param: z.string() }).optional(),
  }).optional(),
  enable_async_status_log: z.boolean().optional(),
});
const destToApi = (d: { destination: string; param: string } | undefined) => (d ? { destination: d.destination, param: d.param } : undefined);
const destFromApi = (d: unknown) => {
  const o = d as { destination?: unknown; param?: unknown } | null | undefined;
  return o && typeof o.destination === "string" ? { destination: o.destination, param: String(o.param ?? "") } : undefined;
};

const CronSchema = z.object({
  name: nonEmpty("the policy name"),
  cron: nonEmpty("a cron expression, e.g. '0 0 8 * * ?'"),
  count: z.number().int().min(0).max(1000, { message: "must be 0 to 1000 instances" }),
  startTime: z.number().int().min(0, { message: "must be a Unix time in seconds" }),
  expiredTime: z.number().int().min(0, { message: "must be a Unix time in seconds" }),
});
const MetricSchema = z.object({
  name: nonEmpty("the policy name"),
  type: z.literal("Concurrency", { message: "must be 'Concurrency'" }),
  threshold: z.number().int().min(1, { message: "must be 1 to 100 (percent)" }).max(100, { message: "must be 1 to 100 (percent)" }),
  min: z.number().int().min(0, { message: "must be 0 to 1000 instances" }).max(1000, { message: "must be 0 to 1000 instances" }),
});
const ReservedSchema = z.object({
  qualifier: z.string().regex(/^(latest|[A-Za-z0-9][A-Za-z0-9._-]{0,41})$/, { message: "must be 'latest', a version or an alias name" }).optional(),
  qualifierType: z.enum(["version", "alias"], { message: "must be 'version' or 'alias'" }).optional(),
  count: z.number({ message: "must be a whole number of instances from 0 to 1000" }).int().min(0, { message: "must be 0 to 1000 instances" })
    .max(1000, { message: "must be 0 to 1000 instances" }),
  idleMode: bool.optional(),
  cronConfigs: z.array(CronSchema).optional(),
  metricConfigs: z.array(MetricSchema).optional(),
});
type Reserved = z.output<typeof ReservedSchema>;
/** The reserved-instances body (the SDK's UpdateFunctionReservedInstancesCountRequestBody). */
export const ReservedApiSchema = z.object({
  count: z.number().int().min(0).max(1000),
  idle_mode: z.boolean().optional(),
  tactics_config: z.object({
    cron_configs: z.array(z.object({ name: z.string().min(1), cron: z.string().min(1), count: z.number().int().min(0).max(1000),
      start_time: z.number().int().min(0), expired_time: z.number().int().min(0) })).optional(),
    metric_configs: z.array(z.object({ name: z.string().min(1), type: z.literal("Concurrency"), threshold: z.number().int().min(1).max(100),
      min: z.number().int().min(0).max(1000) })).optional(),
  }).optional(),
});

/** The URN qualifier (`:<version>` or `:!<alias>`) a reserved-instances entry addresses. */
export function reservedQualifier(r: { qualifier?: string; qualifierType?: string }): string {
  const q = r.qualifier ?? "latest";
  return r.qualifierType === "alias" ? `!${q}` : q;
}

const CIDR = /^(\d{1,3})(\.\d{1,3}){3}\/\d{1,2}$/;
const EPS_ID = /^(0|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const listOf = (sep: string) => ({
  apiType: z.string(),
  toApi: (v: string[] | undefined) => (v ?? []).join(sep),
  fromApi: (v: unknown) => (typeof v === "string" && v !== "" ? v.split(sep) : []),
});

/** Drops `undefined` values (the API's optional fields are absent, not null). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

// ---- rows every resource shares -----------------------------------------------------------------------------

/**
 * Where a resource's calls go — the same rows for `Function` and the companion resources: region and project
 * are its identity (a change replaces it), the endpoint only where the calls are sent.
 */
export const TARGET_PROPERTIES = {
  region: {
    type: z.string().regex(REGION_PATTERN, { message: "must be a region name like 'cn-north-4' or 'ap-southeast-1'" }),
    apply: "replace", clear: "replace", always: true, doc: "changing region or project replaces", docDefault: "stack config, then env",
  },
  projectId: {
    type: z.string().regex(PROJECT_ID_PATTERN, {
      message: "must be the project id: 32 letters and digits (IAM console → My Credentials → Projects)",
    }),
    apply: "replace", clear: "replace", always: true, doc: "changing it replaces", docDefault: "stack config, then env",
  },
  endpoint: {
    type: z.string().refine(isHttpUrl, {
      message: "must be an absolute http(s) URL without user info, query or fragment, e.g. " +
        "'https://functiongraph.cn-north-4.myhuaweicloud.com' (or leave it unset to use the region's endpoint)",
    }),
    apply: "local", clear: "local", doc: "the API endpoint", docDefault: "stack config, then env, then the region's",
  },
} as const satisfies Record<string, PropertyRow>;

/** The resource's own switches (each companion gives `doc` its own words). */
export const SWITCH_PROPERTIES = {
  adopt: {
    type: bool, default: false, apply: "local", clear: "defaulted", notOutput: true,
    doc: "take over an existing function of the same name",
  },
  driftCheck: {
    type: bool, default: true, apply: "local", clear: "defaulted",
    doc: "one GET per preview compares the live function with the recorded one",
  },
} as const satisfies Record<string, PropertyRow>;

/** The row of a config setting read back from the model under the same field (a hook's handler or timeout, a flag). */
export interface ConfigRow<T extends z.ZodType, U> {
  readonly type: T; readonly apply: "config"; readonly clear: "unset"; readonly config: string; readonly model: string;
  readonly unset: U; readonly doc: string;
}
type HandlerRows<N extends string> = { readonly [K in `${N}Handler`]: ConfigRow<z.ZodString, string> };
type TimeoutRows<N extends string> = { readonly [K in `${N}Timeout`]: ConfigRow<z.ZodNumber, number> };

/** A switch of the service's config (`api` in the body and the model), off unless set. */
function configFlag(api: string, doc: string): ConfigRow<typeof bool, false> {
  return { type: bool, apply: "config", clear: "unset", config: api, model: api, unset: false, doc };
}

/**
 * A lifecycle hook's rows: `<name>Handler` (`<api>_handler`, its file must be in the package) and, with a
 * `[min, max, note]` range, `<name>Timeout` (`<api>_timeout`, required with the handler).
 */
function hook<N extends string>(name: N, api: string, what: string): HandlerRows<N>;
function hook<N extends string>(name: N, api: string, what: string, timeout: readonly [number, number, string]): HandlerRows<N> & TimeoutRows<N>;
function hook(name: string, api: string, what: string, timeout?: readonly [number, number, string]): Record<string, ConfigRow<z.ZodType, unknown>> {
  const rows: Record<string, ConfigRow<z.ZodType, unknown>> = {
    [`${name}Handler`]: {
      type: handlerType(name), apply: "config", clear: "unset", config: `${api}_handler`, model: `${api}_handler`, unset: "",
      doc: `\`<file>.<function>\` ${what}`,
    },
  };
  if (timeout) {
    const [min, max, note] = timeout;
    rows[`${name}Timeout`] = {
      type: intRange(min, max, "seconds"), apply: "config", clear: "unset", config: `${api}_timeout`, model: `${api}_timeout`, unset: 0,
      doc: `${min}–${max} seconds${note}; required with \`${name}Handler\``,
    };
  }
  return rows;
}

// ---- the table ----------------------------------------------------------------------------------------------

/** Every property of the `Function` resource, once. Order = the README's order. */
export const FUNCTION_PROPERTIES = {
  // Code and identity.
  sourceDir: {
    type: nonEmpty("the directory holding the function code"), apply: "code", clear: "code", notOutput: true,
    doc: "directory with the code, relative to the program directory (not with `customImage` or `codeUrl`)",
    docDefault: "required (unless `customImage` or `codeUrl`)",
  },
  runtime: {
    type: z.enum(RUNTIMES, { error: (issue) => notOneOf(issue.input, RUNTIMES) }), required: true, apply: "config", clear: "defaulted",
    config: "runtime", model: "runtime", yaml: "Runtime",
    doc: "`Node.js18.15`, `Node.js20.15`, `Python3.10`, `Python3.12`, `Java17`, `Go1.x`, `Custom`, `Custom Image`, `http` (a `bootstrap` serving 127.0.0.1:8000), …",
  },
  handler: {
    type: z.string({ message: "required: '<file>.<function>', e.g. 'index.handler'" }).regex(HANDLER_PATTERN, {
      message: "must look like '<file>.<function>' (contain a '.', 3-128 characters, no spaces), e.g. 'index.handler' ('bootstrap.handler' for Custom and http)",
    }),
    required: true, apply: "config", clear: "defaulted", config: "handler", model: "handler", yaml: "Handler",
    doc: "`<file>.<function>`; checked against the package (`index.handler` → `index.js`/`.mjs`/`.cjs` for Node.js, `index.py` for Python, an executable `bootstrap` for Custom and http: `bootstrap.handler`)",
  },
  funcName: {
    type: z.string({ message: "required: the function name" }).regex(FUNC_NAME_PATTERN, {
      message: "must be 1-60 letters, digits, '-' or '_', start with a letter and end with a letter or digit",
    }),
    required: true, filledByClass: true, apply: "replace", clear: "defaulted", config: "func_name", model: "func_name",
    doc: "1–60 letters, digits, `-`, `_`; starts with a letter; changing it replaces the function",
    docDefault: "the resource name",
  },
  package: {
    type: z.string().regex(PACKAGE_NAME_PATTERN, { message: "must be 1-64 letters, digits or '_' (the default is 'default')" }),
    default: "default", apply: "replace", clear: "defaulted", model: "package",
    doc: "the app; changing it replaces",
  },
  memorySize: {
    type: z.number({ message: `must be a number of MB: one of ${MEMORY_SIZES.join(", ")}` }).int()
      .refine((m) => (MEMORY_SIZES as readonly number[]).includes(m), { message: `must be one of ${MEMORY_SIZES.join(", ")} (MB)` }),
    default: 128, apply: "config", clear: "defaulted", config: "memory_size", model: "memory_size", yaml: "MemorySize",
    doc: MEMORY_SIZES.join(", "),
  },
  timeout: {
    type: intRange(TIMEOUT_RANGE.min, TIMEOUT_RANGE.max, "seconds"),
    default: 3, apply: "config", clear: "defaulted", config: "timeout", model: "timeout", yaml: "Timeout",
    doc: `${TIMEOUT_RANGE.min}–${TIMEOUT_RANGE.max} seconds`,
  },
  description: {
    // `.length` (UTF-16 units), as the emulator counts: zod's `max` counts code points and let 257 emoji through.
    type: z.string({ message: "must be a string" }).refine((s) => s.length <= DESCRIPTION_MAX, {
      message: `must be at most ${DESCRIPTION_MAX} characters (an emoji or other character outside the BMP counts as 2)`,
    }),
    apply: "config", clear: "unset", config: "description", model: "description", yaml: "Description", unset: "", always: true,
    doc: `≤ ${DESCRIPTION_MAX} characters`,
  },
  environment: {
    type: VariablesSchema, apply: "config", clear: "unset", config: "user_data", model: "user_data", yaml: "Environment.Variables",
    apiType: z.string(), toApi: mapToJson, fromApi: jsonToMap, unset: {}, secret: true, always: true,
    doc: "string map (`user_data`), ≤ 20 entries, ≤ 4 KB; names are letters, digits and `_`, starting with a letter; kept secret in state (input and output)",
  },
  encryptedEnvironment: {
    type: variablesSchema("encryptedEnvironment"), apply: "config", clear: "unset", config: "encrypted_user_data", writeOnly: true,
    apiType: z.string(), toApi: mapToJson, fromApi: jsonToMap, unset: {}, secret: true,
    doc: "string map (`encrypted_user_data`) the service encrypts with `environmentKmsKeyId`; a secret, never read back (the service does not return it)",
  },
  environmentKmsKeyId: {
    type: resourceId("KMS key"), apply: "config", clear: "unset", config: "user_data_encrypt_kms_key_id", model: "user_data_encrypt_kms_key_id",
    unset: "", doc: "the KMS key encrypting `encryptedEnvironment` (default: the service's key)",
  },
  codeStorage: {
    type: z.enum(["inline", "obs"], { message: "must be 'inline' (the code in the API request, up to 50 MB) or 'obs' (staged in codeBucket, up to 300 MB)" }),
    apply: "code", clear: "code", notOutput: true,
    doc: "`obs` stages the zip in `codeBucket`; `inline` never does", docDefault: "OBS when the zip is over 50 MB and a bucket is set",
  },
  codeBucket: {
    type: z.string({ message: "must be an OBS bucket name" }), apply: "code", clear: "code", notOutput: true,
    doc: "OBS bucket (in the function's region) for packages over the inline limit", docDefault: "stack config `functiongraph:codeBucket`",
  },
  codeUrl: {
    type: z.string({ message: "must be an OBS object URL" }).refine(isHttpUrl, {
      message: "must be an OBS object URL: https://<bucket>.obs.<region>.myhuaweicloud.com/<key>",
    }),
    apply: "code", clear: "code", model: "code_url",
    doc: "your own package in OBS instead of `sourceDir`; redeployed when its ETag changes (as an output: the object the code was read from)",
  },
  exclude: {
    type: z.array(z.string({ message: "every pattern must be a string (gitignore syntax)" })), apply: "code", clear: "code", notOutput: true,
    doc: "gitignore-syntax patterns left out of the package",
  },
  useIgnoreFiles: {
    type: bool, default: true, apply: "code", clear: "defaulted", notOutput: true,
    doc: "honour `.gitignore` and `.fgsignore` at any depth (`.git/` is always left out)",
  },
  dependencies: {
    type: z.array(resourceId("dependency version"), { message: "must be a list of dependency version ids" })
      .max(20, { message: "at most 20 dependencies are allowed" }),
    apply: "code", clear: "unset", code: "depend_version_list", model: "depend_version_list",
    fromApi: (v: unknown) => (Array.isArray(v) ? v.map(String) : []), unset: [],
    doc: "dependency version ids (`depend_version_list`), e.g. a `Dependency` resource's id; sent with the code",
  },
  customImage: {
    type: CustomImageSchema, apply: "config", clear: "unset", unset: null, config: "custom_image", model: "custom_image",
    apiType: z.union([CustomImageApiSchema, z.object({ enabled: z.literal(false) })]),
    // Cleared as the SDK's CustomImage allows: `enabled: false` (the service keeps no image then).
    toApi: (c: CustomImage | null | undefined) => (c ? compact({
      enabled: true, image: c.url, command: c.command, args: c.args, working_dir: c.workingDir, uid: c.userId, gid: c.userGroupId,
    }) : { enabled: false }),
    fromApi: (v: Record<string, unknown> | undefined) => (v && v.enabled !== false && typeof v.image === "string" && v.image !== "" ? compact({
      url: v.image, command: str(v.command) || undefined, args: str(v.args) || undefined, workingDir: str(v.working_dir) || undefined,
      userId: str(v.uid) || undefined, userGroupId: str(v.gid) || undefined,
    }) : undefined),
    doc: "`{ url, command, args, workingDir, userId, userGroupId }`: an SWR image, with runtime `Custom Image` and no `sourceDir`",
  },
  functionType: {
    type: z.enum(["v1", "v2"], { message: "must be 'v1' or 'v2'" }), apply: "replace", clear: "replace", model: "type", yaml: "FunctionType",
    doc: "`v1` or `v2` (the service's default); changing it replaces [U: carried by the import template]",
  },
  enterpriseProjectId: {
    type: z.string().regex(EPS_ID, { message: "must be '0' (the default project) or an enterprise project id (a UUID)" }),
    apply: "config", clear: "unset", config: "enterprise_project_id", model: "enterprise_project_id", unset: "0",
    doc: "enterprise project (`0`: default)",
  },
  // Access.
  agency: {
    type: nonEmpty("the IAM agency name"), apply: "config", clear: "unset", config: "xrole", model: "xrole", unset: "",
    doc: "IAM agency the function uses to reach other services (`xrole`); required by `vpc` and `mounts`",
  },
  appAgency: {
    type: nonEmpty("the IAM agency name"), apply: "config", clear: "unset", config: "app_xrole", model: "app_xrole", unset: "",
    doc: "IAM agency of the function's app (`app_xrole`)",
  },
  vpc: {
    type: VpcSchema, apply: "config", clear: "unset", config: "func_vpc", model: "func_vpc", apiType: FuncVpcApiSchema, unset: null,
    toApi: (v: z.output<typeof VpcSchema> | undefined) => (v ? compact({ vpc_id: v.vpcId, subnet_id: v.subnetId, security_groups: v.securityGroups }) : null),
    fromApi: (v: Record<string, unknown> | undefined) => (v && typeof v.vpc_id === "string" && v.vpc_id !== "" ? compact({
      vpcId: v.vpc_id, subnetId: String(v.subnet_id ?? ""),
      securityGroups: Array.isArray(v.security_groups) && v.security_groups.length > 0 ? v.security_groups.map(String) : undefined,
    }) : undefined),
    doc: "`{ vpcId, subnetId, securityGroups? }` (`func_vpc`); needs `agency`",
  },
  peeringCidr: {
    type: z.array(z.string().regex(CIDR, { message: "every entry must be a CIDR like '192.168.0.0/24'" })).max(4, {
      message: "at most 4 CIDRs [U]",
    }), apply: "config", clear: "unset", config: "peering_cidr", model: "peering_cidr", unset: [], ...listOf(";"),
    doc: "CIDRs of peered VPCs reachable from the function (`peering_cidr`)",
  },
  networkController: {
    type: NetworkControllerSchema, apply: "config", clear: "unset", unset: { disablePublicNetwork: false, triggerAccessVpcs: [] }, config: "network_controller", model: "network_controller",
    apiType: NetworkControllerApiSchema,
    toApi: (n: NetworkController | undefined) => (n ? compact({
      disable_public_network: n.disablePublicNetwork,
      trigger_access_vpcs: n.triggerAccessVpcs?.map((v) => compact({ vpc_id: v.vpcId, vpc_name: v.vpcName })),
    }) : undefined),
    fromApi: (v: Record<string, unknown> | undefined) => (v ? compact({
      disablePublicNetwork: typeof v.disable_public_network === "boolean" ? v.disable_public_network : undefined,
      triggerAccessVpcs: Array.isArray(v.trigger_access_vpcs)
        ? v.trigger_access_vpcs.map((t: Record<string, unknown>) => compact({ vpcId: String(t.vpc_id), vpcName: str(t.vpc_name) || undefined }))
        : undefined,
    }) : undefined),
    doc: "`{ disablePublicNetwork?, triggerAccessVpcs?: [{ vpcId, vpcName? }] }` (`network_controller`)",
  },
  domainNames: {
    type: z.array(z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, { message: "every entry must be a domain name" })).max(50, {
      message: "at most 50 domain names [U]",
    }), apply: "config", clear: "unset", config: "domain_names", model: "domain_names", unset: [], ...listOf(","),
    doc: "private domain names the function resolves (`domain_names`)",
  },
  mounts: {
    type: z.array(MountSchema).max(5, { message: "at most 5 mounts [U]" }), apply: "config", clear: "unset", config: "mount_config.func_mounts",
    model: "mount_config.func_mounts", apiType: z.array(FuncMountApiSchema), unset: [],
    toApi: (m: Mount[] | undefined) => (m ?? []).map((x) => compact({
      mount_type: x.mountType, mount_resource: x.mountResource, mount_share_path: x.mountSharePath, local_mount_path: x.localMountPath,
    })),
    fromApi: (v: unknown) => (Array.isArray(v) ? v.map((x: Record<string, unknown>) => compact({
      mountType: x.mount_type, mountResource: x.mount_resource, mountSharePath: str(x.mount_share_path) || undefined,
      localMountPath: x.local_mount_path,
    })) : []),
    doc: "`[{ mountType: sfsTurbo|ecs, mountResource, mountSharePath?, localMountPath }]` (`mount_config.func_mounts`); needs `agency` and `vpc`",
  },
  mountUserId: {
    type: mountId, apply: "config", clear: "unset", config: "mount_config.mount_user.user_id", model: "mount_config.mount_user.user_id", unset: -1,
    doc: "user id the mounts are accessed as: -1 (default) to 65534, not 0, 1000, 1002",
  },
  mountUserGroupId: {
    type: mountId, apply: "config", clear: "unset", config: "mount_config.mount_user.user_group_id", model: "mount_config.mount_user.user_group_id",
    unset: -1, doc: "group id the mounts are accessed as: -1 (default) to 65534, not 0, 1000, 1002",
  },
  // Lifecycle hooks.
  ...hook("initializer", "initializer", "run once per instance before the first call; the file must be in the package", [1, 300, ""]),
  ...hook("preStop", "pre_stop", "run before an instance stops", [1, 90, ""]),
  ...hook("heartbeat", "heartbeat", "the service calls to check an instance (Java runtimes [U])"),
  ...hook("restoreHook", "restore_hook", "run when an instance is restored from a snapshot", [1, 300, " [U]"]),
  // Scaling and resources.
  concurrencyNum: {
    type: intRange(1, 1000, "requests"), apply: "config", clear: "unset", config: "strategy_config.concurrent_num",
    model: "strategy_config.concurrent_num", unset: 1,
    doc: "requests one instance serves at once, 1–1000 (`strategy_config.concurrent_num`; default 1)",
  },
  maxInstanceNum: {
    type: intRange(-1, 1000, "instances"), apply: "maxInstance", clear: "unset", unset: MAX_INSTANCE_DEFAULT,
    model: "strategy_config.concurrency", store: "strategy_config.concurrency",
    doc: `most instances, -1 (no limit) to 1000, 0 disables the function [U]; set with its own call (removed: back to the service's ${MAX_INSTANCE_DEFAULT})`,
  },
  ephemeralStorage: {
    type: intRange(512, 10240, "MB"), apply: "config", clear: "unset", config: "ephemeral_storage", model: "ephemeral_storage", unset: 512,
    doc: "temporary disk, 512–10240 MB (default 512)",
  },
  gpuMemory: {
    type: intRange(1024, 16384, "MB").refine((n) => n % 1024 === 0, { message: "must be a multiple of 1024 MB" }),
    apply: "config", clear: "unset", unset: 0, config: "gpu_memory", model: "gpu_memory",
    doc: "GPU memory, 1024–16384 MB in steps of 1024 (with `gpuType`)",
  },
  gpuType: {
    type: nonEmpty("the GPU type, e.g. 'nvidia-t4'"), apply: "config", clear: "unset", unset: "", config: "gpu_type", model: "gpu_type",
    doc: "GPU type, e.g. `nvidia-t4` (with `gpuMemory`)",
  },
  enableDynamicMemory: configFlag("enable_dynamic_memory", "let a request choose its memory (default false)"),
  isStatefulFunction: configFlag("is_stateful_function", "a stateful function (default false)"),
  enableAuthInHeader: configFlag("enable_auth_in_header", "pass the caller's auth in the request header (default false)"),
  enableClassIsolation: configFlag("enable_class_isolation", "isolate classes between calls (Java; default false)"),
  extendConfig: {
    type: z.string().refine((s) => { try { JSON.parse(s); return true; } catch { return false; } }, {
      message: "must be JSON text (the service's extend_config)",
    }),
    apply: "config", clear: "unset", config: "extend_config", model: "extend_config", unset: "",
    doc: "extension settings as JSON text (`extend_config`)",
  },
  // Logs.
  logGroupId: {
    type: resourceId("LTS log group"), apply: "config", clear: "unset", unset: "", config: "log_config.group_id", model: "log_group_id",
    alsoSend: { enable_lts_log: true }, alsoSendCleared: { enable_lts_log: false }, doc: "LTS log group id (with `logStreamId`)",
  },
  logStreamId: {
    type: resourceId("LTS log stream"), apply: "config", clear: "unset", unset: "", config: "log_config.stream_id", model: "log_stream_id",
    doc: "LTS log stream id (with `logGroupId`)",
  },
  logGroupName: {
    type: nonEmpty("the LTS log group name"), apply: "config", clear: "unset", unset: "", config: "log_config.group_name", writeOnly: true,
    doc: "LTS log group name (sent with the id; not read back)",
  },
  logStreamName: {
    type: nonEmpty("the LTS log stream name"), apply: "config", clear: "unset", unset: "", config: "log_config.stream_name", writeOnly: true,
    doc: "LTS log stream name (sent with the id; not read back)",
  },
  // Tags.
  tags: {
    type: TagsSchema, apply: "tags", clear: "unset", unset: {},
    doc: "string map, ≤ 20; applied with the tags API (added, changed and removed exactly)",
  },
  // Asynchronous invocation and reserved instances (their own APIs).
  asyncConfig: {
    // Cleared with its own call (`DELETE …/async-invoke-config`): the service then has none.
    type: AsyncConfigSchema, apply: "asyncConfig", clear: "unset", unset: null, apiType: AsyncConfigApiSchema,
    toApi: (a: AsyncConfig | undefined) => (a ? compact({
      max_async_retry_attempts: a.maxAsyncRetryAttempts, max_async_event_age_in_seconds: a.maxAsyncEventAgeInSeconds,
      destination_config: a.onSuccess || a.onFailure ? compact({ on_success: destToApi(a.onSuccess), on_failure: destToApi(a.onFailure) }) : undefined,
      enable_async_status_log: a.enableAsyncStatusLog,
    }) : undefined),
    fromApi: (v: Record<string, unknown> | undefined) => {
      if (!v) return undefined;
      const dc = (v.destination_config ?? {}) as Record<string, unknown>;
      return compact({
        maxAsyncRetryAttempts: typeof v.max_async_retry_attempts === "number" ? v.max_async_retry_attempts : undefined,
        maxAsyncEventAgeInSeconds: typeof v.max_async_event_age_in_seconds === "number" ? v.max_async_event_age_in_seconds : undefined,
        onSuccess: destFromApi(dc.on_success), onFailure: destFromApi(dc.on_failure),
        enableAsyncStatusLog: typeof v.enable_async_status_log === "boolean" ? v.enable_async_status_log : undefined,
      });
    },
    doc: "`{ maxAsyncRetryAttempts?, maxAsyncEventAgeInSeconds?, onSuccess?, onFailure?: { destination: OBS|SMN|DIS|FunctionGraph, param } , enableAsyncStatusLog? }`; its own call",
  },
  reservedInstances: {
    type: z.array(ReservedSchema).max(20, { message: "at most 20 entries (one per version or alias)" })
      .refine((l) => new Set(l.map(reservedQualifier)).size === l.length, { message: "one entry per version or alias" }),
    apply: "reserved", clear: "unset", apiType: ReservedApiSchema, unset: [],
    toApi: (r: Reserved) => compact({
      count: r.count, idle_mode: r.idleMode,
      tactics_config: r.cronConfigs || r.metricConfigs ? compact({
        cron_configs: r.cronConfigs?.map((c) => ({ name: c.name, cron: c.cron, count: c.count, start_time: c.startTime, expired_time: c.expiredTime })),
        metric_configs: r.metricConfigs?.map((m) => ({ name: m.name, type: m.type, threshold: m.threshold, min: m.min })),
      }) : undefined,
    }),
    doc: "`[{ qualifier?: latest|<version>|<alias>, qualifierType?: version|alias, count, idleMode?, cronConfigs?, metricConfigs? }]`; its own call; the counts are read back",
  },
  // The resource's own switches and target.
  publishVersion: {
    type: bool, default: false, apply: "local", clear: "defaulted",
    doc: "publish a version whenever code or settings change",
  },
  ...SWITCH_PROPERTIES,
  ...TARGET_PROPERTIES,
  // Outputs: the rest of the function model (seed 000 Table 4 / seed 004), and what the provider tracks.
  funcUrn: {
    type: z.string(), apply: "output", clear: "output", model: "func_urn", fromApi: (v: unknown) => (typeof v === "string" ? normalizeUrn(v) : undefined),
    always: true, stable: true, known: functionUrnOf, doc: "the function's URN (without `:latest`)",
  },
  funcId: { type: z.string(), apply: "output", clear: "output", model: "func_id", stable: true, doc: "the function's id" },
  cpu: { type: z.number(), apply: "output", clear: "output", model: "cpu", doc: "CPU millicores" },
  codeType: { type: z.string(), apply: "output", clear: "output", model: "code_type", doc: "code type" },
  codeFilename: { type: z.string(), apply: "output", clear: "output", model: "code_filename", doc: "code file name" },
  codeSize: { type: z.number(), apply: "output", clear: "output", model: "code_size", doc: "code size in bytes" },
  digest: { type: z.string(), apply: "output", clear: "output", model: "digest", doc: "SHA512 of the code as the service reports it" },
  version: {
    type: z.string(), apply: "output", clear: "output", always: true, known: (get) => (get("publishVersion") === false ? "latest" : undefined),
    doc: "`latest`, or the version published by this resource",
  },
  versionDescription: { type: z.string(), apply: "output", clear: "output", model: "version_description", doc: "version description" },
  imageName: { type: z.string(), apply: "output", clear: "output", model: "image_name", doc: "internal image name" },
  lastModified: { type: z.string(), apply: "output", clear: "output", model: "last_modified", doc: "last modification time" },
  namespace: { type: z.string(), apply: "output", clear: "output", model: "namespace", stable: true, known: (get) => get("projectId"), doc: "the project id the function lives in" },
  projectName: { type: z.string(), apply: "output", clear: "output", model: "project_name", stable: true, doc: "the project name" },
  domainId: { type: z.string(), apply: "output", clear: "output", model: "domain_id", stable: true, doc: "the account (domain) id" },
  dependList: {
    type: z.array(z.string()), apply: "output", clear: "output", model: "depend_list",
    fromApi: (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined), doc: "dependency ids (`depend_list`)",
  },
  dependencyPackages: {
    type: z.array(z.record(z.string(), z.unknown())), apply: "output", clear: "output", model: "dependencies",
    fromApi: (v: unknown) => (Array.isArray(v) ? v : undefined), doc: "the dependency packages' details (`dependencies`)",
  },
  funcCode: {
    type: z.object({ file: z.string().optional(), link: z.string().optional() }), apply: "output", clear: "output", model: "func_code",
    doc: "`func_code` (the service returns it empty)",
  },
  sourceSha512: { type: z.string(), apply: "output", clear: "output", always: true, doc: "SHA512 over the packaged files' paths, exec bits and bytes" },
  zipSha512: { type: z.string(), apply: "output", clear: "output", always: true, doc: "SHA512 of the uploaded code zip" },
  fileCount: { type: z.number(), apply: "output", clear: "output", always: true, doc: "number of packaged files" },
  expectedDigest: { type: z.string(), apply: "output", clear: "output", doc: "the digest of the code this resource uploaded (drift: `digest` differs)" },
  incomplete: { type: z.boolean(), apply: "output", clear: "output", doc: "set on a partially created resource" },
} as const satisfies Record<string, PropertyRow>;

/** The function's URN from its identity (region, project, app, name), as the service builds it; `undefined` until all are known. */
function functionUrnOf(get: (name: string) => unknown): string | undefined {
  const parts = [get("region"), get("projectId"), get("package"), get("funcName")];
  if (!parts.every((p) => typeof p === "string" && p !== "")) return undefined;
  const [region, project, pkg, name] = parts as string[];
  return `urn:fss:${region}:${project}:function:${pkg}:${name}`;
}

/** An absolute http(s) URL without credentials, query or fragment (what `resolveTarget` accepts as endpoint). */
function isHttpUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password && !url.search && !url.hash;
}
