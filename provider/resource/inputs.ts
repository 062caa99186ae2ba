/**
 * The `Function` resource's inputs, derived from the property table (../api/function-properties.ts): the zod
 * schema `check` validates with (each argument's type, limits and message from its row) and the rules that
 * join two arguments. The checked-input type is derived from the table too.
 */
import { FUNCTION_PROPERTIES } from "../api/function-properties";
import { ARG_NAMES, argObjectOf, type ArgName, type FunctionArgValues } from "../api/property-derivations";
import type { TrackedInputs } from "./outputs";

/** Variable map schema (`environment`, `encryptedEnvironment`), re-exported from the table. */
export { VariablesSchema as EnvironmentSchema } from "../api/function-properties";

/** The user-facing arguments field by field (no cross-field rules: `.partial()` works on it). */
export const FunctionInputsFields = argObjectOf(FUNCTION_PROPERTIES);

/** The user-facing arguments after defaults, as `check` validates them (cross-field rules: cross-rules.ts). */
export const FunctionInputsSchema = FunctionInputsFields;

/** Arguments as validated by `check`, defaults applied. */
export type FunctionInputs = FunctionArgValues;

/** The names of the user-facing arguments (what `check` reads from the raw inputs). */
export const INPUT_KEYS: readonly ArgName[] = ARG_NAMES;

/** Checked inputs as stored in state: the user's arguments with defaults, plus what `check` computed. */
export type CheckedInputs = FunctionInputs & TrackedInputs;
