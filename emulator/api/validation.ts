/**
 * Request validation: bodies parsed with the shared zod schemas (failures mapped to the service's specific
 * codes where one exists, else 400 FSS.0400 naming the field), and the Create Function field rules applied to
 * imported YAML and config updates (FSS.1002/1003/1005/1007/1008/1009/1017/1018/1019).
 */
import type { z } from "zod";
import {
  DESCRIPTION_MAX, ENV_NAME_PATTERN, FUNC_NAME_PATTERN, HANDLER_PATTERN, MEMORY_SIZES, PACKAGE_NAME_PATTERN, RUNTIMES, TIMEOUT_RANGE,
  USER_DATA_LIMITS,
} from "../../provider/api/constraints";
import { UpdateFunctionConfigRequestSchema } from "../../provider/api/schemas";
import { ApiError, Errors } from "../http/errors";
import { parseJsonObject } from "../http/json-object";

/** Which specific error a failing top-level body field maps to (others give FSS.0400). */
const FIELD_ERRORS: Record<string, (msg: string) => ApiError> = {
  func_name: Errors.invalidName,
  handler: Errors.invalidHandler,
  runtime: Errors.invalidRuntime,
  memory_size: Errors.invalidMemory,
  timeout: Errors.invalidTimeout,
  file_type: Errors.invalidFileType,
  package: Errors.invalidPackage,
  code_type: Errors.invalidCodeType,
  user_data: Errors.invalidUserData,
  description: () => Errors.descriptionTooLong(DESCRIPTION_MAX),
};

/** The specific error of a config field (`memory_size` → FSS.1007, …), if it has one. */
export function fieldError(field: string | undefined, message: string): ApiError | undefined {
  const top = field?.split(".")[0];
  return top !== undefined && Object.hasOwn(FIELD_ERRORS, top) ? FIELD_ERRORS[top](message) : undefined;
}

/**
 * Validates config fields (an import template's, without `func_name`) exactly as a `PUT …/config` body's:
 * the Create Function rules with their FSS codes, then every other field's type and limits from the table.
 */
export function validateConfigFields(fields: Record<string, unknown>): void {
  validateFunctionFields(fields as unknown as FunctionFields);
  validateBody(UpdateFunctionConfigRequestSchema, { ...fields, func_name: "imported" });
}

/** Rules across fields of a resulting config: the service refuses a VPC without an agency. */
export function validateConfigRules(config: Record<string, unknown>): void {
  const vpc = config.func_vpc as { vpc_id?: string } | null | undefined;
  if (vpc && vpc.vpc_id && !config.xrole) {
    throw Errors.badRequest("Invalid request body: func_vpc: a VPC needs an agency (xrole) that may manage its network interfaces");
  }
}

/** Parses a JSON body buffer; 400 FSS.0400 when it is not a JSON object. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8") || "null");
  } catch {
    throw Errors.badRequest("the request body is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw Errors.badRequest("the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Validates a body with a shared schema; the first issue becomes the error, its field named in the message. */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join(".") || "(body)";
  const top = String(issue.path[0] ?? "");
  const absent = body !== null && typeof body === "object" && (body as Record<string, unknown>)[top] === undefined;
  // A missing required field is a generic 400 naming it; a present but invalid one gets the field's own code.
  const specific = absent ? undefined : FIELD_ERRORS[top];
  const message = absent ? `${field}: is required` : `${field}: ${issue.message}`;
  throw specific ? specific(message) : Errors.badRequest(`Invalid request body: ${message}`);
}

/** The function fields shared by import (YAML) and config updates. */
export interface FunctionFields {
  runtime: string;
  handler: string;
  memory_size: number;
  timeout: number;
  description?: string;
  user_data?: string;
}

/** Create Function's field rules; throws the specific FSS code for the first violation. */
export function validateFunctionFields(f: FunctionFields): void {
  if (typeof f.handler !== "string" || !HANDLER_PATTERN.test(f.handler)) {
    throw Errors.invalidHandler(`'${String(f.handler)}' must contain a '.' and be 3-128 characters`);
  }
  if (typeof f.runtime !== "string" || !(RUNTIMES as readonly string[]).includes(f.runtime)) {
    throw Errors.invalidRuntime(`'${String(f.runtime)}' is not one of ${RUNTIMES.join(", ")}`);
  }
  if (!(MEMORY_SIZES as readonly number[]).includes(f.memory_size)) {
    throw Errors.invalidMemory(`${String(f.memory_size)} is not one of ${MEMORY_SIZES.join(", ")}`);
  }
  if (!Number.isInteger(f.timeout) || f.timeout < TIMEOUT_RANGE.min || f.timeout > TIMEOUT_RANGE.max) {
    throw Errors.invalidTimeout(`${String(f.timeout)} is not an integer between ${TIMEOUT_RANGE.min} and ${TIMEOUT_RANGE.max}`);
  }
  if (f.description !== undefined && (typeof f.description !== "string" || f.description.length > DESCRIPTION_MAX)) {
    throw Errors.descriptionTooLong(DESCRIPTION_MAX);
  }
  if (f.user_data !== undefined) validateUserData(f.user_data);
}

/** `user_data` is a JSON object of string values (empty string allowed): ≤ 20 entries, ≤ 4 KB. */
export function validateUserData(userData: string): void {
  if (userData === "") return;
  const parsed = parseJsonObject(userData);
  if (!parsed) throw Errors.invalidUserData("not a JSON object");
  const entries = Object.entries(parsed);
  if (entries.some(([k, v]) => k === "" || typeof v !== "string")) {
    throw Errors.invalidUserData("every key must be non-empty and every value a string");
  }
  const badName = entries.find(([k]) => !ENV_NAME_PATTERN.test(k));
  if (badName) throw Errors.invalidUserData(`variable name '${badName[0]}': a letter, then letters, digits and '_'`);
  if (entries.length > USER_DATA_LIMITS.maxEntries) throw Errors.tooManyUserData(entries.length, USER_DATA_LIMITS.maxEntries);
  const bytes = Buffer.byteLength(userData, "utf8");
  if (bytes > USER_DATA_LIMITS.maxBytes) throw Errors.userDataTooLarge(bytes, USER_DATA_LIMITS.maxBytes);
}

/** Function name rule (FSS.1002). */
export function validateFunctionName(name: string): void {
  if (!FUNC_NAME_PATTERN.test(name)) throw Errors.invalidName(`'${name}'`);
}

/** Package (app) name rule (FSS.1004). */
export function validatePackageName(name: string): void {
  if (!PACKAGE_NAME_PATTERN.test(name)) throw Errors.invalidPackage(`'${name}'`);
}
