/** TypeScript programs: what the Node.js language host does for `runtime.options.typescript`, in short. */
import * as fs from "node:fs";
import * as path from "node:path";

/** Makes `require` of `.ts` files work in this process (ts-node transpile-only, the project's tsconfig when present). */
export function registerTsNode(programDir: string, cwd: string): void {
  const tsnodePath = require.resolve("ts-node", { paths: [programDir, cwd, __dirname] });
  const tsnode = require(tsnodePath) as typeof import("ts-node");
  const project = path.join(cwd, "tsconfig.json");
  tsnode.register({
    transpileOnly: true,
    project: fs.existsSync(project) ? project : undefined,
    skipProject: !fs.existsSync(project),
    compilerOptions: { module: "commonjs" },
  });
}
