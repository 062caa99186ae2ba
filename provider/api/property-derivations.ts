/**
 * What is derived from the property table (function-properties.ts), for the provider and the emulator alike:
 * the argument/input/output types, the argument schemas, the `PUT …/config` body and its schema, the values
 * read back from a model, value comparison, and dotted-path helpers.
 */
import { z } from "zod";
import { FUNCTION_PROPERTIES, type ApplyBy, type PropertyRow } from "./function-properties";

type P = typeof FUNCTION_PROPERTIES;

/** A table of rows: `Function`'s, or a companion resource's (same row type, same derivations). */
export type PropertyTable = Readonly<Record<string, PropertyRow>>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

// ---- what any table derives ----------------------------------------------------------------------------------

/** The argument names of a table (everything but `apply: "output"`). */
export type ArgNameOf<T extends PropertyTable> = { [K in keyof T & string]: T[K]["apply"] extends "output" ? never : K }[keyof T & string];
/** Required arguments. */
export type RequiredArgNameOf<T extends PropertyTable> = { [K in ArgNameOf<T>]: T[K] extends { required: true } ? K : never }[ArgNameOf<T>];
/** Arguments with a default (present after `check`). */
export type DefaultedArgNameOf<T extends PropertyTable> = { [K in ArgNameOf<T>]: T[K] extends { default: unknown } ? K : never }[ArgNameOf<T>];
/** Output names (everything but `notOutput`). */
export type OutputNameOf<T extends PropertyTable> = { [K in keyof T & string]: T[K] extends { notOutput: true } ? never : K }[keyof T & string];
/** Outputs always present. */
type AlwaysOutputNameOf<T extends PropertyTable> = {
  [K in OutputNameOf<T>]: T[K] extends { always: true } ? K : K extends RequiredArgNameOf<T> | DefaultedArgNameOf<T> ? K : never
}[OutputNameOf<T>];
/** Arguments a program must give (required, and not filled by the resource class). */
type ProgramRequiredArgNameOf<T extends PropertyTable> = {
  [K in RequiredArgNameOf<T>]: T[K] extends { filledByClass: true } ? never : K
}[RequiredArgNameOf<T>];

/** The arguments as a program gives them (before defaults; without `pulumi.Input`). */
export type RawArgsOf<T extends PropertyTable> = Simplify<
  { [K in ProgramRequiredArgNameOf<T>]: z.input<T[K]["type"]> } &
  { [K in Exclude<ArgNameOf<T>, ProgramRequiredArgNameOf<T>>]?: z.input<T[K]["type"]> }
>;
/** The arguments as `check` returns them: validated, defaults applied. */
export type ArgValuesOf<T extends PropertyTable> = Simplify<
  { [K in RequiredArgNameOf<T> | DefaultedArgNameOf<T>]: z.output<T[K]["type"]> } &
  { [K in Exclude<ArgNameOf<T>, RequiredArgNameOf<T> | DefaultedArgNameOf<T>>]?: z.output<T[K]["type"]> }
>;
/** The outputs as stored in state. */
export type OutputValuesOf<T extends PropertyTable> = Simplify<
  { [K in AlwaysOutputNameOf<T>]: z.output<T[K]["type"]> } &
  { [K in Exclude<OutputNameOf<T>, AlwaysOutputNameOf<T>>]?: z.output<T[K]["type"]> }
>;

/** The names of a table's rows applied in one of the ways `A`. */
export type NameAppliedOf<T extends PropertyTable, A extends ApplyBy> = { [K in keyof T & string]: T[K]["apply"] extends A ? K : never }[keyof T & string];

/** Names of a table's rows applied in the given way(s), in table order. */
export function namesIn<T extends PropertyTable, A extends ApplyBy>(table: T, ...how: A[]): NameAppliedOf<T, A>[] {
  return Object.keys(table).filter((n) => (how as ApplyBy[]).includes(table[n].apply)) as NameAppliedOf<T, A>[];
}

/** A table's argument names, in table order. */
export function argNamesOf<T extends PropertyTable>(table: T): ArgNameOf<T>[] {
  return Object.keys(table).filter((n) => table[n].apply !== "output") as ArgNameOf<T>[];
}

/** A table's output names, in table order. */
export function outputNamesOf<T extends PropertyTable>(table: T): OutputNameOf<T>[] {
  return Object.keys(table).filter((n) => !table[n].notOutput) as OutputNameOf<T>[];
}

/**
 * What an in-place update never changes, for the diff's `stables`: the rows marked `stable`, and — with
 * `identity` — the rows whose change replaces the resource (unchanged, or it would not be an update).
 */
export function stableNamesOf<T extends PropertyTable>(table: T, identity = false): Array<keyof T & string> {
  return Object.keys(table).filter((n) => table[n].stable || (identity && table[n].apply === "replace"));
}

/**
 * The outputs `check` can already tell from a table's checked arguments (see PropertyRow.known), by name; an
 * argument not known yet (`isUnknown`) counts as absent.
 */
