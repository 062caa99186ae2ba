/** A Pulumi program: one Python function deployed from ./app. */
import { helloPython } from "./function";

const fn = helloPython("./app");

export const funcUrn = fn.funcUrn;
export const digest = fn.digest;
