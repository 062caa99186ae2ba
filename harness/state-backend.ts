/**
 * The stack's state in OBS: the Pulumi self-managed (DIY) S3 backend pointed at OBS or at the emulator's OBS.
 * One place spells the backend URL and the environment a runner needs (README "GitOps"), so the tests, `fgs`
 * and examples/gitops agree:
 *
 *   s3://<bucket>[/<prefix>]?endpoint=https://obs.<region>.myhuaweicloud.com&region=<region>
 *     (+ &s3ForcePathStyle=true against an IP address such as the emulator's 127.0.0.1)
 *   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the OBS AK/SK; AWS_SESSION_TOKEN for temporary keys)
 *   AWS_REQUEST_CHECKSUM_CALCULATION=when_required   (no STREAMING-UNSIGNED-PAYLOAD-TRAILER uploads: OBS refuses them)
 *   AWS_RESPONSE_CHECKSUM_VALIDATION=when_required   (OBS sends no x-amz-checksum-* headers to validate)
 *   AWS_CA_BUNDLE=<PEM>                              (only for the emulator's self-signed certificate)
 *
 * The endpoint must be https: the AWS SDK for Go v2 signs the body's SHA-256 over plain http, a payload mode OBS
 * does not accept (emulator/obs/obs-auth-v4.ts).
 */

/** Where the state lives in OBS. */
export interface ObsBackendTarget {
  bucket: string;
  /** `https://obs.<region>.myhuaweicloud.com`, or the emulator's `emu.obs.httpsUrl`. */
  endpoint: string;
  region: string;
  /** A key prefix inside the bucket (several projects or teams in one bucket). */
  prefix?: string;
  /** Path-style addressing: needed against an IP address (the emulator); real OBS prefers virtual-host style. */
  pathStyle?: boolean;
}

/** The `pulumi login` URL of an OBS state bucket. */
export function obsBackendUrl(t: ObsBackendTarget): string {
  // Written out rather than URL-encoded so the line reads as the docs show it (`:` and `/` are valid in a query).
  const q = [`endpoint=${t.endpoint}`, `region=${encodeURIComponent(t.region)}`, ...(t.pathStyle ? ["s3ForcePathStyle=true"] : [])];
  const prefix = t.prefix ? `/${t.prefix.replace(/^\/+|\/+$/g, "")}` : "";
  return `s3://${t.bucket}${prefix}?${q.join("&")}`;
}

/** Credentials for the state bucket, and the emulator's certificate when it is the target. */
export interface ObsBackendCredentials {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
  /** A PEM file the AWS SDK must trust (the emulator's `emu.obs.caFile`). */
  caFile?: string;
}

/** The environment a runner needs for an OBS state backend (see the file comment). */
export function obsBackendEnv(c: ObsBackendCredentials): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: c.accessKey,
    AWS_SECRET_ACCESS_KEY: c.secretKey,
    ...(c.securityToken ? { AWS_SESSION_TOKEN: c.securityToken } : {}),
    AWS_REQUEST_CHECKSUM_CALCULATION: "when_required",
    AWS_RESPONSE_CHECKSUM_VALIDATION: "when_required",
    ...(c.caFile ? { AWS_CA_BUNDLE: c.caFile } : {}),
  };
}

/** Query parameters whose values are credentials (postgres `password`, azblob SAS `sig`/`sas_token`, …). */
const SECRET_PARAM = /pass|secret|token|sig|credential|sas|apikey|access_?key/i;

/**
 * A backend URL with its credentials replaced by `****`, for messages: user info of the URL and of any URL inside
 * it (`?endpoint=https://user:pass@host`, also percent-encoded), and query values named like credentials.
 */
export function redactBackendUrl(url: string): string {
  const userInfo = url.replace(/([a-z][a-z0-9+.-]*(?::|%3a)(?:\/\/|%2f%2f))[^/@?&#\s]*(@|%40)/gi, "$1****:****$2");
  const q = userInfo.indexOf("?");
  if (q < 0) return userInfo;
  return userInfo.slice(0, q + 1) + userInfo.slice(q + 1).split("&").map((pair) => {
    const eq = pair.indexOf("=");
    return eq > 0 && SECRET_PARAM.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=****` : pair;
  }).join("&");
}

const SCHEMES = ["file", "s3", "gs", "azblob", "postgres", "https", "http"];

/**
 * Checks a backend URL given by the user; returns a problem to tell them (naming the fix), or undefined.
 * An `s3://` URL with a plain-http endpoint is refused: OBS would refuse every upload (see the file comment).
 */
export function backendUrlProblem(url: string): string | undefined {
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme || !SCHEMES.includes(scheme)) {
    return `'${redactBackendUrl(url)}' is not a Pulumi backend URL: use s3://<bucket>?endpoint=https://obs.<region>.myhuaweicloud.com&region=<region> (OBS), file://<dir>, or another URL \`pulumi login\` accepts`;
  }
  if (scheme !== "s3") return undefined;
  const q = new URLSearchParams(url.slice(url.indexOf("?") + 1 || url.length));
  const endpoint = url.includes("?") ? q.get("endpoint") : null;
  if (endpoint && /^http:\/\//i.test(endpoint)) {
    return `the backend endpoint ${redactBackendUrl(endpoint)} is plain http: the Pulumi CLI's AWS SDK signs uploaded bodies over http, which OBS refuses; use the https:// endpoint (the emulator prints one, with a certificate to trust through AWS_CA_BUNDLE)`;
  }
  if (url.includes("?") && endpoint && !q.get("region")) {
    return "the s3:// backend URL names an endpoint but no region: add &region=<the bucket's region> (OBS checks the region of the V4 signature)";
  }
  return undefined;
}
