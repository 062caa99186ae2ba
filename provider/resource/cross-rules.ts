/**
 * The rules that join two or more arguments, checked at preview after each argument passed its own row's
 * type: each failure names the property to change and how. A rule involving a value not known yet is skipped
 * (it cannot be judged in this preview).
 */
import type { PreflightFailure } from "./preflight";

type Values = Record<string, unknown>;

interface CrossRule {
  /** The arguments the rule reads (skipped when one is unknown). */
  uses: string[];
  /** The failure, when the rule is broken. */
  broken(v: Values): PreflightFailure | undefined;
}

const set = (v: unknown) => v !== undefined && v !== null;

/** A handler and its timeout go together. */
function pair(handler: string, timeout: string, range: string): CrossRule[] {
  return [
    {
      uses: [handler, timeout],
      broken: (v) => set(v[handler]) && !set(v[timeout])
        ? { property: timeout, reason: `required with ${handler}: the seconds it may take (${range})` } : undefined,
    },
    {
      uses: [handler, timeout],
      broken: (v) => !set(v[handler]) && set(v[timeout])
        ? { property: timeout, reason: `is only used with ${handler}: set ${handler} too, or remove ${timeout}` } : undefined,
    },
  ];
}

const RULES: CrossRule[] = [
  {
    uses: ["package", "funcName"],
    broken: (v) => v.package !== undefined && v.package === v.funcName
      ? { property: "package", reason: "the app (package) name must differ from the function name (FSS.1058)" } : undefined,
  },
  {
    uses: ["sourceDir", "customImage", "codeUrl"],
    broken: (v) => !set(v.sourceDir) && !set(v.customImage) && !set(v.codeUrl)
      ? { property: "sourceDir", reason: "required: the directory holding the function code (or codeUrl: a package you keep in OBS; or customImage to deploy an image)" } : undefined,
  },
  {
    uses: ["sourceDir", "codeUrl"],
    broken: (v) => set(v.sourceDir) && set(v.codeUrl)
      ? { property: "codeUrl", reason: "set either sourceDir (the code is zipped from it) or codeUrl (your own package in OBS), not both" } : undefined,
  },
  {
    uses: ["sourceDir", "customImage"],
    broken: (v) => set(v.sourceDir) && set(v.customImage)
      ? { property: "customImage", reason: "a custom-image function has no code package: remove sourceDir, or remove customImage to deploy the code" } : undefined,
  },
  {
    uses: ["runtime", "customImage"],
    broken: (v) => set(v.customImage) && v.runtime !== "Custom Image"
      ? { property: "runtime", reason: "must be 'Custom Image' with customImage" } : undefined,
  },
  {
    uses: ["runtime", "customImage"],
    broken: (v) => !set(v.customImage) && v.runtime === "Custom Image"
      ? { property: "customImage", reason: "required with runtime 'Custom Image': { url: '<SWR image URL>' }" } : undefined,
  },
  {
    uses: ["vpc", "agency"],
    broken: (v) => set(v.vpc) && !set(v.agency)
      ? { property: "agency", reason: "required with vpc: the service refuses a VPC without an agency that may manage its network interfaces (e.g. one with VPC Administrator)" } : undefined,
  },
  {
    uses: ["mounts", "agency", "vpc"],
    broken: (v) => Array.isArray(v.mounts) && v.mounts.length > 0 && (!set(v.agency) || !set(v.vpc))
      ? { property: "mounts", reason: "file systems are reached through the function's VPC: set vpc and agency too" } : undefined,
  },
  {
    uses: ["logGroupId", "logStreamId"],
    broken: (v) => set(v.logGroupId) !== set(v.logStreamId)
      ? { property: set(v.logGroupId) ? "logStreamId" : "logGroupId", reason: "logGroupId and logStreamId go together: set both" } : undefined,
  },
  {
    uses: ["gpuMemory", "gpuType"],
    broken: (v) => set(v.gpuMemory) !== set(v.gpuType)
      ? { property: set(v.gpuMemory) ? "gpuType" : "gpuMemory", reason: "gpuMemory and gpuType go together: set both" } : undefined,
  },
  {
    uses: ["environmentKmsKeyId", "encryptedEnvironment"],
    broken: (v) => set(v.environmentKmsKeyId) && !set(v.encryptedEnvironment)
      ? { property: "environmentKmsKeyId", reason: "only encrypts encryptedEnvironment: set encryptedEnvironment, or remove it" } : undefined,
  },
  ...pair("initializerHandler", "initializerTimeout", "1-300"),
  ...pair("preStopHandler", "preStopTimeout", "1-90"),
  ...pair("restoreHookHandler", "restoreHookTimeout", "1-300"),
];

/** The failures of the cross-field rules, skipping rules that read an unknown or invalid value. */
export function crossFieldFailures(values: Values, skip: (property: string) => boolean): PreflightFailure[] {
  const out: PreflightFailure[] = [];
  for (const rule of RULES) {
    if (rule.uses.some(skip)) continue;
    const failure = rule.broken(values);
    if (failure) out.push(failure);
  }
  return out;
}
