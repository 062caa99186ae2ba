/**
 * The FunctionGraph API shapes as zod schemas — the single source of truth. TypeScript types are inferred from
 * them (never written twice), the client validates every response against them, and the emulator validates
 * every request and response against the same ones.
 *
 * Responses are tolerant: unknown extra fields pass through (`z.looseObject`) and optional fields may be absent
 * or `null` (the service returns both). Requests are strict where the service is.
 */
import { z } from "zod";
import { FUNC_NAME_PATTERN, PACKAGE_NAME_PATTERN } from "./constraints";
import { AsyncConfigApiSchema, FUNCTION_PROPERTIES, ReservedApiSchema, TagsSchema } from "./function-properties";
import { configBodySchema } from "./property-derivations";

/** An optional response field the service sends absent, or `null`. */
const opt = <T extends z.ZodType>(schema: T) => schema.nullish();
/** Optional response fields of one type, in the order given (so a model's fields keep the documented order). */
function nullish<T extends z.ZodType, K extends string>(schema: T, ...keys: K[]): Record<K, ReturnType<typeof opt<T>>> {
  return Object.fromEntries(keys.map((k) => [k, opt(schema)])) as Record<K, ReturnType<typeof opt<T>>>;
}

/** `last_modified` appears as `YYYY-MM-DD HH:mm:ss` (import, seed 000) and as ISO-8601 with offset (seed 004). */
export const LastModifiedSchema = z.string().refine(
  (s) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s) ||
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(s),
  { message: "expected 'YYYY-MM-DD HH:mm:ss' or an ISO-8601 date with offset" },
);

/** A function URN, full (7 or 8 fields, with or without `:latest`) or short. */
export const FuncUrnSchema = z.string().min(1);

/** `func_name` as the API documents it. */
export const FuncNameSchema = z.string().regex(FUNC_NAME_PATTERN, {
  message: "1-60 letters, digits, '-' or '_', starting with a letter and ending with a letter or digit",
});

/** The error body of every failed call: `{ error_code, error_msg }` (request id in `X-Request-Id`). */
export const ErrorBodySchema = z.looseObject({
  error_code: z.string(),
  error_msg: z.string(),
});
/** The error body of a failed call. */
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** `func_vpc` (seed 000 Table 5). */
export const FuncVpcSchema = z.looseObject({
  domain_id: opt(z.string()),
  namespace: opt(z.string()),
  vpc_name: opt(z.string()),
  vpc_id: opt(z.string()),
  subnet_name: opt(z.string()),
  subnet_id: opt(z.string()),
  cidr: opt(z.string()),
  gateway: opt(z.string()),
  security_groups: opt(z.array(z.string())),
});

/** `strategy_config` (seed 000 Table 6). */
export const StrategyConfigSchema = z.looseObject({
  concurrency: opt(z.number().int()),
  concurrent_num: opt(z.number().int()),
});

/** `func_code` — `file` is deprecated (empty), `link` a download URL. */
export const FuncCodeSchema = z.looseObject({
  file: opt(z.string()),
  link: opt(z.string()),
});

/**
 * The function model: import response (seed 000 Table 4), get/update config responses and list items
 * (seed 004). Every documented field typed; identity fields required, the rest optional.
 */
export const FunctionModelSchema = z.looseObject({
  func_urn: FuncUrnSchema,
  func_name: z.string(),
  ...nullish(z.string(), "domain_id", "namespace", "project_name", "package"),
  runtime: z.string(),
  timeout: z.number().int(),
  handler: z.string(),
  memory_size: z.number().int(),
  ...nullish(z.number().int(), "gpu_memory", "cpu"),
  ...nullish(z.string(), "code_type", "code_url", "code_filename"),
  code_size: opt(z.number().int()),
  ...nullish(z.string(), "user_data", "encrypted_user_data", "digest", "version", "image_name", "xrole", "app_xrole", "description", "version_description"),
  last_modified: opt(LastModifiedSchema),
  func_code: opt(FuncCodeSchema),
  func_vpc: opt(FuncVpcSchema),
  mount_config: opt(z.unknown()),
  depend_list: opt(z.array(z.string())),
  depend_version_list: opt(z.array(z.string())),
  dependencies: opt(z.unknown()),
  strategy_config: opt(StrategyConfigSchema),
  ...nullish(z.string(), "extend_config", "initializer_handler"),
  initializer_timeout: opt(z.number().int()),
  pre_stop_handler: opt(z.string()),
  pre_stop_timeout: opt(z.number().int()),
  enterprise_project_id: opt(z.string()),
  // Get-config extras (ShowFunctionConfigResponse in the official SDK).
  ...nullish(z.string(), "func_id", "resource_id", "type"),
  ephemeral_storage: opt(z.number().int()),
  ...nullish(z.string(), "gpu_type", "user_data_encrypt_kms_key_id"),
  custom_image: opt(z.looseObject({ enabled: opt(z.boolean()), image: opt(z.string()) })),
  ...nullish(z.string(), "log_group_id", "log_stream_id"),
  ...nullish(z.boolean(), "is_stateful_function", "enable_dynamic_memory", "enable_auth_in_header", "enable_class_isolation"),
  ...nullish(z.string(), "heartbeat_handler", "restore_hook_handler"),
  restore_hook_timeout: opt(z.number().int()),
  ...nullish(z.string(), "domain_names", "peering_cidr"),
  network_controller: opt(z.looseObject({})),
});
/** A function model (import, get/update config, list items, versions). */
export type FunctionModel = z.infer<typeof FunctionModelSchema>;

