/** The hello-node example's function, parameterised by where its code lives (so the demo can reuse it). */
import * as fgs from "pulumi-functiongraph";

/** A Node.js 18 function answering with a greeting. */
export function helloNode(sourceDir: string, opts?: { publishVersion?: boolean }): fgs.Function {
  return new fgs.Function("hello-node", {
    sourceDir,
    runtime: "Node.js18.15",
    handler: "index.handler",
    memorySize: 256,
    timeout: 10,
    description: "Hello from pulumi-functiongraph (Node.js)",
    environment: { GREETING: "hello" },
    publishVersion: opts?.publishVersion,
  });
}
