/**
 * The function runtime that belongs to one running emulator (keyed by its context, so the shared context type
 * needs no new field): created by `attachRuntime` when the emulator starts (or on first use), closed with it.
 */
import type { EmulatorContext } from "../context";
import { FunctionRuntime } from "./function-runtime";
import type { RuntimeOptions } from "./options";

const runtimes = new WeakMap<EmulatorContext, FunctionRuntime>();

/** Creates the runtime of `ctx` with `options` (validated now, so a bad option fails `startEmulator`). */
export function attachRuntime(ctx: EmulatorContext, options?: RuntimeOptions): FunctionRuntime {
  const rt = new FunctionRuntime(ctx, options);
  runtimes.set(ctx, rt);
  return rt;
}

/** The runtime of `ctx` (created with defaults when none was attached). */
export function runtimeOf(ctx: EmulatorContext): FunctionRuntime {
  return runtimes.get(ctx) ?? attachRuntime(ctx);
}

/** Stops every instance of `ctx`'s runtime and removes its work dir. */
export async function closeRuntime(ctx: EmulatorContext): Promise<void> {
  const rt = runtimes.get(ctx);
  runtimes.delete(ctx);
  await rt?.close();
}