/** `POST /v2/{project_id}/fgs/functions/import` request body (seed 000 Table 3). */
export const ImportFunctionRequestSchema = z.object({
  func_name: FuncNameSchema,
  file_name: z.string().min(1),
  file_type: z.literal("zip"),
  file_code: z.base64(),
  package: z.string().regex(PACKAGE_NAME_PATTERN).optional(),
});
/** The `POST /import` request body. */
export type ImportFunctionRequest = z.infer<typeof ImportFunctionRequestSchema>;

/** `GET /{urn}/code` response. */
export const FunctionCodeSchema = z.looseObject({
  func_urn: FuncUrnSchema,
  func_name: opt(z.string()),
  runtime: opt(z.string()),
  code_type: opt(z.string()),
  code_url: opt(z.string()),
  code_filename: opt(z.string()),
  code_size: opt(z.number().int()),
  digest: opt(z.string()),
  last_modified: opt(LastModifiedSchema),
  func_code: opt(FuncCodeSchema),
  depend_list: opt(z.array(z.string())),
  depend_version_list: opt(z.array(z.string())),
  strategy_config: opt(StrategyConfigSchema),
});
/** The `GET /{urn}/code` response. */
export type FunctionCode = z.infer<typeof FunctionCodeSchema>;

/** `PUT /{urn}/code` request body. */
export const UpdateFunctionCodeRequestSchema = z.object({
  code_type: z.literal("zip"),
  code_filename: z.string().min(1),
  func_code: z.object({ file: z.base64() }),
  depend_version_list: FUNCTION_PROPERTIES.dependencies.type.optional(),
});
/** The `PUT /{urn}/code` request body. */
export type UpdateFunctionCodeRequest = z.infer<typeof UpdateFunctionCodeRequestSchema>;

/** `PUT /{urn}/code` with the package in OBS: the service reads it from the object at `code_url`. */
export const UpdateFunctionCodeFromObsRequestSchema = z.object({
  code_type: z.literal("obs"),
  code_url: z.url({ protocol: /^https?$/, message: "code_url: expected the object's http(s) URL, https://<bucket>.obs.<region>.myhuaweicloud.com/<key>" }),
  code_filename: z.string().min(1).optional(),
  depend_version_list: z.array(z.string()).optional(),
});
/** The `PUT /{urn}/code` body for a package in OBS. */
export type UpdateFunctionCodeFromObsRequest = z.infer<typeof UpdateFunctionCodeFromObsRequestSchema>;

/** `PUT /{urn}/code` response. */
export const UpdateFunctionCodeResponseSchema = FunctionCodeSchema;
/** The `PUT /{urn}/code` response. */
export type UpdateFunctionCodeResponse = z.infer<typeof UpdateFunctionCodeResponseSchema>;

/**
 * `PUT /{urn}/config` request body, derived from the property table's `config` fields (types and limits as the
 * arguments'): `func_name, runtime, timeout, handler, memory_size` required.
 */
export const UpdateFunctionConfigRequestSchema = configBodySchema();

/** `PUT /{urn}/config-max-instance` request body (the official SDK's UpdateFunctionMaxInstanceConfigRequestBody). */
export const UpdateMaxInstanceRequestSchema = z.object({
  max_instance_num: FUNCTION_PROPERTIES.maxInstanceNum.type,
});

/** `PUT /{urn}/async-invoke-config` request body (the table's `asyncConfig` in API form). */
export const AsyncInvokeConfigRequestSchema = AsyncConfigApiSchema;

