/**
 * The demo stack (root Pulumi.yaml, what `npm start` deploys): the three examples side by side. Paths are
 * relative to this directory: the engine runs the program and the provider plugin in `main`'s directory.
 */
import { customRuntime } from "../custom-runtime/function";
import { helloNode } from "../hello-node/function";
import { helloPython } from "../hello-python/function";

const node = helloNode("../hello-node/app");
const python = helloPython("../hello-python/app");
const custom = customRuntime("../custom-runtime/app");

export const functions = {
  "hello-node": { urn: node.funcUrn, digest: node.digest, version: node.version, files: node.fileCount },
  "hello-python": { urn: python.funcUrn, digest: python.digest, version: python.version, files: python.fileCount },
  "custom-runtime": { urn: custom.funcUrn, digest: custom.digest, version: custom.version, files: custom.fileCount },
};
