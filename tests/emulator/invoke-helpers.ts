/**
 * Helpers for the invocation tests: zips with file modes (a Custom runtime's executable `bootstrap`), seeding a
 * function from inline files, and invoking it through the official SDK (v1 with the log tail).
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import { promisify } from "node:util";
import * as path from "node:path";
import { after, before } from "node:test";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../emulator";
import { fg, sdkClient, zip as zipWithModes, type ZipFile } from "./helpers";

const run = promisify(execFile);

export { zip as zipWithModes, type ZipFile } from "./helpers";

/** The unqualified URN of `name` in the default package. */
export function urnOf(emu: EmulatorHandle, name: string, qualifier?: string): string {
  const base = `urn:fss:${emu.region}:${emu.projectId}:function:default:${name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

/** Seeds `name` with `files` and settings. */
export async function deploy(emu: EmulatorHandle, name: string, files: Record<string, ZipFile>, settings: {
  runtime?: string; handler?: string; timeout?: number; memory_size?: number; user_data?: Record<string, string>;
} = {}): Promise<void> {
  await emu.seedFunction({ func_name: name, code: await zipWithModes(files), ...settings });
}

/** What the SDK's invokeFunction returned (v1), with the result parsed. */
export interface SdkInvocation {
  requestId: string;
  headerRequestId: string;
  result: string;
  status: number;
  log: string;
  parsed(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Sync invocation through the official SDK, unchanged: v1 with `X-Cff-Log-Type: tail`. */
export async function sdkInvoke(emu: EmulatorHandle, urnOrName: string, event: Record<string, unknown> = {}): Promise<SdkInvocation> {
  const urn = urnOrName.startsWith("urn:") ? urnOrName : urnOf(emu, urnOrName);
  const r = await sdkClient(emu).invokeFunction(new fg.InvokeFunctionRequest().withFunctionUrn(urn).withBody(event)
    .withXCFFRequestVersion("v1").withXCffLogType("tail"));
  return {
    requestId: r.request_id, headerRequestId: r["X-Cff-Request-Id"], result: r.result, status: r.status, log: r.log,
    parsed: () => JSON.parse(r.result),
  };
}

/** Waits until `check` returns a value (polling every 25 ms, at most `ms`). */
export async function eventually<T>(check: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * True while some process on the host has `marker` in its command line (/proc/<pid>/cmdline). Function code runs
 * in its own PID namespace, so its `process.pid` means nothing outside: a test marks a process instead (Node:
 * `process.title = marker`; a child: a unique argument, e.g. `sleep 300.<digits>`).
 */
export function markedProcessExists(marker: string): boolean {
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, "latin1").includes(marker)) return true;
    } catch {
      /* gone meanwhile */
    }
  }
  return false;
}

/** A marker unique to this call (digits only, so it can be a `sleep` duration's fraction). */
export function uniqueMarker(): string {
  return `${Date.now()}${Math.floor(Math.random() * 1e9)}`;
}

const FGS = path.join(__dirname, "..", "..", "bin", "fgs.js");

/** The environment without any target settings (nor an admin token), so the CLI picks what the test tells it. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HW_|HUAWEICLOUD_SDK_|FGS_DEMO_STATE_DIR|FGS_EMULATOR_ADMIN_TOKEN)/.test(k)));
}

/** Runs the built `fgs` command with `cleanEnv()` plus `env` (stopped with SIGTERM once `until` holds for its stdout). */
export function fgs(args: string[], opts: { until?: (stdout: string) => boolean; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FGS, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...cleanEnv(), ...opts.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (opts.until?.(stdout)) child.kill("SIGTERM");
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}


/** `curl -s -i` of `url`: status, lower-case headers and body. */
export async function curl(url: string, args: string[] = []): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { stdout } = await run("curl", ["-s", "-i", "--max-time", "30", ...args, url], { maxBuffer: 16 * 1024 * 1024 });
  const split = stdout.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = stdout.slice(0, split).split("\r\n");
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
  return { status: Number(statusLine.split(" ")[1]), headers, body: stdout.slice(split + 4) };
}

/** Creates an APIG trigger through the official SDK; its `invoke_url`. */
export async function apigTrigger(emu: EmulatorHandle, fn: string, data: { path: string; method?: string; auth?: string; match?: string; group?: string; qualifier?: string }): Promise<{ url: string; id: string }> {
  const t = await sdkClient(emu).createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urnOf(emu, fn, data.qualifier)).withBody(
    new fg.CreateFunctionTriggerRequestBody().withTriggerTypeCode("APIG").withTriggerStatus("ACTIVE").withEventData(
      new fg.TriggerEventDataRequestBody().withGroupId(data.group ?? "g1").withEnvId("e1").withEnvName("RELEASE").withPath(data.path)
        .withReqMethod(data.method ?? "ANY").withAuth(data.auth ?? "NONE").withProtocol("HTTP").withMatchMode(data.match ?? "NORMAL"))));
  return { url: t.event_data.invoke_url as string, id: t.trigger_id as string };
}

/** One emulator for the enclosing `describe`: started before its tests, closed after them; the result returns it. */
export function emulatorForSuite(options: EmulatorOptions = {}): () => EmulatorHandle {
  let emu: EmulatorHandle | undefined;
  before(async () => {
    emu = await startEmulator(options);
  });
  after(() => emu?.close());
  return () => emu!;
}
