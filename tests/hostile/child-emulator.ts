/**
 * An emulator in a child process (`fgs emulator`), so a test can measure ITS peak memory (VmHWM from
 * /proc/<pid>/status: the high-water mark of resident memory since the process started) while feeding it
 * hostile input. Linux only (the peak reads undefined elsewhere).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEV_DEFAULTS } from "../../emulator/options";
import type { EmulatorHandle } from "../../emulator";

const FGS = path.join(__dirname, "..", "..", "bin", "fgs.js");

/** A running child emulator: enough of an `EmulatorHandle` to sign requests, its peak memory, and a stop. */
export interface ChildEmulator {
  handle: Pick<EmulatorHandle, "url" | "projectId" | "credentials" | "region">;
  pid: number;
  /** The admin token the child was started with (`FGS_EMULATOR_ADMIN_TOKEN`). */
  adminToken: string;
  /** Peak resident memory of the child so far, bytes (undefined where /proc is absent). */
  peakRssBytes(): number | undefined;
  stop(): Promise<void>;
}

/** Starts `fgs emulator` with `args` and resolves once it prints its endpoint. */
export function startChildEmulator(args: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<ChildEmulator> {
  const adminToken = randomBytes(24).toString("hex");
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [FGS, "emulator", ...args], {
      stdio: ["ignore", "pipe", "pipe"], env: { ...env, FGS_EMULATOR_ADMIN_TOKEN: adminToken },
    });
    let out = "";
    let err = "";
    const closed = new Promise<void>((r) => child.once("close", () => r()));
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`fgs emulator exited (${code}) before listening: ${err}`)));
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      child.stdout!.removeAllListeners("data");
      child.stdout!.resume();
      resolve({
        handle: {
          url: m[1], projectId: DEV_DEFAULTS.projectId, region: DEV_DEFAULTS.region,
          credentials: { accessKey: DEV_DEFAULTS.accessKey, secretKey: DEV_DEFAULTS.secretKey },
        },
        pid: child.pid!,
        adminToken,
        peakRssBytes: () => {
          try {
            const m2 = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
            return m2 ? Number(m2[1]) * 1024 : undefined;
          } catch {
            return undefined;
          }
        },
        stop: async () => {
          child.kill("SIGTERM");
          await closed;
        },
      });
    });
  });
}
