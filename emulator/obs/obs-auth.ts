/**
 * OBS request authentication, written independently of the provider's OBS signer so it is a real check of it
 * (and of the official SDK): the native `Authorization: OBS <AK>:<sig>` and the S3-compatible V2
 * `Authorization: AWS <AK>:<sig>`, where sig = base64(HMAC-SHA1(SK, StringToSign)) and
 *
 *   StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedHeaders CanonicalizedResource
 *
 * CanonicalizedHeaders: the `x-obs-*` (OBS) or `x-amz-*` (V2) headers, lower-cased, sorted, `name:value\n`.
 * CanonicalizedResource: `/<bucket>/<key>` as sent (still percent-encoded), plus the sub-resources of the query
 * (`?uploads`, `?partNumber=1&uploadId=…`) sorted, values decoded. Temporary keys need the matching
 * `x-obs-security-token` / `x-amz-security-token`. The date (Date, or x-obs-date / x-amz-date) must be within
 * 15 minutes of the server clock. AWS Signature V4 is checked in obs-auth-v4.ts.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { EmulatorCredentials } from "../options";
import { ObsErrors } from "./obs-errors";

/** Which signature a request used; recorded in the OBS request log. */
export type ObsAuthKind = "obs" | "v2" | "v4" | "anonymous";

/** The outcome of a successful authentication. */
export interface ObsAuthResult {
  kind: ObsAuthKind;
  accessKey?: string;
  temporary?: boolean;
}

/** The parts of a request the verifier needs. */
export interface ObsSignedParts {
  method: string;
  /** The canonical resource path: `/<bucket>/<encoded key>` (virtual-host requests get `/<bucket>` prefixed). */
  resourcePath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
}

/** Query parameters that are part of the signed resource (OBS's sub-resource list, lower-case). */
export const SUB_RESOURCES: ReadonlySet<string> = new Set([
  "acl", "append", "cors", "delete", "deletebucket", "lifecycle", "location", "logging", "metadata", "modify",
  "name", "notification", "partnumber", "policy", "position", "quota", "rename", "replication", "requestpayment",
  "response-cache-control", "response-content-disposition", "response-content-encoding", "response-content-language",
  "response-content-type", "response-expires", "restore", "storageclass", "storageinfo", "storagepolicy", "tagging",
  "torrent", "truncate", "uploadid", "uploads", "versionid", "versioning", "versions", "website", "encryption",
  "attname", "x-image-process", "x-obs-security-token",
]);

/** A request header as one string (repeated headers joined with `,`), or undefined. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(",") : String(v);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The canonicalized resource: the path plus the signed sub-resources, sorted. */
export function canonicalResource(resourcePath: string, rawQuery: string): string {
  const subs = rawQuery.split("&").filter(Boolean).sort().flatMap((pair) => {
    const eq = pair.indexOf("=");
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    if (!SUB_RESOURCES.has(key.toLowerCase())) return [];
    const value = eq < 0 ? "" : decode(pair.slice(eq + 1));
    return [value ? `${key}=${value}` : key];
  });
  return subs.length ? `${resourcePath}?${subs.join("&")}` : resourcePath;
}

/** The StringToSign for the given header prefix (`x-obs-` or `x-amz-`). */
export function stringToSign(parts: ObsSignedParts, prefix: "x-obs-" | "x-amz-"): string {
  const lines = [parts.method.toUpperCase(), header(parts.headers, "content-md5") ?? "", header(parts.headers, "content-type") ?? "",
    header(parts.headers, "date") ?? ""];
  const own = Object.keys(parts.headers).filter((k) => k.toLowerCase().startsWith(prefix)).map((k) => k.toLowerCase()).sort();
  const canonicalHeaders = own.map((k) => `${k}:${header(parts.headers, k) ?? ""}\n`).join("");
  return `${lines.join("\n")}\n${canonicalHeaders}${canonicalResource(parts.resourcePath, parts.rawQuery)}`;
}

/** base64(HMAC-SHA1(secretKey, text)). */
export function obsSignature(secretKey: string, text: string): string {
  return createHmac("sha1", secretKey).update(text, "utf8").digest("base64");
}

/** Constant-time comparison of two texts. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Authenticates an OBS request, or throws the `ObsError` OBS answers (403 InvalidAccessKeyId,
 * SignatureDoesNotMatch, RequestTimeTooSkewed, InvalidSecurityToken, AccessDenied when unsigned).
 */
export function authenticateObs(
  parts: ObsSignedParts, credentials: EmulatorCredentials, skewToleranceMs: number, nowMs: number = Date.now(),
): ObsAuthResult {
  const authorization = header(parts.headers, "authorization");
  if (authorization === undefined) throw ObsErrors.accessDenied("Anonymous access is not allowed: sign the request (OBS, AWS V2 or AWS V4 signature).");
  const m = /^(OBS|AWS) ([^:\s]+):(\S+)$/.exec(authorization.trim());
  if (!m) throw ObsErrors.accessDenied("Unsupported Authorization Type");
  const kind: ObsAuthKind = m[1] === "OBS" ? "obs" : "v2";
  const prefix = kind === "obs" ? "x-obs-" : "x-amz-";
  const accessKey = m[2];
  const temporary = credentials.temporary.find((t) => t.accessKey === accessKey);
  const secretKey = accessKey === credentials.accessKey ? credentials.secretKey : temporary?.secretKey;
  if (secretKey === undefined) throw ObsErrors.invalidAccessKey();
  if (temporary) {
    const token = header(parts.headers, `${prefix}security-token`);
    if (token === undefined) throw ObsErrors.invalidToken(`${prefix}security-token is required for temporary credentials`);
    if (!sameText(token, temporary.securityToken)) throw ObsErrors.invalidToken("The security token is invalid or expired.");
  }
  const dateText = header(parts.headers, `${prefix}date`) ?? header(parts.headers, "date");
  const signedAt = dateText === undefined ? NaN : Date.parse(dateText);
  if (Number.isNaN(signedAt)) throw ObsErrors.accessDenied("The request has no valid Date (or x-obs-date) header.");
  if (Math.abs(nowMs - signedAt) > skewToleranceMs) throw ObsErrors.timeSkewed();
  const expected = obsSignature(secretKey, stringToSign(parts, prefix));
  if (!sameText(expected, m[3])) throw ObsErrors.signatureMismatch();
  return { kind, accessKey, temporary: temporary !== undefined };
}
