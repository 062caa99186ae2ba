/** The custom-runtime example's function: an executable `bootstrap`, parameterised by where its code lives. */
import * as fgs from "pulumi-functiongraph";

/** A Custom runtime function started by ./bootstrap. */
export function customRuntime(sourceDir: string): fgs.Function {
  return new fgs.Function("custom-runtime", {
    sourceDir,
    runtime: "Custom",
    handler: "bootstrap.handler",
    memorySize: 128,
    timeout: 30,
    description: "Custom runtime with an executable bootstrap",
  });
}
