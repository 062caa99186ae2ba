/**
 * Unknown argument names are refused, naming the closest valid one: a typo such as `timout` would otherwise be
 * dropped silently (JavaScript has no type checker, and TypeScript only checks object literals).
 */

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
    throw new Error(`${resource}: unknown argument '${key}': ${hint}`);
  }
}
