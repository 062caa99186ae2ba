/** Placeholder for `fgs pack` until its owner lands it. */
export const summary = "(not yet available)";
/** Runs `fgs pack`; returns the exit code. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("fgs pack: not yet available\n");
  return 2;
}
