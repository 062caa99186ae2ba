/**
 * The gateway side of authentication, written independently of the project's client signer so that it is a
 * real check of it: AK/SK `SDK-HMAC-SHA256` signatures recomputed over whatever `SignedHeaders` lists (per
 * ../shared/docs/functiongraph-api.md), temporary keys with `X-Security-Token`, and IAM tokens in `X-Auth-Token`.
 * Every failure is 401 APIGW.0301, as on the real gateway.
 *
 * What must be signed (reviewed against the doc): `x-sdk-date` must be listed in SignedHeaders (every SDK and
 * every published vector signs it). `host` is verified when signed but not required: the doc's Go SDK vectors
 * sign only `x-sdk-date`, and the emulator answers on loopback only. A declared body hash
 * (`X-Sdk-Content-Sha256`) replaces the body's hash only when that header is itself signed, and then it must be
 * the body's SHA-256 (or `UNSIGNED-PAYLOAD`, the SDK's explicit opt-out for non-JSON bodies, which the gateway
 * accepts); an unsigned one is ignored, so a body swapped under it fails the signature.
 *
 * `preAuthenticate` checks everything the headers alone decide (key, token, date, required signed headers, and
 * — when the body hash is declared and signed — the signature itself) before the body is read, so a stranger
 * cannot make the emulator buffer a large body; `complete(body)` finishes the check once it has arrived.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Errors } from "./errors";
import type { EmulatorCredentials } from "../options";

/** How a request authenticated; recorded in the request log. */
export type AuthKind = "aksk" | "aksk-temporary" | "token";

/** The outcome of a successful authentication. */
export interface AuthResult {
  kind: AuthKind;
  accessKey?: string;
}

/** The parts of a request the verifier needs: raw (still percent-encoded) path and query, and exact body bytes. */
export interface SignedRequestParts {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const ALGORITHM = "SDK-HMAC-SHA256";
const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** Percent-encodes a string as the signer does: unreserved characters kept, every other UTF-8 byte `%XX` (upper-case). */
export function signingEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function safeDecode(text: string, plusIsSpace: boolean): string {
  const t = plusIsSpace ? text.replace(/\+/g, " ") : text;
  try {
    return decodeURIComponent(t);
  } catch {
    return t;
  }
}

/** Canonical URI: each segment decoded then re-encoded (so raw `:` and `%3A` agree), with a trailing `/`. */
export function canonicalUri(rawPath: string): string {
  const path = rawPath
    .split("/")
    .map((seg) => signingEncode(safeDecode(seg, false)))
    .join("/");
  return path.endsWith("/") ? path : `${path}/`;
}

/** Canonical query: keys sorted, values of a repeated key sorted, `enc(k)=enc(v)` joined by `&`. */
export function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return "";
  const pairs = rawQuery
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? "" : p.slice(eq + 1);
      return [signingEncode(safeDecode(k, true)), signingEncode(safeDecode(v, true))] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(",") : String(v);
}

/**
 * The canonical request text for the given signed header names (lower-case). The payload hash is that of the
 * exact body bytes, unless the client declared it in `X-Sdk-Content-Sha256` (the Node SDK sends
 * `UNSIGNED-PAYLOAD` for non-JSON bodies, which the gateway accepts).
 */
export function canonicalRequest(parts: SignedRequestParts, signedHeaders: string[]): string {
  return canonicalWithPayloadHash(parts, signedHeaders, signedContentHash(parts.headers, signedHeaders) ?? sha256Hex(parts.body));
}

const CONTENT_HASH_HEADER = "x-sdk-content-sha256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const sha256Hex = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** The declared body hash when `X-Sdk-Content-Sha256` is present AND signed; undefined otherwise (then it does not count). */
function signedContentHash(headers: IncomingHttpHeaders, signedHeaders: string[]): string | undefined {
  return signedHeaders.includes(CONTENT_HASH_HEADER) ? headerValue(headers, CONTENT_HASH_HEADER)?.trim() : undefined;
}

function canonicalWithPayloadHash(parts: Omit<SignedRequestParts, "body">, signedHeaders: string[], payloadHash: string): string {
  const headerLines = [...signedHeaders]
    .sort()
    .map((name) => `${name}:${(headerValue(parts.headers, name) ?? "").trim()}\n`)
    .join("");
  return [
    parts.method.toUpperCase(),
    canonicalUri(parts.rawPath),
    canonicalQuery(parts.rawQuery),
    headerLines,
    [...signedHeaders].sort().join(";"),
    payloadHash,
  ].join("\n");
}

/** hex(HMAC-SHA256(SK, "SDK-HMAC-SHA256\n<date>\nhex(sha256(canonical request))")). */
export function computeSignature(secretKey: string, sdkDate: string, canonical: string): string {
  const stringToSign = `${ALGORITHM}\n${sdkDate}\n${createHash("sha256").update(canonical).digest("hex")}`;
  return createHmac("sha256", secretKey).update(stringToSign).digest("hex");
}

