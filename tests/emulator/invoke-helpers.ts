/**
 * Helpers for the invocation tests: zips with file modes (a Custom runtime's executable `bootstrap`), seeding a
 * function from inline files, and invoking it through the official SDK (v1 with the log tail).
 */
import * as fs from "node:fs";
import type { EmulatorHandle } from "../../emulator";
import { fg, sdkClient, zip as zipWithModes, type ZipFile } from "./helpers";

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
