/**
 * The one `@pulumi/pulumi` rule: the program and this package must use the same copy, of a version in our peer
 * range. Two copies break dynamic resources with a cryptic `resp.getUnknown is not a function`; this check says
 * instead which copies were found and what to install. Runs once per process, on the program side.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FgsError } from "./errors";

/** The copy of `@pulumi/pulumi` at a directory's resolution: its package.json's real path and version. */
interface SdkCopy {
  dir: string;
  version: string;
}

function sdkFrom(base: string): SdkCopy | undefined {
  try {
    const pkg = require.resolve("@pulumi/pulumi/package.json", { paths: [base] });
    return { dir: fs.realpathSync(path.dirname(pkg)), version: (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version };
  } catch {
    return undefined;
  }
}

function parse(v: string): number[] {
  return v.split("-")[0].split(".").map((x) => Number(x) || 0);
}

function compare(a: string, b: string): number {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Whether `version` satisfies a range of `>=A` / `<B` terms (the form our peerDependencies uses). */
export function satisfiesRange(version: string, range: string): boolean {
  return range.split(/\s+/).filter(Boolean).every((term) => {
    const m = /^(>=|<=|>|<|=)?(\d+(?:\.\d+){0,2})$/.exec(term);
    if (!m) return true;
    const c = compare(version, m[2]);
    switch (m[1]) {
      case ">=": return c >= 0;
      case ">": return c > 0;
      case "<=": return c <= 0;
      case "<": return c < 0;
      default: return c === 0;
    }
  });
}

/** What is wrong with the `@pulumi/pulumi` setup, or undefined when it is fine. */
export function sdkProblem(programDir: string, ownDir: string, peerRange: string): string | undefined {
  const ours = sdkFrom(ownDir);
  const theirs = sdkFrom(programDir);
  if (!ours) return "pulumi-functiongraph cannot find @pulumi/pulumi: install it beside it (npm install @pulumi/pulumi)";
  if (theirs && theirs.dir !== ours.dir) {
    return `two copies of @pulumi/pulumi are installed: the program uses ${theirs.dir} (${theirs.version}) and ` +
      `pulumi-functiongraph uses ${ours.dir} (${ours.version}). Dynamic resources need one copy: install a version in ` +
      `${peerRange} in the program (npm install @pulumi/pulumi@${ours.version}), then run 'npm dedupe'`;
  }
  if (!satisfiesRange(ours.version, peerRange)) {
    return `@pulumi/pulumi ${ours.version} is not supported: pulumi-functiongraph needs ${peerRange} (npm install @pulumi/pulumi@'${peerRange}')`;
  }
  return undefined;
}

/** The program and this package do not share one supported `@pulumi/pulumi`. */
export class SdkMismatchError extends FgsError {
  constructor(message: string) {
    super("FGS_SDK_MISMATCH", message);
    this.name = "SdkMismatchError";
  }
}

let checked = false;

/** Throws a clear error when the program and this package do not share one supported `@pulumi/pulumi`. */
export function assertOneSupportedSdk(): void {
  if (checked) return;
  checked = true;
  const ownRoot = path.resolve(__dirname, "..", "..");
  const pkg = JSON.parse(fs.readFileSync(path.join(ownRoot, "package.json"), "utf8")) as { peerDependencies?: Record<string, string> };
  const problem = sdkProblem(process.cwd(), ownRoot, pkg.peerDependencies?.["@pulumi/pulumi"] ?? ">=3.0.0");
  if (problem) throw new SdkMismatchError(`pulumi-functiongraph: ${problem}`);
}