/** Parses `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`; undefined when malformed. */
export function parseAuthorization(value: string): { accessKey: string; signedHeaders: string[]; signature: string } | undefined {
  const m = /^SDK-HMAC-SHA256\s+(.*)$/.exec(value.trim());
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const part of m[1].split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  if (!fields.Access || !fields.SignedHeaders || !fields.Signature) return undefined;
  return {
    accessKey: fields.Access,
    signedHeaders: fields.SignedHeaders.split(";").map((h) => h.trim().toLowerCase()).filter(Boolean),
    signature: fields.Signature.toLowerCase(),
  };
}

/** Parses `YYYYMMDDTHHMMSSZ` to epoch ms; undefined when malformed. */
export function parseSdkDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(t) ? undefined : t;
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Headers checked; what is left to check once the body has arrived. */
export interface PendingAuth {
  kind: AuthKind;
  accessKey?: string;
  /** Finishes the check against the exact body bytes; throws 401 APIGW.0301. */
  /** `bodySha256`: the body's SHA-256 in hex when the caller hashed it while reading (else it is computed here). */
  complete(body: Buffer, bodySha256?: string): AuthResult;
}

/**
 * Authenticates a request as the gateway would, or throws 401 APIGW.0301. AK/SK (`Authorization`) wins over
 * `X-Auth-Token` when both are present.
 */
export function authenticate(
  parts: SignedRequestParts, credentials: EmulatorCredentials, skewToleranceMs: number, nowMs: number = Date.now(),
): AuthResult {
  return preAuthenticate(parts, credentials, skewToleranceMs, nowMs).complete(parts.body);
}

/**
 * Everything the headers decide, before the body is read (see the module doc); throws 401 APIGW.0301. With a
 * signed hex `X-Sdk-Content-Sha256` the signature is verified here too and `complete` only compares the body's
 * hash with it.
 */
export function preAuthenticate(
  parts: Omit<SignedRequestParts, "body">, credentials: EmulatorCredentials, skewToleranceMs: number, nowMs: number = Date.now(),
): PendingAuth {
  const authorization = headerValue(parts.headers, "authorization");
  if (authorization === undefined) {
    const token = headerValue(parts.headers, "x-auth-token");
    if (token === undefined) throw Errors.authFailed("no Authorization or X-Auth-Token header");
    if (!credentials.authTokens.includes(token)) throw Errors.authFailed("the token is invalid or expired");
    return { kind: "token", complete: () => ({ kind: "token" }) };
  }
  const auth = parseAuthorization(authorization);
  if (!auth) throw Errors.authFailed("malformed Authorization header");
  const temporary = credentials.temporary.find((t) => t.accessKey === auth.accessKey);
  const secretKey = auth.accessKey === credentials.accessKey ? credentials.secretKey : temporary?.secretKey;
  if (secretKey === undefined) throw Errors.authFailed("the access key does not exist");
  if (temporary) {
    const token = headerValue(parts.headers, "x-security-token");
    if (token === undefined) throw Errors.authFailed("X-Security-Token is required for temporary credentials");
    if (token !== temporary.securityToken) throw Errors.authFailed("the security token is invalid or expired");
  }
  const sdkDate = headerValue(parts.headers, "x-sdk-date");
  if (sdkDate === undefined) throw Errors.authFailed("missing X-Sdk-Date");
  if (!auth.signedHeaders.includes("x-sdk-date")) throw Errors.authFailed("X-Sdk-Date must be listed in SignedHeaders");
  const signedAt = parseSdkDate(sdkDate);
  if (signedAt === undefined) throw Errors.authFailed("malformed X-Sdk-Date");
  if (Math.abs(nowMs - signedAt) > skewToleranceMs) throw Errors.authFailed("the request time differs from the server time by more than 15 minutes");
  const result: AuthResult = { kind: temporary ? "aksk-temporary" : "aksk", accessKey: auth.accessKey };
  const verify = (payloadHash: string) => {
    const expected = computeSignature(secretKey, sdkDate, canonicalWithPayloadHash(parts, auth.signedHeaders, payloadHash));
    if (!equalHex(expected, auth.signature)) throw Errors.authFailed("verify aksk signature fail");
  };
  const declared = signedContentHash(parts.headers, auth.signedHeaders);
  if (declared === undefined) return { ...result, complete: (body, bodySha256) => (verify(bodySha256 ?? sha256Hex(body)), result) };
  if (declared === UNSIGNED_PAYLOAD) {
    verify(declared);
    return { ...result, complete: () => result };
  }
  if (!/^[0-9a-fA-F]{64}$/.test(declared)) throw Errors.authFailed("X-Sdk-Content-Sha256 must be a SHA-256 in hex or UNSIGNED-PAYLOAD");
  verify(declared);
  return {
    ...result,
    complete: (body, bodySha256) => {
      if (!equalHex(bodySha256 ?? sha256Hex(body), declared.toLowerCase())) throw Errors.authFailed("the body does not match the signed X-Sdk-Content-Sha256");
      return result;
    },
  };
}
