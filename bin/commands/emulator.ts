/** Placeholder for `fgs emulator` until its owner lands it. */
export const summary = "(not yet available)";
/** Runs `fgs emulator`; returns the exit code. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("fgs emulator: not yet available\n");
  return 2;
}
