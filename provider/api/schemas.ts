/**
 * The FunctionGraph API shapes as zod schemas — the single source of truth. TypeScript types are inferred from
 * them (never written twice), the client validates every response against them, and the emulator validates
 * every request and response against the same ones.
 *
 * Responses are tolerant: unknown extra fields pass through (`z.looseObject`) and optional fields may be absent
 * or `null` (the service returns both). Requests are strict where the service is.
 */
import { z } from "zod";
import {
  DESCRIPTION_MAX, FUNC_NAME_PATTERN, HANDLER_PATTERN, MEMORY_SIZES, PACKAGE_NAME_PATTERN, TIMEOUT_RANGE,
} from "./constraints";

/** An optional response field the service sends absent, or `null`. */
const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

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
  domain_id: opt(z.string()),
  namespace: opt(z.string()),
  project_name: opt(z.string()),
  package: opt(z.string()),
  runtime: z.string(),
  timeout: z.number().int(),
  handler: z.string(),
  memory_size: z.number().int(),
  gpu_memory: opt(z.number().int()),
  cpu: opt(z.number().int()),
  code_type: opt(z.string()),
  code_url: opt(z.string()),
  code_filename: opt(z.string()),
  code_size: opt(z.number().int()),
  user_data: opt(z.string()),
  encrypted_user_data: opt(z.string()),
  digest: opt(z.string()),
  version: opt(z.string()),
  image_name: opt(z.string()),
  xrole: opt(z.string()),
  app_xrole: opt(z.string()),
  description: opt(z.string()),
  version_description: opt(z.string()),
  last_modified: opt(LastModifiedSchema),
  func_code: opt(FuncCodeSchema),
  func_vpc: opt(FuncVpcSchema),
  mount_config: opt(z.unknown()),
  depend_list: opt(z.array(z.string())),
  depend_version_list: opt(z.array(z.string())),
  dependencies: opt(z.unknown()),
  strategy_config: opt(StrategyConfigSchema),
  extend_config: opt(z.string()),
  initializer_handler: opt(z.string()),
  initializer_timeout: opt(z.number().int()),
  pre_stop_handler: opt(z.string()),
  pre_stop_timeout: opt(z.number().int()),
  enterprise_project_id: opt(z.string()),
  // Get-config extras.
  func_id: opt(z.string()),
  resource_id: opt(z.string()),
  type: opt(z.string()),
  ephemeral_storage: opt(z.number().int()),
});

/** `POST /v2/{project_id}/fgs/functions/import` request body (seed 000 Table 3). */
export const ImportFunctionRequestSchema = z.object({
  func_name: FuncNameSchema,
  file_name: z.string().min(1),
  file_type: z.literal("zip"),
  file_code: z.base64(),
  package: z.string().regex(PACKAGE_NAME_PATTERN).optional(),
});

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

/** `PUT /{urn}/code` request body. */
export const UpdateFunctionCodeRequestSchema = z.object({
  code_type: z.literal("zip"),
  code_filename: z.string().min(1),
  func_code: z.object({ file: z.base64() }),
  depend_version_list: z.array(z.string()).optional(),
});

/** `PUT /{urn}/code` response. */
export const UpdateFunctionCodeResponseSchema = FunctionCodeSchema;

/** `PUT /{urn}/config` request body: `func_name, runtime, timeout, handler, memory_size` required. */
export const UpdateFunctionConfigRequestSchema = z.looseObject({
  func_name: FuncNameSchema,
  runtime: z.string().min(1),
  timeout: z.number().int().min(TIMEOUT_RANGE.min).max(TIMEOUT_RANGE.max),
  handler: z.string().regex(HANDLER_PATTERN),
  memory_size: z.number().int().refine((m) => (MEMORY_SIZES as readonly number[]).includes(m), {
    message: `one of ${MEMORY_SIZES.join(", ")}`,
  }),
  user_data: z.string().optional(),
  encrypted_user_data: z.string().optional(),
  description: z.string().max(DESCRIPTION_MAX).optional(),
  xrole: z.string().optional(),
  initializer_handler: z.string().optional(),
  initializer_timeout: z.number().int().optional(),
});

/** `POST /{urn}/versions` request body. */
export const PublishVersionRequestSchema = z.object({
  digest: z.string().optional(),
  version: z.string().optional(),
  description: z.string().optional(),
});

/** `POST /{urn}/versions` response: the model of the version. */
export const PublishVersionResponseSchema = FunctionModelSchema;

/** `GET /v2/{project_id}/fgs/functions` response; `next_marker` is a number or a string depending on version. */
export const ListFunctionsResponseSchema = z.looseObject({
  functions: z.array(FunctionModelSchema),
  next_marker: opt(z.union([z.number().int(), z.string()])),
  count: opt(z.number().int()),
});

/** `GET /{urn}/versions` response: the models of the function's versions (`latest` included). */
export const ListVersionsResponseSchema = z.looseObject({
  versions: z.array(FunctionModelSchema),
  next_marker: opt(z.union([z.number().int(), z.string()])),
  count: opt(z.number().int()),
});

/** `GET /{urn}/export` response [U]: a JSON `{file_name, code_url}` (or a zip stream, handled by the client). */
export const ExportFunctionResponseSchema = z.looseObject({
  file_name: opt(z.string()),
  code_url: opt(z.string()),
});

// Inferred types: one definition of each shape.
/** The error body of a failed call. */
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
/** A function model (import, get/update config, list items, versions). */
export type FunctionModel = z.infer<typeof FunctionModelSchema>;
/** The `POST /import` request body. */
export type ImportFunctionRequest = z.infer<typeof ImportFunctionRequestSchema>;
/** The `GET /{urn}/code` response. */
export type FunctionCode = z.infer<typeof FunctionCodeSchema>;
/** The `PUT /{urn}/code` request body. */
export type UpdateFunctionCodeRequest = z.infer<typeof UpdateFunctionCodeRequestSchema>;
/** The `PUT /{urn}/code` response. */
export type UpdateFunctionCodeResponse = z.infer<typeof UpdateFunctionCodeResponseSchema>;
/** The `PUT /{urn}/config` request body. */
export type UpdateFunctionConfigRequest = z.infer<typeof UpdateFunctionConfigRequestSchema>;
/** The `POST /{urn}/versions` request body. */
export type PublishVersionRequest = z.infer<typeof PublishVersionRequestSchema>;
/** One page of `GET /v2/{project_id}/fgs/functions`. */
export type ListFunctionsResponse = z.infer<typeof ListFunctionsResponseSchema>;
/** The JSON form of the `GET /{urn}/export` response. */
export type ExportFunctionResponse = z.infer<typeof ExportFunctionResponseSchema>;
/** The `GET /{urn}/versions` response. */
export type ListVersionsResponse = z.infer<typeof ListVersionsResponseSchema>;
