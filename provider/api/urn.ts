/**
 * Function URN helpers. Responses disagree about a trailing `:latest` (import answers without it, some calls
 * with it), so URNs are normalised before they are compared, stored or used in a path.
 */

/** Strips one trailing `:latest` (the head version) from a URN; other versions and aliases are kept. */
export function normalizeUrn(urn: string): string {
  return urn.endsWith(":latest") ? urn.slice(0, -":latest".length) : urn;
}

/** Encodes a URN as one path segment the way the official SDK sends it: colons (and `!`) raw, `/?#%` escaped. */
export function urnPathSegment(urn: string): string {
  return encodeURIComponent(urn).replace(/%3A/gi, ":");
}
