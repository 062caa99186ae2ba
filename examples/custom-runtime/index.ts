/** A Pulumi program: a Custom runtime function whose ./app/bootstrap stays executable in the zip. */
import { customRuntime } from "./function";

const fn = customRuntime("./app");

export const funcUrn = fn.funcUrn;
export const digest = fn.digest;
