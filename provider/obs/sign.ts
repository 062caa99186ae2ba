/**
 * The OBS native request signature (per ../shared/docs/obs-staging.md and the OBS API reference):
 * `Authorization: OBS <AK>:base64(HMAC-SHA1(SK, StringToSign))` with
 *
 *   StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedHeaders CanonicalizedResource
 *
 * CanonicalizedHeaders are the `x-obs-*` headers (lower-cased, sorted, `name:value\n`), the resource is
 * `/<bucket>/<key as sent>` plus the signed sub-resources (`?uploads`, `?partNumber=1&uploadId=…`). Temporary
 * credentials add `x-obs-security-token` (which is itself a signed header). Pure: the caller passes the clock.
 */
import { createHmac } from "node:crypto";
import type { OutgoingRequest, Signer } from "../api/transport";

/** Query parameters that are part of the signed resource. */
const SIGNED_SUB_RESOURCES = new Set(["uploads", "uploadId", "partNumber", "location", "acl", "versionId", "delete"]);

/** What is signed: method, the canonical resource path, the query pairs and the headers to send. */
export interface ObsSignable {
  method: string;
  /** `/<bucket>/<encoded key>` (or `/<bucket>/` for the bucket itself), as the server will reconstruct it. */
  resourcePath: string;
  query: [string, string][];
  headers: Record<string, string>;
}

/** An AK/SK pair with its optional temporary token. */
export interface ObsKeys {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}

/** The StringToSign of a request (exported for tests and debugging; it holds no secret). */
export function obsStringToSign(req: ObsSignable): string {
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) lower[k.toLowerCase()] = v;
  const own = Object.keys(lower).filter((k) => k.startsWith("x-obs-")).sort();
  const subs = req.query.filter(([k]) => SIGNED_SUB_RESOURCES.has(k))
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => (v === "" ? k : `${k}=${v}`));
  return [req.method, lower["content-md5"] ?? "", lower["content-type"] ?? "", lower.date ?? ""].join("\n") + "\n" +
    own.map((k) => `${k}:${lower[k]}\n`).join("") + req.resourcePath + (subs.length ? `?${subs.join("&")}` : "");
}

/** The headers to send: the given ones plus `Date`, the token header and `Authorization`. */
export function signObsRequest(req: ObsSignable, keys: ObsKeys, now: Date): Record<string, string> {
  const headers: Record<string, string> = { ...req.headers, Date: now.toUTCString() };
  if (keys.securityToken) headers["x-obs-security-token"] = keys.securityToken;
  const signature = createHmac("sha1", keys.secretKey).update(obsStringToSign({ ...req, headers }), "utf8").digest("base64");
  headers.Authorization = `OBS ${keys.accessKey}:${signature}`;
  return headers;
}

/** An OBS request as the transport sends it, with what its signature covers: the resource and the query pairs. */
export type ObsRequest = OutgoingRequest & Pick<ObsSignable, "resourcePath" | "query">;

/** The transport's signing plug-in for OBS: `signObsRequest` over the request's resource, query and headers. */
export function obsSigner<R extends ObsRequest>(keys: ObsKeys): Signer<R> {
  return (req, now) => signObsRequest({ method: req.method, resourcePath: req.resourcePath, query: req.query, headers: req.headers }, keys, now);
}
