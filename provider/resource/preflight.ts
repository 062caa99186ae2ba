/**
 * Preflight checks run in `check` (so the preview refuses them before any API call): the handler's file is in
 * the package for the runtime, and the package fits the service's limits.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { closest } from "../api/suggest";
import { SIZE_LIMITS } from "../api";
import type { ListedFile } from "../package";

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

/** Handler files bigger than this are not read to look for the function (minified bundles: undecidable anyway). */
const READ_HANDLER_MAX = 2 * 1024 * 1024;

/**
 * Whether the handler's function can be in `text`: for Node.js and Python, a file that never even names it (as a
 * whole word) cannot export it — the classic `index.handlr` typo. Anything that names it passes: exports built at
 * run time (`module.exports = require(…)`, decorators) cannot be read statically, so they are given the benefit
 * of the doubt.
 */
export function mentionsFunction(text: string, fn: string): boolean {
  const escaped = fn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}($|[^A-Za-z0-9_$])`).test(text);
}

/** The names a handler file defines or exports (for the "did you mean" of a missing handler function). */
function definedNames(text: string, python: boolean): string[] {
  const re = python ? /^\s*(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)/gm : /(?:exports\.|export\s+(?:async\s+)?(?:function\*?|const|let|var)\s+)([A-Za-z_$][A-Za-z0-9_$]*)/g;
  return [...new Set([...text.matchAll(re)].map((m) => m[1]))].slice(0, 8);
}

/**
 * Checks the handler file (and, for Custom, its exec bit) against the files that will be packaged; for Node.js and
 * Python, also that the file names the handler's function (`root` is the source directory the paths are under).
 */
export function checkHandler(runtime: string, handler: string, files: readonly ListedFile[], root?: string): PreflightFailure[] {
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
  const python = runtime.startsWith("Python");
  if (root !== undefined && (python || runtime.startsWith("Node.js")) && found.size <= READ_HANDLER_MAX) {
    const fn = handler.slice(handler.lastIndexOf(".") + 1);
    let text: string | undefined;
    try {
      text = fs.readFileSync(path.join(root, found.path), "utf8");
    } catch {
      text = undefined; // unreadable here: packaging reports it with its own error
    }
    if (text !== undefined && !mentionsFunction(text, fn)) {
      const names = definedNames(text, python);
      const near = closest(fn, names);
      return [{
        property: "handler",
        reason: `'${found.path}' does not define or export a function '${fn}' (handler '${handler}')` +
          (near.length ? `: did you mean '${handler.slice(0, handler.lastIndexOf(".") + 1)}${near[0]}'?` : names.length ? `; it defines ${names.join(", ")}` : "") +
          ". Fix the handler or export the function.",
      }];
    }
  }
  return [];
}

/**
 * Checks that the file of a hook handler (`initializerHandler`, `preStopHandler`, …) is in the package, by the
 * runtime's convention (unchecked for runtimes whose convention is not known, and for Custom: `bootstrap`).
 */
export function checkHookHandler(runtime: string, property: string, handler: string, files: readonly ListedFile[]): PreflightFailure[] {
  const candidates = handlerCandidates(runtime, handler);
  if (!candidates || candidates[0] === "bootstrap") return [];
  const paths = new Set(files.map((f) => f.path));
  if (candidates.some((c) => paths.has(c))) return [];
  const what = candidates.length === 1 ? `'${candidates[0]}'` : `one of ${candidates.map((c) => `'${c}'`).join(", ")}`;
  return [{
    property,
    reason: `the ${runtime} runtime needs ${what} in the package for ${property} '${handler}', and it is not there. ` +
      "Fix the handler, or add the file / check exclude and ignore files.",
  }];
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
 * The size check that is certain before zipping: the uncompressed total over the service's 1.5 GB limit. The
 * code zip's limit (`codeUploadLimit`) is checked on the real zip before upload (`packageFor`): estimating it
 * at preview meant compressing the whole tree on every preview after a change.
 */
export function checkSize(totalBytes: number): PreflightFailure[] {
  const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (totalBytes > SIZE_LIMITS.uncompressed) {
    return [{ property: "sourceDir", reason: `the code is ${mb(totalBytes)} uncompressed, over the service's 1.5 GB limit: exclude what the function does not need (exclude, .fgsignore).` }];
  }
  return [];
}
