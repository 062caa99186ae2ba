/** TypeScript programs: what the Node.js language host does for `runtime.options.typescript`, in short. */
import * as fs from "node:fs";
import * as path from "node:path";
import { HarnessError } from "./plugin";

/**
 * Makes `require` of `.ts` files work in this process (ts-node transpile-only, the project's tsconfig when present).
 * Throws a HarnessError naming the fix when the program has no ts-node.
 */
export function registerTsNode(programDir: string, cwd: string): void {
  let tsnodePath: string;
  try {
    tsnodePath = require.resolve("ts-node", { paths: [programDir, cwd, __dirname] });
  } catch {
    throw new HarnessError(`Cannot find module 'ts-node' for the TypeScript program in ${programDir}: run 'npm install --save-dev typescript@5 ts-node' in the program directory`);
  }
  const tsnode = require(tsnodePath) as typeof import("ts-node");
  const project = path.join(cwd, "tsconfig.json");
  tsnode.register({
    transpileOnly: true,
    project: fs.existsSync(project) ? project : undefined,
    skipProject: !fs.existsSync(project),
    compilerOptions: { module: "commonjs" },
  });
}
