/**
 * `fgs logs <name> [--follow] [--endpoint URL | --data-dir DIR]`: prints the invocations of a function — one
 * header line per call (time, request id, sync/async, status, duration) and its log — read from a running
 * emulator's `/__admin/invocations`, or, with no endpoint, from the invocation file of an emulator data dir (what
 * `fgs invoke` on its embedded emulator wrote; default the demo's, as for `fgs invoke`). `--follow` keeps printing
 * new calls until Ctrl-C. A function the emulator never had is an error (exit 1). (The real service keeps logs in
 * LTS, which this command does not read.)
 */
import * as fs from "node:fs";
import { UsageError, type Command } from "../command";
import { request } from "undici";
import { ADMIN_HEADER, ADMIN_TOKEN_ENV } from "../../emulator/admin/admin-guard";
import { DataDir } from "../../emulator/store/persistence";
import { filterInvocations, readInvocationFile, type InvocationRecord } from "../../emulator/runtime/invocation-log";
import { commandTarget, demoDataDir, isLoopbackUrl } from "./invoke-target";
import { FgsError } from "../../provider/errors";


const USAGE = `usage: fgs logs <name | package/name> [--follow] [--endpoint URL | --data-dir DIR]

  --follow         keep printing new invocations until Ctrl-C
  --endpoint URL   a running emulator (default: the endpoint in the environment, e.g. from 'fgs emulator');
                   its admin token is read from ${ADMIN_TOKEN_ENV} (printed by 'fgs emulator')
  --data-dir DIR   without an endpoint: read the logs kept in an emulator data dir (default ./.fgs/emulator,
                   where 'npm start' deploys and 'fgs invoke' runs)
`;

/** A function `fgs logs` was asked about that the emulator never had. */
/** The emulator's admin surface refused `fgs logs` (a wrong admin token, or another failure it names). */
class EmulatorRefusedError extends FgsError {
  constructor(message: string) {
    super("FGS_EMULATOR_REFUSED", message);
    this.name = "EmulatorRefusedError";
  }
}

class NoSuchFunction extends FgsError {
  constructor(message: string) {
    super("FGS_NO_SUCH_FUNCTION", message);
  }
}

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
  if (!token) throw new UsageError(`set ${ADMIN_TOKEN_ENV} to the admin token 'fgs emulator' printed (the emulator's admin surface needs it)`);
  const res = await request(`${endpoint.replace(/\/+$/, "")}/__admin/invocations?${q}`, {
    headersTimeout: waitMs + 10_000, signal, headers: { [ADMIN_HEADER]: token },
  });
  const text = await res.body.text();
  if (res.statusCode === 403) throw new EmulatorRefusedError(`the emulator refused the admin token in ${ADMIN_TOKEN_ENV}: set it to the one this run of 'fgs emulator' printed`);
  if (res.statusCode === 404) throw new NoSuchFunction(`${(JSON.parse(text) as { error_msg?: string }).error_msg ?? text}`);
  if (res.statusCode !== 200) throw new EmulatorRefusedError(`the emulator answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as { invocations: InvocationRecord[]; lastSeq: number };
}

/** Reads a data dir's records the way the admin route answers (404 → NoSuchFunction). */
async function recordsFromDataDir(dataDir: string, fn: string, since: number | undefined, waitMs: number, signal: AbortSignal): Promise<{ invocations: InvocationRecord[]; lastSeq: number }> {
  const key = functionKey(fn);
  const end = Date.now() + waitMs;
  for (;;) {
    const all = readInvocationFile(dataDir);
    const invocations = filterInvocations(all, { function: key, since });
    const lastSeq = all.reduce((m, r) => Math.max(m, r.seq), 0);
    if (since === undefined && invocations.length === 0) {
      const functions = await new DataDir(dataDir).readFunctions(); // read-only: an emulator may be running on it
      if (!functions.some((f) => `${f.package}/${f.name}` === key)) throw new NoSuchFunction(`no function '${key}' in the emulator data dir ${dataDir} (and no invocations of one)`);
    }
    if (invocations.length > 0 || Date.now() >= end || signal.aborted) return { invocations, lastSeq };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `fgs logs`. */
export const command: Command = {
  summary: "print (and --follow) the invocation logs of a function on an emulator (running, or its data dir)",
  usage: USAGE,
  options: { follow: { type: "boolean", short: "f" }, endpoint: { type: "string" }, "data-dir": { type: "string" } },
  positionals: { min: 1, max: 1 },
  run: (values, positionals) => logs(values as { follow?: boolean; endpoint?: string; "data-dir"?: string }, positionals),
};

/** Prints the logs; returns the exit code. */
async function logs(values: { follow?: boolean; endpoint?: string; "data-dir"?: string }, positionals: string[]): Promise<number> {
  const dataDirGiven = values["data-dir"];
  const endpoint = dataDirGiven === undefined ? values.endpoint ?? commandTarget(undefined)?.endpoint : undefined;
  if (dataDirGiven !== undefined && values.endpoint !== undefined) {
    process.stderr.write("fgs logs: --endpoint and --data-dir: give one of them\n");
    return 2;
  }
  if (endpoint !== undefined && !isLoopbackUrl(endpoint)) {
    process.stderr.write(`fgs logs: reads an emulator, and ${endpoint} is not one on this machine: start one with 'fgs emulator' ` +
      "and pass --endpoint URL, or read a data dir with --data-dir DIR\n");
    return 2;
  }
  const dataDir = endpoint === undefined ? dataDirGiven ?? demoDataDir() : undefined;
  if (dataDir !== undefined && !fs.existsSync(dataDir)) {
    process.stderr.write(`fgs logs: no emulator data dir at ${dataDir}: pass --data-dir DIR (where 'fgs up' or 'fgs emulator ` +
      "--data-dir' keeps its functions), or --endpoint URL of a running emulator ('fgs emulator')\n");
    return 2;
  }
  const read = (since: number | undefined, waitMs: number, signal: AbortSignal) => dataDir !== undefined
    ? recordsFromDataDir(dataDir, positionals[0], since, waitMs, signal)
    : fetchRecords(endpoint!, positionals[0], since, waitMs, signal);
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
      const { invocations, lastSeq } = await read(since, since === undefined ? 0 : 5000, abort.signal);
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
