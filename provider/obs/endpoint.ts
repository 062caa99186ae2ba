/**
 * Where OBS is and how to address a bucket: the region's endpoint `https://obs.<region>.myhuaweicloud.com`
 * (virtual-host style, `<bucket>.obs.<region>.myhuaweicloud.com`, as OBS requires), or an override
 * (`functiongraph:obsEndpoint`, `HW_OBS_ENDPOINT`) — path style when its host is an IP address or `localhost`
 * (the emulator), virtual-host style otherwise. Also the `code_url` FunctionGraph is given for an object.
 */

/** How requests for one bucket are sent. */
export interface BucketAddress {
  bucket: string;
  /** Origin requests go to (`https://<bucket>.obs.<region>.myhuaweicloud.com` or the path-style endpoint). */
  origin: string;
  pathStyle: boolean;
}

/** Bucket names OBS accepts: 3-63 lowercase letters, digits, `-`, `.`; letter or digit at both ends; not an IP. */
export const BUCKET_NAME_PATTERN = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The region's public OBS endpoint. */
export function regionObsEndpoint(region: string): string {
  return `https://obs.${region}.myhuaweicloud.com`;
}

/** Whether an endpoint is addressed path style (an IP address or localhost: the emulator, a test server). */
export function isPathStyle(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(":");
}

/** Percent-encodes a key for the request path (each `/`-separated segment). */
export function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/** How to reach `bucket` through `endpoint`. */
export function bucketAddress(endpoint: string, bucket: string): BucketAddress {
  const url = new URL(endpoint);
  if (isPathStyle(endpoint)) return { bucket, origin: url.origin, pathStyle: true };
  return { bucket, origin: `${url.protocol}//${bucket}.${url.host}`, pathStyle: false };
}

/** The request path of the bucket (no key) or of an object. */
export function requestPath(addr: BucketAddress, key?: string): string {
  if (addr.pathStyle) return key === undefined ? `/${addr.bucket}` : `/${addr.bucket}/${encodeKey(key)}`;
  return key === undefined ? "/" : `/${encodeKey(key)}`;
}

/** The signature's resource path: the request path, with `/<bucket>` in front for virtual-host requests. */
export function resourcePath(addr: BucketAddress, key?: string): string {
  return addr.pathStyle ? requestPath(addr, key) : `/${addr.bucket}${requestPath(addr, key)}`;
}

/**
 * The `code_url` of an object: virtual-host URL on the endpoint's domain, or — for a path-style endpoint — the
 * region's public form `https://<bucket>.obs.<region>.myhuaweicloud.com/<key>` (which the emulator resolves).
 */
export function objectUrl(endpoint: string, region: string, bucket: string, key: string): string {
  if (isPathStyle(endpoint)) return `https://${bucket}.obs.${region}.myhuaweicloud.com/${encodeKey(key)}`;
  const url = new URL(endpoint);
  return `${url.protocol}//${bucket}.${url.host}/${encodeKey(key)}`;
}

/** Splits a `code_url` the user gives into bucket and key (virtual-host form, or path style on an IP/localhost). */
export function parseObjectUrl(codeUrl: string): { bucket: string; key: string; region?: string } | undefined {
  let url: URL;
  try {
    url = new URL(codeUrl);
  } catch {
    return undefined;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash) return undefined;
  const path = url.pathname.slice(1);
  const vh = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.obs\.([a-z0-9-]+)\./.exec(url.hostname);
  if (vh && path) return { bucket: vh[1], key: decodeURIComponent(path), region: vh[2] };
  if (isPathStyle(url.origin)) {
    const slash = path.indexOf("/");
    if (slash > 0 && slash < path.length - 1) return { bucket: decodeURIComponent(path.slice(0, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
  }
  return undefined;
}
