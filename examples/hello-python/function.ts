/** The hello-python example's function, parameterised by where its code lives. */
import * as fgs from "pulumi-functiongraph";

/** A Python 3.10 function echoing a name. */
export function helloPython(sourceDir: string): fgs.Function {
  return new fgs.Function("hello-python", {
    sourceDir,
    runtime: "Python3.10",
    handler: "index.handler",
    memorySize: 128,
    timeout: 5,
    description: "Hello from pulumi-functiongraph (Python)",
  });
}
