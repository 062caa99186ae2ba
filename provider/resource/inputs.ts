/**
 * The `Function` resource's inputs as a zod schema: the single definition of what `check` accepts, with the
 * reason and the allowed values in every message. The checked-input type is inferred from it.
 */
import { z } from "zod";
import {
  DESCRIPTION_MAX, FUNC_NAME_PATTERN, HANDLER_PATTERN, MEMORY_SIZES, PACKAGE_NAME_PATTERN, PROJECT_ID_PATTERN,
  REGION_PATTERN, RUNTIMES, TIMEOUT_RANGE, USER_DATA_LIMITS,
} from "../api/constraints";
import { FUNCTION_DEFAULTS } from "./defaults";
import type { TrackedInputs } from "./outputs";

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

const memoryList = MEMORY_SIZES.join(", ");

/** Environment variable map (`user_data`): string values, at most 20 entries and 4 KB as JSON. */
export const EnvironmentSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, {
      message: "variable names must start with a letter or '_' and use letters, digits, '_', '.', '-'",
    }),
    z.string({ message: "every environment value must be a string" }),
  )
  .refine((env) => Object.keys(env).length <= USER_DATA_LIMITS.maxEntries, {
    message: `at most ${USER_DATA_LIMITS.maxEntries} variables are allowed (the service limit); move the rest into a config file in the package`,
  })
  .refine((env) => Buffer.byteLength(JSON.stringify(env)) <= USER_DATA_LIMITS.maxBytes, {
    message: `the variables take more than ${USER_DATA_LIMITS.maxBytes} bytes as JSON (the service limit); shorten them or move them into the package`,
  });

/** The user-facing arguments field by field (no cross-field rules: `.partial()` works on it). */
export const FunctionInputsFields = z.object({
  sourceDir: z.string({ message: "required: the directory holding the function code" })
    .min(1, { message: "must not be empty: give the directory holding the function code" }).optional(),
  runtime: z.enum(RUNTIMES, { message: `required: one of ${RUNTIMES.join(", ")}` }),
  handler: z.string({ message: "required: '<file>.<function>', e.g. 'index.handler'" }).regex(HANDLER_PATTERN, {
    message: "must look like '<file>.<function>' (contain a '.', 3-128 characters, no spaces), e.g. 'index.handler'",
  }),
  funcName: z.string({ message: "required: the function name" }).regex(FUNC_NAME_PATTERN, {
    message: "must be 1-60 letters, digits, '-' or '_', start with a letter and end with a letter or digit",
  }),
  package: z.string().regex(PACKAGE_NAME_PATTERN, {
    message: "must be 1-64 letters, digits or '_' (the default is 'default')",
  }).default(FUNCTION_DEFAULTS.package),
  memorySize: z.number({ message: `must be a number of MB: one of ${memoryList}` }).int()
    .refine((m) => (MEMORY_SIZES as readonly number[]).includes(m), { message: `must be one of ${memoryList} (MB)` })
    .default(FUNCTION_DEFAULTS.memorySize),
  timeout: z.number({ message: `must be a number of seconds from ${TIMEOUT_RANGE.min} to ${TIMEOUT_RANGE.max}` }).int({
    message: "must be a whole number of seconds",
  }).min(TIMEOUT_RANGE.min, { message: `must be at least ${TIMEOUT_RANGE.min} seconds` })
    .max(TIMEOUT_RANGE.max, { message: `must be at most ${TIMEOUT_RANGE.max} seconds (72 hours)` })
    .default(FUNCTION_DEFAULTS.timeout),
  description: z.string().max(DESCRIPTION_MAX, { message: `must be at most ${DESCRIPTION_MAX} characters` }).optional(),
  environment: EnvironmentSchema.optional(),
  exclude: z.array(z.string({ message: "every pattern must be a string (gitignore syntax)" })).optional(),
  useIgnoreFiles: z.boolean({ message: "must be true or false" }).default(FUNCTION_DEFAULTS.useIgnoreFiles),
  publishVersion: z.boolean({ message: "must be true or false" }).default(FUNCTION_DEFAULTS.publishVersion),
  adopt: z.boolean({ message: "must be true or false" }).default(FUNCTION_DEFAULTS.adopt),
  driftCheck: z.boolean({ message: "must be true or false" }).default(FUNCTION_DEFAULTS.driftCheck),
  region: z.string().regex(REGION_PATTERN, { message: "must be a region name like 'cn-north-4' or 'ap-southeast-1'" })
    .optional(),
  projectId: z.string().regex(PROJECT_ID_PATTERN, {
    message: "must be the project id: 32 letters and digits (IAM console → My Credentials → Projects)",
  }).optional(),
  // Code through OBS (obs-code.ts): where big packages are staged, or the user's own object instead of sourceDir.
  codeStorage: z.enum(["inline", "obs"], { message: "must be 'inline' (the code in the API request, up to 50 MB) or 'obs' (staged in codeBucket, up to 300 MB)" }).optional(),
  codeBucket: z.string({ message: "must be an OBS bucket name" }).optional(),
  codeUrl: z.string({ message: "must be an OBS object URL" }).refine(isHttpUrl, {
    message: "must be an OBS object URL: https://<bucket>.obs.<region>.myhuaweicloud.com/<key>",
  }).optional(),
  endpoint: z.string().refine(isHttpUrl, {
    message: "must be an absolute http(s) URL without user info, query or fragment, e.g. " +
      "'https://functiongraph.cn-north-4.myhuaweicloud.com' (or leave it unset to use the region's endpoint)",
  }).optional(),
});

/** The user-facing arguments after defaults, as `check` validates them, with the cross-field rules. */
export const FunctionInputsSchema = FunctionInputsFields.refine((i) => i.package !== i.funcName, {
  message: "the app (package) name must differ from the function name (FSS.1058)", path: ["package"],
}).refine((i) => i.sourceDir !== undefined || i.codeUrl !== undefined, {
  message: "required: the directory holding the function code (or codeUrl: a package you keep in OBS)", path: ["sourceDir"],
}).refine((i) => i.sourceDir === undefined || i.codeUrl === undefined, {
  message: "set either sourceDir (the code is zipped from it) or codeUrl (your own package in OBS), not both", path: ["codeUrl"],
});

/** Arguments as validated by `check`, defaults applied. */
export type FunctionInputs = z.infer<typeof FunctionInputsSchema>;

/** The names of the user-facing arguments (what `check` reads from the raw inputs). */
export const INPUT_KEYS = Object.keys(FunctionInputsFields.shape) as (keyof FunctionInputs)[];

/** Checked inputs as stored in state: the user's arguments with defaults, plus what `check` computed. */
export type CheckedInputs = FunctionInputs & TrackedInputs;
