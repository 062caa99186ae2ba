/**
 * `fgs logs <name> [--follow] [--endpoint URL]`: prints the invocations of a function on a running emulator —
 * one header line per call (time, request id, sync/async, status, duration) and its log — read from the
 * emulator's `/__admin/invocations`; `--follow` keeps printing new calls until Ctrl-C. (The real service keeps
 * logs in LTS, which this command does not read.)
 */
import type { Command } from "../command";
import { request } from "undici";
import type { InvocationRecord } from "../../emulator/runtime/invocation-log";
import { ADMIN_HEADER, ADMIN_TOKEN_ENV } from "../../emulator/admin-guard";
import { commandTarget, isLoopbackUrl } from "./invoke-target";


const USAGE = `usage: fgs logs <name | package/name> [--follow] [--endpoint URL]

  --follow         keep printing new invocations until Ctrl-C
  --endpoint URL   the emulator (default: the endpoint in the environment, e.g. from 'fgs emulator')
The emulator's admin token is read from ${ADMIN_TOKEN_ENV} (printed by 'fgs emulator').
`;

/** One record as printed. */
export function formatRecord(r: InvocationRecord): string {
  const took = r.durationMs === undefined ? "" : ` ${r.durationMs.toFixed(1)}ms`;
  const cold = r.coldStart ? " cold" : "";
  const head = `== ${r.startTime} ${r.requestId} ${r.function}:${r.version} ${r.kind} ${r.status}${took}${cold}`;
  const outcome = r.status === "running" ? "" : r.error ? `error: ${r.error.errorType}: ${r.error.errorMessage}\n` : "";
  return `${head}\n${r.log}${r.log.endsWith("\n") || r.log === "" ? "" : "\n"}${outcome}`;
}

/** Normalises `name`, `package:name` or `package/name` to the `package/name` the emulator filters on. */
export function functionKey(fn: string): string {
  const urn = fn.startsWith("urn:") ? fn.split(":").slice(5, 7).join("/") : fn;
  return urn.includes("/") ? urn : urn.includes(":") ? urn.replace(":", "/") : `default/${urn}`;
}

async function fetchRecords(endpoint: string, fn: string, since: number | undefined, waitMs: number, signal: AbortSignal): Promise<{ invocations: InvocationRecord[]; lastSeq: number }> {
  const q = new URLSearchParams({ function: functionKey(fn), waitMs: String(waitMs) });
  if (since !== undefined) q.set("since", String(since));
  const token = process.env[ADMIN_TOKEN_ENV];
  if (!token) throw new Error(`set ${ADMIN_TOKEN_ENV} to the admin token 'fgs emulator' printed (the emulator's admin surface needs it)`);
  const res = await request(`${endpoint.replace(/\/+$/, "")}/__admin/invocations?${q}`, {
    headersTimeout: waitMs + 10_000, signal, headers: { [ADMIN_HEADER]: token },
  });
  const text = await res.body.text();
  if (res.statusCode === 403) throw new Error(`the emulator refused the admin token in ${ADMIN_TOKEN_ENV}: set it to the one this run of 'fgs emulator' printed`);
  if (res.statusCode !== 200) throw new Error(`the emulator answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as { invocations: InvocationRecord[]; lastSeq: number };
}

/** `fgs logs`. */
export const command: Command = {
  summary: "print (and --follow) the invocation logs of a function on a running emulator",
  usage: USAGE,
  options: { follow: { type: "boolean", short: "f" }, endpoint: { type: "string" } },
  positionals: { min: 1, max: 1 },
  run: (values, positionals) => logs(values as { follow?: boolean; endpoint?: string }, positionals),
};

/** Prints the logs; returns the exit code. */
async function logs(values: { follow?: boolean; endpoint?: string }, positionals: string[]): Promise<number> {
  const endpoint = values.endpoint ?? commandTarget(undefined)?.endpoint;
  if (!endpoint || !isLoopbackUrl(endpoint)) {
    process.stderr.write("fgs logs: reads a running emulator: start one with 'fgs emulator' and pass --endpoint URL " +
      "(or set the endpoint variables it prints)\n");
    return 2;
  }
  let stop = false;
  const abort = new AbortController();
  const onSignal = () => {
    stop = true;
    abort.abort();
    // Ctrl-C ends the command even if a request or a kept-alive socket would hold the event loop.
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    let since: number | undefined;
    do {
      const { invocations, lastSeq } = await fetchRecords(endpoint, positionals[0], since, since === undefined ? 0 : 5000, abort.signal);
      // Following prints each call once, when it has finished.
      for (const r of invocations) if (!values.follow || r.status !== "running") process.stdout.write(formatRecord(r));
      since = invocations.length ? Math.max(...invocations.map((r) => r.seq)) : since ?? lastSeq;
    } while (values.follow && !stop);
    return 0;
  } catch (e) {
    if (stop) return 0; // Ctrl-C during a wait
    process.stderr.write(`fgs logs: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
