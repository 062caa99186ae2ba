/**
 * The emulator's options and every default, in one place. `resolveOptions` turns what a caller passes to
 * `startEmulator` (or the CLI) into a complete, validated configuration so no other file invents a default.
 */
import { MAX_VERSIONS, PROJECT_ID_PATTERN, REGION_PATTERN, SIZE_LIMITS } from "../provider/api/constraints";
import { newAdminToken, validateAdminToken } from "./admin/admin-guard";
import type { FaultConfig } from "./http/faults";
import type { RuntimeOptions } from "./runtime/options";
import type { ObsOptions } from "./obs/obs-emulator";

/** Temporary (STS) credentials: the gateway requires `X-Security-Token` to equal `securityToken`. */
export interface TemporaryCredential {
  accessKey: string;
  secretKey: string;
  securityToken: string;
}

/** The account's credentials: one permanent AK/SK, optional temporary keys and accepted IAM tokens. */
export interface EmulatorCredentials {
  accessKey: string;
  secretKey: string;
  /** Temporary keys; requests signed with them must carry the matching `X-Security-Token`. */
  temporary: TemporaryCredential[];
  /** `X-Auth-Token` values the gateway accepts (IAM tokens are opaque to the emulator). */
  authTokens: string[];
}

/** Service limits the emulator enforces; each can be overridden for tests. */
export interface EmulatorLimits {
  /** Largest decoded import package, bytes (400 FSS.1023 above). Default: 10 MB, the strictest documented. */
  importPackageBytes: number;
  /** Largest decoded code zip for `PUT …/code`, bytes (413 FSS.1071 above). Default 50 MB. */
  codeUploadBytes: number;
  /** Most functions per project (403 FSS.1041 above). Default 400. */
  maxFunctions: number;
  /** Most versions per function, `latest` included (403 FSS.0403 above). Default 20. */
  maxVersions: number;
  /** Largest `maxitems` a list call may ask for. Default 400. */
  maxListItems: number;
  /** Simulated time an import holds the account's import slot, ms (makes the 429 FSS.0429 rule testable). */
  importDelayMs: number;
  /** Request-body bytes held at once across concurrent requests (429 FSS.0429 above); 0 = twice the largest route cap. */
  bodyBudgetBytes: number;
}

/** What `startEmulator` accepts; every field is optional. */
export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Bind address; default 127.0.0.1 (loopback only). */
  host?: string;
  /** Region name used in URNs and `project_name`; default `cn-north-4`. */
  region?: string;
  /** The only project id the gateway accepts in paths; default a fixed 32-char dev value. */
  projectId?: string;
  /** Account (domain) id reported in models; default a fixed 32-char dev value. */
  domainId?: string;
  /** Credentials; missing fields take the documented dev values. */
  credentials?: Partial<EmulatorCredentials>;
  /** Persist functions and code blobs here (created if absent); in memory only when unset. */
  dataDir?: string;
  /** Limit overrides. */
  limits?: Partial<EmulatorLimits>;
  /** Initial faults: a `--faults` SPEC string or a parsed config. */
  faults?: FaultConfig | string;
  /** Largest accepted `X-Sdk-Date` skew, ms; default 15 minutes like the gateway. */
  clockSkewToleranceMs?: number;
  /** Suppress the one-line-per-request console log (default true: the emulator is silent). */
  quiet?: boolean;
  /** How deployed functions run when invoked (instances, idle time, sandbox user; see runtime/options.ts). */
  runtime?: RuntimeOptions;
  /** The OBS endpoint (a second loopback port): its port and faults. */
  obs?: ObsOptions;
  /** The token every `/__admin/` request must carry (`X-Fgs-Admin: <token>`); default a random one per run. */
  adminToken?: string;
}

/** A complete configuration, after defaults. */
export interface ResolvedOptions {
  port: number;
  host: string;
  region: string;
  projectId: string;
  domainId: string;
  credentials: EmulatorCredentials;
  dataDir: string | undefined;
  limits: EmulatorLimits;
  faults: FaultConfig | string | undefined;
  clockSkewToleranceMs: number;
  quiet: boolean;
  adminToken: string;
}

/**
 * The fixed dev values. They are public on purpose (like a local database's default password): the emulator is
 * loopback-only, and fixed values let stacks and CI configs stay stable across restarts.
 */
export const DEV_DEFAULTS = {
  host: "127.0.0.1",
  port: 0,
  region: "cn-north-4",
  projectId: "0e4a7c5d1b2f4e6a8c9d0e1f2a3b4c5d",
  domainId: "d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f",
  accessKey: "EMULATORDEVACCESSKEY",
  secretKey: "emulator-dev-secret-key-not-for-real-use",
  clockSkewToleranceMs: 15 * 60 * 1000,
} as const;

/** Default limits (see `EmulatorLimits` for each one's meaning and source). */
export const DEFAULT_LIMITS: EmulatorLimits = {
  importPackageBytes: SIZE_LIMITS.importPackage,
  codeUploadBytes: SIZE_LIMITS.codeUpload,
  maxFunctions: 400,
  maxVersions: MAX_VERSIONS,
  maxListItems: 400,
  importDelayMs: 0,
  bodyBudgetBytes: 0,
};

/** Fills in defaults and rejects impossible values with a clear message (thrown `Error`). */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const region = options.region ?? DEV_DEFAULTS.region;
  const projectId = options.projectId ?? DEV_DEFAULTS.projectId;
  if (!REGION_PATTERN.test(region)) throw new Error(`emulator: invalid region '${region}'`);
  if (!PROJECT_ID_PATTERN.test(projectId)) throw new Error(`emulator: invalid projectId '${projectId}'`);
  const limits: EmulatorLimits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(options.limits ?? {})) {
    if (!(k in DEFAULT_LIMITS)) throw new Error(`emulator: unknown limit '${k}'`);
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`emulator: limit '${k}' must be a number >= 0`);
    (limits as unknown as Record<string, number>)[k] = v;
  }
  const c = options.credentials ?? {};
  const credentials: EmulatorCredentials = {
    accessKey: c.accessKey ?? DEV_DEFAULTS.accessKey,
    secretKey: c.secretKey ?? DEV_DEFAULTS.secretKey,
    temporary: [...(c.temporary ?? [])],
    authTokens: [...(c.authTokens ?? [])],
  };
  if (!credentials.accessKey || !credentials.secretKey) throw new Error("emulator: accessKey and secretKey must be non-empty");
  const port = options.port ?? DEV_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`emulator: invalid port ${port}`);
  return {
    port,
    host: options.host ?? DEV_DEFAULTS.host,
    region,
    projectId,
    domainId: options.domainId ?? DEV_DEFAULTS.domainId,
    credentials,
    dataDir: options.dataDir,
    limits,
    faults: options.faults,
    clockSkewToleranceMs: options.clockSkewToleranceMs ?? DEV_DEFAULTS.clockSkewToleranceMs,
    quiet: options.quiet ?? true,
    adminToken: options.adminToken === undefined ? newAdminToken() : validateAdminToken(options.adminToken),
  };
}
