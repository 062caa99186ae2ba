/**
 * The emulator in a child process, driven through its admin surface — as users run it (`fgs emulator`, or
 * embedded in the `fgs` process while the provider runs as the engine's plugin process). An emulator in the
 * benchmark's own process would share one event loop with the provider code it serves, so an upload's sending
 * and its ingest would take turns on one thread.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import type { EmulatorLimits } from "../emulator/options";
import type { RequestLogEntry } from "../emulator/http/request-log";

/** What the benchmarks use of an emulator running in a child process. */
export interface EmulatorProcess {
  url: string;
  region: string;
  projectId: string;
  credentials: { accessKey: string; secretKey: string };
  /** Seeds a function (admin `POST /__admin/functions`); resolves with its model. */
  seedFunction(input: { func_name: string }): Promise<{ func_urn: string }>;
  /** The request log (admin `GET /__admin/requests`). */
  requests(filter?: { operation?: string }): Promise<RequestLogEntry[]>;
  /** Empties the request log. */
  clearLog(): Promise<void>;
  /** The emulator's process id. */
  pid: number;
  /** CPU seconds the emulator process has used so far, all its threads (Linux `/proc`; NaN elsewhere). */
  cpuSeconds(): number;
  close(): Promise<void>;
}

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`: 100 on Linux). */
const CLOCK_TICKS = 100;

/** Where and how the emulator process runs (default: this build's emulator, no extra Node flags). */
export interface EmulatorProcessOptions {
  /** The compiled emulator directory to load (e.g. another checkout's `dist/emulator`, to compare builds). */
  emulatorDir?: string;
  /** Node flags for the child, e.g. `--cpu-prof`. */
  execArgv?: string[];
}

/** Starts an emulator with `limits` in a child process of this Node. */
export async function startEmulatorProcess(limits: Partial<EmulatorLimits>, opts: EmulatorProcessOptions = {}): Promise<EmulatorProcess> {
  const emulator = opts.emulatorDir ?? path.join(__dirname, "..", "emulator");
  // Exiting on SIGTERM (rather than being killed by it) lets a --cpu-prof child write its profile.
  const child: ChildProcess = spawn(process.execPath, [...(opts.execArgv ?? []), "-e", `
    process.on("SIGTERM", () => process.exit(0));
    require(${JSON.stringify(emulator)}).startEmulator({ quiet: true, limits: ${JSON.stringify(limits)} }).then((e) =>
      console.log(JSON.stringify({ url: e.url, region: e.region, projectId: e.projectId, credentials: e.credentials, adminToken: e.adminToken })));
  `], { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the emulator process exited (${code}) before it started`)));
  });
  const { adminToken, ...info } = JSON.parse(first) as Pick<EmulatorProcess, "url" | "region" | "projectId" | "credentials"> & { adminToken: string };
  const admin = async (method: string, sub: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${info.url}/__admin/${sub}`, {
      method, headers: { "X-Fgs-Admin": adminToken, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`admin ${method} ${sub}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  };
  return {
    ...info,
    pid: child.pid!,
    seedFunction: async (input) => (await admin("POST", "functions", input)) as { func_urn: string },
    requests: async (filter = {}) => ((await admin("GET", `requests?${new URLSearchParams(filter as Record<string, string>)}`)) as { requests: RequestLogEntry[] }).requests,
    clearLog: async () => void (await admin("DELETE", "requests")),
    cpuSeconds: () => {
      try {
        // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime and stime, in clock ticks.
        const fields = fs.readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
        return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      } catch {
        return NaN;
      }
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill();
      await exited;
    },
  };
}