export function knownOutputsOf(table: PropertyTable, inputs: Record<string, unknown>, isUnknown: (v: unknown) => boolean): Record<string, unknown> {
  const get = (name: string) => (isUnknown(inputs[name]) ? undefined : inputs[name]);
  const out: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(table)) {
    const value = r.known?.(get);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** An argument's schema from its row: required, with its default, or optional. */
export function argSchemaOf(r: PropertyRow): z.ZodType {
  if (r.required) return r.type;
  if (r.default !== undefined) return r.type.default(r.default as never);
  return r.type.optional();
}

/** `{ name: argument schema }` for every argument of a table (no cross-field rules), as a zod object. */
export function argObjectOf<T extends PropertyTable>(table: T): z.ZodObject<Record<ArgNameOf<T>, z.ZodType>> {
  return z.object(Object.fromEntries(argNamesOf(table).map((n) => [n, argSchemaOf(table[n])])) as Record<ArgNameOf<T>, z.ZodType>);
}

/**
 * What a companion resource (`Trigger`, `Alias`, `Dependency`) derives from its table: the schema `check`
 * parses, the output names its class declares, the keys whose change replaces it, those that change in place
 * (its update call, and what is only recorded), and what an in-place update never changes (`stables`).
 */
export function resourceKeysOf<T extends PropertyTable>(table: T) {
  return {
    fields: argObjectOf(table),
    outputKeys: outputNamesOf(table),
    replaceKeys: namesIn(table, "replace"),
    inPlaceKeys: namesIn(table, "update", "local"),
    stableKeys: stableNamesOf(table, true),
  };
}

// ---- the Function's table ------------------------------------------------------------------------------------

/** Every property name. */
export type PropertyName = keyof P;
/** The argument names (everything but `apply: "output"`). */
export type ArgName = ArgNameOf<P>;
/** Output names (everything but `notOutput`). */
export type OutputName = OutputNameOf<P>;
/** The checked value type of a property. */
export type ValueOf<K extends PropertyName> = z.output<P[K]["type"]>;

/** The arguments as a program gives them (before defaults; without `pulumi.Input`). */
export type RawFunctionArgs = RawArgsOf<P>;
/** The arguments as `check` returns them: validated, defaults applied. */
export type FunctionArgValues = ArgValuesOf<P>;
/** The outputs as stored in state. */
export type FunctionOutputValues = OutputValuesOf<P>;

/** A row by name, as the generic row type. */
export function row(name: PropertyName): PropertyRow {
  return FUNCTION_PROPERTIES[name];
}

const ALL = Object.keys(FUNCTION_PROPERTIES) as PropertyName[];

/** Names of the properties whose change is applied in the given way(s). */
export function namesApplied(...how: ApplyBy[]): PropertyName[] {
  return namesIn(FUNCTION_PROPERTIES, ...how) as PropertyName[];
}

/** The argument names, in table order. */
export const ARG_NAMES: ArgName[] = argNamesOf(FUNCTION_PROPERTIES);
/** The output names, in table order. */
export const OUTPUT_NAMES: OutputName[] = outputNamesOf(FUNCTION_PROPERTIES);
/** Secret properties (input and output). */
export const SECRET_NAMES = ALL.filter((n) => row(n).secret) as ArgName[];

/** Outputs an in-place update never changes, with the arguments (inputs are outputs too): the diff's `stables`. */
export const STABLE_NAMES = stableNamesOf(FUNCTION_PROPERTIES) as OutputName[];

/**
 * The outputs `check` can already tell from the checked arguments (see PropertyRow.known), by name; an
 * argument not known yet (`isUnknown`) counts as absent.
 */
export function knownOutputs(inputs: Record<string, unknown>, isUnknown: (v: unknown) => boolean): Record<string, unknown> {
  return knownOutputsOf(FUNCTION_PROPERTIES, inputs, isUnknown);
}

// ---- dotted paths ------------------------------------------------------------------------------------------

const own = (o: unknown, k: string): boolean => o !== null && typeof o === "object" && Object.hasOwn(o as object, k);

/** The value at a dotted path (own properties only: `constructor` is never Object's). */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split(".")) {
    if (!own(cur, k)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Sets a dotted path, creating (or replacing non-object) intermediate objects. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = own(cur, k) ? cur[k] : undefined;
    if (next === null || typeof next !== "object" || Array.isArray(next)) {
      Object.defineProperty(cur, k, { value: {}, enumerable: true, writable: true, configurable: true });
    }
    cur = cur[k] as Record<string, unknown>;
  }
  Object.defineProperty(cur, keys[keys.length - 1], { value, enumerable: true, writable: true, configurable: true });
}

/** Removes a dotted path (a no-op when absent). */
export function deletePath(obj: Record<string, unknown>, path: string): void {
  const keys = path.split(".");
  const parent = keys.length === 1 ? obj : getPath(obj, keys.slice(0, -1).join("."));
  if (parent && typeof parent === "object") delete (parent as Record<string, unknown>)[keys[keys.length - 1]];
}

// ---- API values ----------------------------------------------------------------------------------------------

/** An argument value as the API carries it. */
export function toApiValue(name: PropertyName, value: unknown): unknown {
  const r = row(name);
  return r.toApi ? r.toApi(value) : value;
}

