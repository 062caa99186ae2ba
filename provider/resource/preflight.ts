/**
 * Preflight checks run in `check` (so the preview refuses them before any API call): the handler's file is in
 * the package for the runtime, and the package fits the service's limits.
 */
import { SIZE_LIMITS } from "../api";
import type { SourceFile } from "../package";
import { formatBytes } from "./progress";

/** A problem found before deployment, attached to the property that fixes it. */
export interface PreflightFailure {
  property: string;
  reason: string;
}

/**
 * The files that can serve `handler` for `runtime`, or undefined when the runtime's convention is not known
 * well enough to check (Java, Go, C#, images…). `src/index.handler` → `src/index.js` etc.
 */
export function handlerCandidates(runtime: string, handler: string): string[] | undefined {
  if (runtime === "Custom" || runtime === "http") return ["bootstrap"];
  const dot = handler.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const base = handler.slice(0, dot);
  if (runtime.startsWith("Node.js")) return [".js", ".mjs", ".cjs"].map((ext) => base + ext);
  if (runtime.startsWith("Python")) return [base + ".py"];
  if (runtime.startsWith("PHP")) return [base + ".php"];
  return undefined;
}

/** Checks the handler file (and, for Custom, its exec bit) against the files that will be packaged. */
export function checkHandler(runtime: string, handler: string, files: readonly SourceFile[]): PreflightFailure[] {
  const candidates = handlerCandidates(runtime, handler);
  if (!candidates) return [];
  const byPath = new Map(files.map((f) => [f.path, f]));
  const found = candidates.map((c) => byPath.get(c)).find((f) => f !== undefined);
  if (!found) {
    const top = files.filter((f) => !f.path.includes("/")).slice(0, 8).map((f) => f.path);
    const what = candidates.length === 1 ? `'${candidates[0]}'` : `one of ${candidates.map((c) => `'${c}'`).join(", ")}`;
    const property = candidates[0] === "bootstrap" ? "sourceDir" : "handler";
    return [{
      property,
      reason: `the ${runtime} runtime needs ${what} in the package for handler '${handler}', and it is not there ` +
        `(top-level files: ${top.length ? top.join(", ") : "none"}). Fix the handler, or add the file / check exclude and ignore files.`,
    }];
  }
  if (found.path === "bootstrap" && (found.mode & 0o111) === 0) {
    return [{
      property: "sourceDir",
      reason: "'bootstrap' is not executable: a Custom runtime starts it as a program. Run `chmod +x bootstrap` (and commit the mode: `git update-index --chmod=+x bootstrap`).",
    }];
  }
  return [];
}

/**
 * The largest code zip accepted through the API, bytes: `SIZE_LIMITS.codeUpload` (50 MB), or the environment
 * variable `FGS_CODE_LIMIT_BYTES` (a positive whole number of bytes) read at run time in the plugin process —
 * for a region or account with a different limit [U], and for tests that need a small limit. Any other value of
 * the variable is ignored (the documented limit applies).
 */
export function codeUploadLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FGS_CODE_LIMIT_BYTES?.trim();
  if (raw && /^[1-9][0-9]*$/.test(raw)) return Number(raw);
  return SIZE_LIMITS.codeUpload;
}

/**
 * Size checks that are certain before zipping: uncompressed total over 1.5 GB, or (when an estimate of the
 * compressed size is given) a code zip over the 50 MB API limit.
 */
export function checkSize(totalBytes: number, estimatedZipBytes?: number, limit: number = codeUploadLimit()): PreflightFailure[] {
  const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (totalBytes > SIZE_LIMITS.uncompressed) {
    return [{ property: "sourceDir", reason: `the code is ${mb(totalBytes)} uncompressed, over the service's 1.5 GB limit: exclude what the function does not need (exclude, .fgsignore).` }];
  }
  if (estimatedZipBytes !== undefined && estimatedZipBytes > limit) {
    return [{ property: "sourceDir", reason: `the code zip would be about ${formatBytes(estimatedZipBytes)}, over the service's ${formatBytes(limit)} limit for code ${limit > codeUploadLimit() ? "staged in OBS" : "uploaded through the API"}: exclude what the function does not need (exclude, .fgsignore), or move dependencies into a FunctionGraph dependency package${limit > codeUploadLimit() ? "" : "; or set codeBucket (an OBS bucket in the function's region) to stage packages up to 300 MB in OBS"}.` }];
  }
  return [];
}
