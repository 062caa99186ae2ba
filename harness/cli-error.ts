/**
 * A failed CLI run's error, without what the run already printed: the Automation API's CommandError repeats the
 * command's whole stdout and stderr (`code: N\n stdout: …\n stderr: …\n err?: …`), which the caller has streamed
 * already, so printing it again shows the whole log two or three times.
 */

/**
 * The lines of `error` that are not in `shown` (the output already printed), with the CommandError's framing
 * (`code:`, `stdout:`, `stderr:`, `err?:`) removed; "" when everything in it was shown.
 */
export function unshownError(error: string, shown: string): string {
  const seen = new Set(shown.split("\n").map((l) => l.trim()).filter(Boolean));
  const kept: string[] = [];
  for (const raw of error.split("\n")) {
    const line = raw.trim().replace(/^(stdout|stderr|err\?):\s*/, "").trim();
    if (!line || /^code: -?\d+$/.test(line) || seen.has(line)) continue;
    seen.add(line);
    kept.push(line);
  }
  return kept.join("\n");
}
