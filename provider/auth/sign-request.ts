/**
 * AK/SK request signing, algorithm `SDK-HMAC-SHA256` — what the official Huawei Cloud SDKs and Terraform send
 * and the API gateway verifies (../shared/docs/functiongraph-api.md, "Authentication"). Pure function of the
 * request, the key pair and the date: the client calls it again on every attempt so `X-Sdk-Date` stays fresh.
 */
import { createHash, createHmac } from "node:crypto";
import { canonicalQuery, percentDecodeSegment, percentEncode } from "./percent-encoding";
import type { Credentials } from "./resolve-target";

/** The signing algorithm name, first line of the string to sign and prefix of `Authorization`. */
export const SIGNING_ALGORITHM = "SDK-HMAC-SHA256";

/** A request to sign. `signedHeaders` narrows which headers are signed (default: all given + host + x-sdk-date). */
export interface SignableRequest {
  method: string;
  url: string | URL;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** Hex SHA-256 of a body not given as `body` (a streamed body, hashed by its producer); wins over `body`. */
  bodySha256?: string;
  /** Lower-case header names to sign; `x-sdk-date` is always included. For interop with signers that sign less. */
  signedHeaders?: readonly string[];
}

/** The key pair used to sign; only `accessKey` appears in the output (in `Authorization`). */
export interface SigningKey {
  accessKey: string;
  secretKey: string;
}

/** Formats a date as `X-Sdk-Date` wants it: `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Canonical URI: each path segment decoded then percent-encoded (raw `:` and `%3A` sign alike), trailing `/`. */
export function canonicalUri(pathname: string): string {
  const encoded = pathname.split("/").map((seg) => percentEncode(percentDecodeSegment(seg))).join("/");
  return encoded.endsWith("/") ? encoded : encoded + "/";
}

const sha256Hex = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/**
 * Signs a request and returns the headers to send: the given ones plus `X-Sdk-Date` and `Authorization`.
 * `date` defaults to an `X-Sdk-Date` already in `headers`, else now. The body hash covers the exact bytes.
 */
export function signRequest(req: SignableRequest, creds: SigningKey, date?: Date): Record<string, string> {
  const url = typeof req.url === "string" ? new URL(req.url) : req.url;
  const out: Record<string, string> = {};
  let existingDate: string | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.toLowerCase() === "x-sdk-date") existingDate = value;
    else if (name.toLowerCase() !== "authorization") out[name] = value;
  }
  const sdkDate = date ? formatSdkDate(date) : existingDate ?? formatSdkDate(new Date());
  out["X-Sdk-Date"] = sdkDate;

  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(out)) lower.set(name.toLowerCase(), value.trim());
  if (!lower.has("host")) lower.set("host", url.host);
  const wanted = req.signedHeaders
    ? new Set([...req.signedHeaders.map((h) => h.toLowerCase()), "x-sdk-date"])
    : new Set(lower.keys());
  const names = [...wanted].filter((n) => lower.has(n)).sort();
  const signedHeaders = names.join(";");
  const canonicalHeaders = names.map((n) => `${n}:${lower.get(n)}\n`).join("");

  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaders,
    req.bodySha256 ?? sha256Hex(req.body ?? ""),
  ].join("\n");
  const stringToSign = `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac("sha256", creds.secretKey).update(stringToSign).digest("hex");
  out.Authorization = `${SIGNING_ALGORITHM} Access=${creds.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return out;
}

/**
 * The transport's signing plug-in for FunctionGraph (api/transport.ts `Signer`): AK/SK signs with
 * `signRequest` (a temporary key adds `X-Security-Token`, itself signed), an IAM token goes as `X-Auth-Token`. A
 * streamed body is signed by the SHA-256 its producer computed.
 */
export function functionGraphSigner(credentials: Credentials) {
  return (req: { method: string; url: URL; headers: Record<string, string>; body?: unknown }, now: Date): Record<string, string> => {
    if (credentials.kind !== "aksk") return { ...req.headers, "X-Auth-Token": credentials.authToken };
    const headers = credentials.securityToken ? { ...req.headers, "X-Security-Token": credentials.securityToken } : req.headers;
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    const bodySha256 = body ? undefined : (req.body as { sha256Hex?: string } | undefined)?.sha256Hex;
    return signRequest({ method: req.method, url: req.url, headers, body, bodySha256 }, credentials, now);
  };
}
