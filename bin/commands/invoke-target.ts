/**
 * Where `fgs invoke` and `fgs logs` send their calls: `--endpoint URL`, else the endpoint the environment names
 * (`HW_*` / `HUAWEICLOUD_SDK_*`, as for a deployment), else — `fgs invoke` only — an emulator embedded in the
 * command, on the data dir `npm start` deploys to (`./.fgs/emulator`) or `--data-dir DIR`.
 * A loopback endpoint without credentials is signed with the emulator's public dev credentials.
 */
import * as path from "node:path";
import { DEV_DEFAULTS } from "../../emulator";
import { resolveTarget, type Target } from "../../provider/auth/resolve-target";

/** The demo's emulator data dir (where `npm start` deploys; FGS_DEMO_STATE_DIR moves it, as for `fgs demo`). */
export function demoDataDir(): string {
  return path.join(process.env.FGS_DEMO_STATE_DIR || process.cwd(), ".fgs", "emulator");
}

/** True for an http URL on a loopback host. */
export function isLoopbackUrl(endpoint: string): boolean {
  try {
    const u = new URL(endpoint);
    return ["127.0.0.1", "localhost", "[::1]", "::1"].includes(u.hostname) || /^127\./.test(u.hostname);
  } catch {
    return false;
  }
}

/**
 * The target for `--endpoint` (or none): credentials and project from the environment; for a loopback endpoint
 * without them, the emulator's dev values. Undefined when nothing names an endpoint.
 */
export function commandTarget(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): Target | undefined {
  if (endpoint !== undefined) {
    try {
      return resolveTarget({ endpoint }, env);
    } catch (err) {
      if (!isLoopbackUrl(endpoint)) throw err;
      return {
        endpoint: endpoint.replace(/\/+$/, ""),
        region: env.HW_REGION_NAME || DEV_DEFAULTS.region,
        projectId: env.HW_PROJECT_ID || env.HUAWEICLOUD_SDK_PROJECT_ID || DEV_DEFAULTS.projectId,
        credentials: { kind: "aksk", accessKey: DEV_DEFAULTS.accessKey, secretKey: DEV_DEFAULTS.secretKey },
      };
    }
  }
  try {
    return resolveTarget({}, env);
  } catch {
    return undefined;
  }
}
