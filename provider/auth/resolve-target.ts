/**
 * Resolution of credentials, region, project and endpoint: explicit options (stack config) first, then the
 * environment — the Huawei Cloud SDK names before the Terraform names. Everything is read at call time, never
 * at module load, so no credential is captured into the serialized dynamic provider.
 */
import { PROJECT_ID_PATTERN, REGION_PATTERN } from "../api/constraints";
import { ConfigurationError } from "./configuration-error";

/** How requests authenticate: an AK/SK pair (signed; `securityToken` for temporary keys) or an IAM token. */
export type Credentials =
  | { kind: "aksk"; accessKey: string; secretKey: string; securityToken?: string }
  | { kind: "token"; authToken: string };

/** Explicit settings, typically the provider's stack config (`functiongraph:<key>`); each overrides the env. */
export interface TargetOptions {
  accessKey?: string;
  secretKey?: string;
  securityToken?: string;
  authToken?: string;
  region?: string;
  projectId?: string;
  endpoint?: string;
}

/** Where and as whom to call FunctionGraph. */
export interface Target {
  credentials: Credentials;
  region: string;
  projectId: string;
  /** Absolute http(s) origin (plus optional base path), without a trailing slash. */
  endpoint: string;
}

/** Environment names per setting, in precedence order (Huawei Cloud SDK first, then Terraform). */
export const TARGET_ENV_NAMES = {
  accessKey: ["HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"],
  secretKey: ["HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY"],
  securityToken: ["HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"],
  authToken: ["HW_AUTH_TOKEN"],
  region: ["HW_REGION_NAME"],
  projectId: ["HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"],
} as const satisfies Record<Exclude<keyof TargetOptions, "endpoint">, readonly string[]>;

/** The env name that overrides the endpoint of a region, e.g. `HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_CN_NORTH_4`. */
export function endpointEnvName(region: string): string {
  return `HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_${region.toUpperCase().replace(/-/g, "_")}`;
}

/** The public endpoint of a region: `https://functiongraph.<region>.myhuaweicloud.com`. */
export function regionEndpoint(region: string): string {
  return `https://functiongraph.${region}.myhuaweicloud.com`;
}

const hint = (key: keyof TargetOptions): string => {
  const envs = key === "endpoint" ? [] : TARGET_ENV_NAMES[key];
  return [`functiongraph:${key}`, ...envs].join(" or ");
};

/** Checks an endpoint: an absolute http(s) URL without credentials, query or fragment. Returns a problem or the URL. */
function checkEndpoint(value: string, source: string): string | URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `endpoint (from ${source}) is not an absolute http(s) URL`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `endpoint (from ${source}) must use http or https`;
  if (url.username || url.password || url.search || url.hash) {
    return `endpoint (from ${source}) must not carry user info, a query or a fragment`;
  }
  return url;
}

/**
 * Resolves the target of API calls. Throws one `ConfigurationError` listing every missing or malformed piece
 * with the config keys and env names to set. AK/SK wins over a token unless only explicit token options are
 * given; AK without SK (or the reverse) is reported, never silently replaced by a token.
 */
export function resolveTarget(explicit: TargetOptions = {}, env: NodeJS.ProcessEnv = process.env): Target {
  const pick = (key: Exclude<keyof TargetOptions, "endpoint">): { value?: string; source: string } => {
    const own = explicit[key];
    if (own !== undefined && own !== "") return { value: own, source: `functiongraph:${key}` };
    for (const name of TARGET_ENV_NAMES[key]) {
      const v = env[name];
      if (v !== undefined && v !== "") return { value: v, source: name };
    }
    return { source: hint(key) };
  };
  const problems: string[] = [];
  const ak = pick("accessKey").value;
  const sk = pick("secretKey").value;
  const securityToken = pick("securityToken").value;
  const authToken = pick("authToken").value;
  const explicitTokenOnly = !!explicit.authToken && !explicit.accessKey && !explicit.secretKey;

  let credentials: Credentials | undefined;
  if (authToken && (explicitTokenOnly || (!ak && !sk))) credentials = { kind: "token", authToken };
  else if (ak && sk) credentials = { kind: "aksk", accessKey: ak, secretKey: sk, ...(securityToken ? { securityToken } : {}) };
  else if (ak) problems.push(`secretKey: set ${hint("secretKey")} (an access key is set without its secret key)`);
  else if (sk) problems.push(`accessKey: set ${hint("accessKey")} (a secret key is set without its access key)`);
  else {
    problems.push(
      `credentials: set accessKey and secretKey (${hint("accessKey")}; ${hint("secretKey")}; ` +
        `plus ${hint("securityToken")} for temporary keys), or authToken (${hint("authToken")})`,
    );
  }

  const region = pick("region");
  if (!region.value) problems.push(`region: set ${hint("region")}`);
  else if (!REGION_PATTERN.test(region.value)) {
    problems.push(`region (from ${region.source}) "${region.value}" is not a region name like cn-north-4`);
  }

  const project = pick("projectId");
  if (!project.value) problems.push(`projectId: set ${hint("projectId")}`);
  else if (!PROJECT_ID_PATTERN.test(project.value)) {
    problems.push(`projectId (from ${project.source}) must be 16-64 letters or digits (32 in practice)`);
  }

  let endpoint: string | undefined;
  const override = region.value ? endpointEnvName(region.value) : undefined;
  const source = explicit.endpoint ? { v: explicit.endpoint, s: "functiongraph:endpoint" }
    : override && env[override] ? { v: env[override]!, s: override }
    : undefined;
  if (source) {
    const checked = checkEndpoint(source.v, source.s);
    if (typeof checked === "string") problems.push(checked);
    else endpoint = (checked.origin + checked.pathname).replace(/\/+$/, "");
  } else if (region.value && REGION_PATTERN.test(region.value)) {
    endpoint = regionEndpoint(region.value);
  }

  if (problems.length > 0 || !credentials || !endpoint) throw new ConfigurationError(problems);
  return { credentials, region: region.value!, projectId: project.value!, endpoint };
}