/** The API value of "not set" (what clears the field), or undefined when the row has none. */
export function apiUnset(name: PropertyName): unknown {
  const r = row(name);
  if (r.unset === undefined) return undefined;
  return r.toApi ? r.toApi(r.unset) : r.unset;
}

/** An API value as the argument/output carries it (`null` counts as absent). */
export function fromApiValue(name: PropertyName, value: unknown): unknown {
  const r = row(name);
  if (value === null) value = undefined;
  return r.fromApi ? r.fromApi(value) : value;
}

/** Rows sent in the `PUT …/config` body. */
export const CONFIG_NAMES = ALL.filter((n) => row(n).config !== undefined);

/**
 * The `PUT …/config` body for checked arguments. An argument not given is sent as the value that clears it
 * only when it has to be cleared: `actual` (what the service has now) holds something else, the row is
 * `always` present, or a sibling in the same nested object is sent (objects go complete). Without `actual`,
 * every clearable field is sent.
 */
export function configBody(values: Record<string, unknown>, actual?: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const deferred: PropertyName[] = [];
  for (const name of CONFIG_NAMES) {
    const r = row(name);
    const given = values[name];
    if (given === undefined) {
      const mustClear = !actual || r.always || !sameValue(name, undefined, actual[name]);
      if (!mustClear) {
        deferred.push(name);
        continue;
      }
    }
    const value = given === undefined ? r.unset : given;
    const api = value === undefined && !r.toApi ? undefined : toApiValue(name, value);
    if (api !== undefined) setPath(body, r.config!, api);
    const along = given !== undefined ? r.alsoSend : api !== undefined ? r.alsoSendCleared : undefined;
    for (const [k, v] of Object.entries(along ?? {})) setPath(body, k, v);
  }
  // Nested objects go complete: a sibling of a sent field is sent too, as its "not set" value.
  for (const name of deferred) {
    const r = row(name);
    const [top] = r.config!.split(".");
    if (r.config!.includes(".") && Object.hasOwn(body, top) && getPath(body, r.config!) === undefined && r.unset !== undefined) {
      setPath(body, r.config!, toApiValue(name, r.unset));
    }
  }
  return body;
}

/** The schema of one config field's API value: its type, also accepting the value that clears it. */
function apiFieldSchema(name: PropertyName): z.ZodType {
  const r = row(name);
  const base = r.apiType ?? r.type;
  const cleared = apiUnset(name);
  if (cleared === null) return base.nullable();
  if (typeof cleared === "string" || typeof cleared === "number" || typeof cleared === "boolean") {
    return z.union([base, z.literal(cleared)]);
  }
  return base;
}

interface Tree { [key: string]: Tree | z.ZodType }

function treeToSchema(tree: Tree, required: Set<string>, prefix = ""): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const schema = v instanceof z.ZodType ? v : treeToSchema(v, required, path);
    shape[k] = required.has(path) ? schema : schema.optional();
  }
  return z.looseObject(shape);
}

/**
 * The `PUT …/config` body schema, from the config rows (nested objects for dotted fields): the same types and
 * limits as the arguments. Required: the identity and the defaulted/required settings
 * (`func_name, runtime, timeout, handler, memory_size`).
 */
export function configBodySchema(): z.ZodType<Record<string, unknown>> {
  const tree: Tree = {};
  const required = new Set<string>();
  for (const name of CONFIG_NAMES) {
    const r = row(name);
    const keys = r.config!.split(".");
    let node = tree;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Tree;
    node[keys[keys.length - 1]] = apiFieldSchema(name);
    if (r.required || r.default !== undefined) required.add(r.config!);
    for (const k of Object.keys({ ...r.alsoSend, ...r.alsoSendCleared })) tree[k] ??= z.boolean();
  }
  return treeToSchema(tree, required) as z.ZodType<Record<string, unknown>>;
}

/** Rows read back from the function model (drift-checkable). */
export const MODEL_NAMES = ALL.filter((n) => row(n).model !== undefined && !row(n).writeOnly);

/** The values a model carries, by property name (absent/`null` fields left out). */
export function modelValues(model: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of MODEL_NAMES) {
    const v = fromApiValue(name, getPath(model, row(name).model!));
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Canonical JSON (object keys sorted), so key order never counts as a difference. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v)) ?? "undefined";
}

/**
 * Whether a property's desired value can be compared with the service's: when it is set, or when the row
 * knows the service's "not set" value (absent then means that value).
 */
export function comparable(name: PropertyName, desired: unknown): boolean {
  return desired !== undefined || row(name).unset !== undefined;
}

/** Whether two values of a property are the same (absent = the row's "not set" value; maps by content). */
export function sameValue(name: PropertyName, a: unknown, b: unknown): boolean {
  const unset = row(name).unset;
  return canonical(a ?? unset) === canonical(b ?? unset);
}

/** Of `names`, those whose desired value differs from the actual one (only where they can be compared). */
export function changedNames(names: readonly PropertyName[], desired: Record<string, unknown>, actual: Record<string, unknown>): PropertyName[] {
  return names.filter((k) => comparable(k, desired[k]) && !sameValue(k, desired[k], actual[k]));
}
