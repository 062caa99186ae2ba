/**
 * RFC 3986 percent-encoding as the SDK-HMAC-SHA256 signer and the official Huawei Cloud SDKs apply it:
 * unreserved `A-Za-z0-9-_.~` stay, every other UTF-8 byte becomes `%XX` (upper-case hex). The canonical
 * request and the query strings the client sends both use it, so what is signed is what is sent.
 */

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** Percent-encodes every byte of `s`'s UTF-8 form except the RFC 3986 unreserved characters. */
export function percentEncode(s: string): string {
  let out = "";
  for (const ch of s) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, "utf8")) out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Decodes `%XX` sequences of one path segment; a malformed sequence is kept as written (never throws). */
export function percentDecodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Serialises query parameters the way they are signed: keys sorted (code-unit order of the raw key, as the
 * SDKs do), repeated values sorted, `enc(k)=enc(v)` joined by `&`, an empty value as `k=`. Spaces become
 * `%20` (never `+`), so the bytes on the wire need no form-decoding guesswork.
 */
export function canonicalQuery(params: Iterable<readonly [string, string]>): string {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of params) {
    const values = byKey.get(k);
    if (values) values.push(v);
    else byKey.set(k, [v]);
  }
  const parts: string[] = [];
  for (const key of [...byKey.keys()].sort()) {
    for (const value of byKey.get(key)!.sort()) parts.push(`${percentEncode(key)}=${percentEncode(value)}`);
  }
  return parts.join("&");
}