/** `GET/PUT /{urn}/async-invoke-config` response (`ShowFunctionAsyncInvokeConfigResponse`). */
export const AsyncInvokeConfigSchema = z.looseObject({
  func_urn: opt(z.string()),
  max_async_event_age_in_seconds: opt(z.number().int()),
  max_async_retry_attempts: opt(z.number().int()),
  destination_config: opt(z.looseObject({
    on_success: opt(z.looseObject({ destination: z.string(), param: opt(z.string()) })),
    on_failure: opt(z.looseObject({ destination: z.string(), param: opt(z.string()) })),
  })),
  enable_async_status_log: opt(z.boolean()),
  created_time: opt(z.string()),
  last_modified: opt(z.string()),
});

/** `PUT /{urn:qualifier}/reservedinstances` request body (the table's `reservedInstances` entry in API form). */
export const ReservedInstancesRequestSchema = ReservedApiSchema;

/** `PUT /{urn}/reservedinstances` response (`UpdateFunctionReservedInstancesCountResponse`). */
export const ReservedInstancesSchema = z.looseObject({
  count: z.number().int(),
  idle_mode: opt(z.boolean()),
  tactics_config: opt(z.looseObject({})),
});

/** `GET /fgs/functions/reservedinstances?urn=` response (`ListFunctionReservedInstancesResponse`). */
export const ListReservedInstancesResponseSchema = z.looseObject({
  reservedinstances: z.array(z.looseObject({ func_urn: z.string(), count: z.number().int() })),
  page_info: opt(z.looseObject({})),
  count: opt(z.number().int()),
});

/** One tag as the tags API carries it (`KvItem`). */
export const TagItemSchema = z.object({ key: z.string(), value: z.string().optional() });

/**
 * `POST /v2/{project_id}/functions/{resource_id}/tags/create` and `DELETE …/tags/delete` body
 * (`UpdateFunctionTagsRequestBody`): `action` and the tags; keys and values follow the table's tag rules.
 */
export const TagsRequestSchema = z.object({
  action: z.enum(["create", "delete"]).optional(),
  tags: z.array(TagItemSchema).min(1).superRefine((items, ctx) => {
    const map = Object.fromEntries(items.map((t) => [t.key, t.value ?? ""]));
    const r = TagsSchema.safeParse(map);
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: "custom", message: i.message, path: i.path });
  }),
});
/** The tags API request body. */
export type TagsRequest = z.infer<typeof TagsRequestSchema>;

/** `GET /v2/{project_id}/functions/{resource_id}/tags` response (`ListFunctionTagsResponse`). */
export const ListTagsResponseSchema = z.looseObject({
  tags: opt(z.array(z.looseObject({ key: z.string(), value: opt(z.string()) }))),
  sys_tags: opt(z.array(z.unknown())),
});
/** The `GET …/tags` response. */
export type ListTagsResponse = z.infer<typeof ListTagsResponseSchema>;

/** `POST /{urn}/versions` request body. */
export const PublishVersionRequestSchema = z.object({
  digest: z.string().optional(),
  version: z.string().optional(),
  description: z.string().optional(),
});
/** The `POST /{urn}/versions` request body. */
export type PublishVersionRequest = z.infer<typeof PublishVersionRequestSchema>;

/** `POST /{urn}/versions` response: the model of the version. */
export const PublishVersionResponseSchema = FunctionModelSchema;

/** `GET /v2/{project_id}/fgs/functions` response; `next_marker` is a number or a string depending on version. */
export const ListFunctionsResponseSchema = z.looseObject({
  functions: z.array(FunctionModelSchema),
  next_marker: opt(z.union([z.number().int(), z.string()])),
  count: opt(z.number().int()),
});
/** One page of `GET /v2/{project_id}/fgs/functions`. */
export type ListFunctionsResponse = z.infer<typeof ListFunctionsResponseSchema>;

/** `GET /{urn}/versions` response: the models of the function's versions (`latest` included). */
export const ListVersionsResponseSchema = z.looseObject({
  versions: z.array(FunctionModelSchema),
  next_marker: opt(z.union([z.number().int(), z.string()])),
  count: opt(z.number().int()),
});
/** The `GET /{urn}/versions` response. */
export type ListVersionsResponse = z.infer<typeof ListVersionsResponseSchema>;

/** `GET /{urn}/export` response [U]: a JSON `{file_name, code_url}` (or a zip stream, handled by the client). */
export const ExportFunctionResponseSchema = z.looseObject({
  file_name: opt(z.string()),
  code_url: opt(z.string()),
});
/** The JSON form of the `GET /{urn}/export` response. */
export type ExportFunctionResponse = z.infer<typeof ExportFunctionResponseSchema>;

/** The `PUT /{urn}/config` request body: the required fields typed, the rest as the table derives them. */
export type UpdateFunctionConfigRequest = {
  func_name: string; runtime: string; timeout: number; handler: string; memory_size: number;
} & Record<string, unknown>;
