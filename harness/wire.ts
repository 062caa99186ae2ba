/**
 * The property wire format shared by the SDK, the engine and the dynamic-provider plugin: the unknown sentinel,
 * secret wrappers, the reserved `__provider` key, and the comparisons the engine makes on property maps.
 */
import { isDeepStrictEqual } from "node:util";

/** A property map as it travels over gRPC (JSON values, secrets as wrapper objects, unknowns as the sentinel). */
export type PropertyMap = Record<string, unknown>;

/** The value the engine sends for an input that is not known yet (preview). Every provider method must expect it. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The key under which `dynamic.Resource` stores the serialized provider among the inputs and outputs. */
export const PROVIDER_KEY = "__provider";
/** The signature key that marks special objects (secrets, assets) in a property map. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature value of a secret wrapper `{ [SIG_KEY]: SECRET_SIG, value }`. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** True when `v` is a secret wrapper object. */
export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Wraps a value as a secret, the way the engine marks secret config and outputs on the wire. */
export function secret(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/**
 * Removes secret wrappers at any depth and reports which top-level keys held one, so the harness can hand the
 * provider plain values (the dynamic plugin does not accept secrets) and mark the same outputs secret again.
 */
export function unwrapSecrets(props: PropertyMap): { plain: PropertyMap; secretKeys: string[] } {
  const secretKeys: string[] = [];
  const plain: PropertyMap = {};
  for (const [k, v] of Object.entries(props)) {
    if (containsSecret(v)) secretKeys.push(k);
    plain[k] = stripSecrets(v);
  }
  return { plain, secretKeys };
}

function containsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsSecret);
  return false;
}

function stripSecrets(v: unknown): unknown {
  if (isSecret(v)) return stripSecrets(v.value);
  if (Array.isArray(v)) return v.map(stripSecrets);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stripSecrets(x)]));
  }
  return v;
}

/** Splits `__provider` off a property map: the serialized provider is kept once per resource in state. */
export function splitProvider(props: PropertyMap): { provider: string | undefined; rest: PropertyMap } {
  const { [PROVIDER_KEY]: provider, ...rest } = props;
  const p = isSecret(provider) ? provider.value : provider;
  return { provider: typeof p === "string" ? p : undefined, rest };
}

/** Puts the serialized provider back into a property map before it is sent to the plugin. */
export function withProvider(props: PropertyMap, provider: string): PropertyMap {
  return { ...props, [PROVIDER_KEY]: provider };
}

/**
 * The top-level keys whose values differ between two property maps (added, removed or changed), sorted; this is
 * how the summary names the changed properties, since the dynamic plugin returns no detailed diff.
 */
export function changedKeys(olds: PropertyMap, news: PropertyMap): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !isDeepStrictEqual(olds[k], news[k])).sort();
}

/** True when a value is, or contains, the unknown sentinel. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsUnknown);
  return false;
}
