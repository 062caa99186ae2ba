/**
 * Progress lines on stderr: the dynamic-provider plugin's stderr reaches the user during `pulumi up`.
 * Never pass a credential here; messages are about files, bytes, times and function names.
 */

/** Writes one `functiongraph: …` line to stderr (silenced by `FGS_QUIET=1`). */
export function progress(message: string): void {
  if (process.env.FGS_QUIET === "1") return;
  process.stderr.write(`functiongraph: ${message}\n`);
}

/** Bytes as a short human string: `512 B`, `12.3 KB`, `45.0 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Milliseconds since `start` (a `performance.now()` reading) as seconds: `1.23 s`. */
export function elapsed(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(2)} s`;
}
