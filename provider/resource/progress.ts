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

/** A count and its noun: `1 file`, `3 files`. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Milliseconds since `start` (a `performance.now()` reading) as seconds: `1.23 s`. */
export function elapsed(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(2)} s`;
}

/**
 * One function's progress lines (`<funcName>: …`), made once per operation and handed to its steps, so each
 * line is one call that formats its own byte counts and times. In `format`, `%b` takes a byte count
 * (`formatBytes`), `%t` a `performance.now()` start (`elapsed`), `%s` any value.
 */
export class FunctionProgress {
  constructor(readonly funcName: string) {}

  /** Writes `<funcName>: <format with its values>` (see the class doc; silenced like `progress`). */
  say(format: string, ...values: unknown[]): void {
    if (process.env.FGS_QUIET === "1") return;
    let i = 0;
    const text = format.replace(/%([bts])/g, (_m, kind: string) => {
      const v = values[i++];
      return kind === "b" ? formatBytes(v as number) : kind === "t" ? elapsed(v as number) : String(v);
    });
    progress(`${this.funcName}: ${text}`);
  }
}
