/** Placeholder for `fgs demo` until its owner lands it. */
export const summary = "(not yet available)";
/** Runs `fgs demo`; returns the exit code. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("fgs demo: not yet available\n");
  return 2;
}
