/**
 * The demo stack (root Pulumi.yaml, what `npm start` deploys): the three examples side by side. Paths are
 * relative to the project root, where the program and the provider plugin run.
 */
import { customRuntime } from "../custom-runtime/function";
import { helloNode } from "../hello-node/function";
import { helloPython } from "../hello-python/function";

const node = helloNode("examples/hello-node/app");
const python = helloPython("examples/hello-python/app");
const custom = customRuntime("examples/custom-runtime/app");

export const functions = {
  "hello-node": { urn: node.funcUrn, digest: node.digest, version: node.version, files: node.fileCount },
  "hello-python": { urn: python.funcUrn, digest: python.digest, version: python.version, files: python.fileCount },
  "custom-runtime": { urn: custom.funcUrn, digest: custom.digest, version: custom.version, files: custom.fileCount },
};
