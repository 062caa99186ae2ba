/**
 * "Did you mean …": the closest valid names for a typo. Unknown argument names are refused with them (a typo such
 * as `timout` would otherwise be dropped silently: JavaScript has no type checker, and TypeScript only checks
 * object literals), and so are values outside an enumeration (`nodejs20` → `Node.js20.15`).
 */
import { InvalidInputError } from "../resource/errors";

/** Edit distance between two short names (insert, delete, substitute; a swap of neighbours counts 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The valid names closest to `name` (at most three, within a distance that still looks like a typo). */
export function closest(name: string, valid: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return valid
    .map((v) => ({ v, d: editDistance(name, v) }))
    .filter((x) => x.d <= limit || x.v.toLowerCase().includes(name.toLowerCase()) || name.toLowerCase().includes(x.v.toLowerCase()))
    .sort((x, y) => x.d - y.d || x.v.localeCompare(y.v))
    .slice(0, 3)
    .map((x) => x.v);
}

/** Throws when `args` has a key not in `valid`, naming the resource, the key and the closest valid names. */
export function assertKnownArgs(resource: string, args: object | undefined, valid: readonly string[]): void {
  for (const key of Object.keys(args ?? {})) {
    if (valid.includes(key)) continue;
    const near = closest(key, valid);
    const hint = near.length > 0 ? `did you mean ${near.map((n) => `'${n}'`).join(" or ")}?` : `valid arguments: ${valid.join(", ")}`;
    throw new InvalidInputError(key, `${resource}: unknown argument '${key}': ${hint}`);
  }
}

/** Lowercase letters and digits only: `Node.js20.15` and `nodejs20` compare as `nodejs2015` and `nodejs20`. */
function squash(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * The allowed values closest to `value` (at most three): those that extend it or that it extends once case and
 * punctuation are ignored (`nodejs20` → `Node.js20.15`), else those within a typo's edit distance.
 */
export function closestValues(value: string, allowed: readonly string[]): string[] {
  const v = squash(value);
  if (v.length > 0) {
    const extending = allowed.filter((a) => squash(a).startsWith(v) || (v.startsWith(squash(a)) && squash(a).length >= 3));
    if (extending.length > 0) return extending.slice(-3);
  }
  return closest(value, allowed);
}

/** "'x' is not one of …: did you mean 'y'?" for an enumeration (the allowed list when nothing is close). */
export function notOneOf(value: unknown, allowed: readonly string[], what = "one of"): string {
  if (value === undefined) return `required: ${what} ${allowed.join(", ")}`;
  if (typeof value !== "string") return `must be a string: ${what} ${allowed.join(", ")}`;
  const near = closestValues(value, allowed);
  return near.length > 0
    ? `'${value}' is not valid: did you mean ${near.map((n) => `'${n}'`).join(" or ")}? (${what} ${allowed.join(", ")})`
    : `'${value}' is not valid: ${what} ${allowed.join(", ")}`;
}
