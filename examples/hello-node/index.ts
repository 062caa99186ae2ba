/** A Pulumi program: one Node.js function deployed from ./app. `pulumi up` in this directory. */
import { helloNode } from "./function";

const fn = helloNode("./app");

export const funcUrn = fn.funcUrn;
export const digest = fn.digest;
export const version = fn.version;
export const sourceSha512 = fn.sourceSha512;
