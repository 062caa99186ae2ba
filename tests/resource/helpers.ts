/**
 * Shared fixtures of the resource tests: stack config handed to `configure` as the engine would, small source
 * trees, `check` that must pass, progress lines, and a fresh runner's emulator and empty cache directory.
 */
import { after, before, beforeEach } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as lifecycle from "../../provider/resource/lifecycle";

/** Configures the provider for `emu` as stack config; `overrides` replace keys (undefined drops one). */
export function configureFor(emu: EmulatorHandle, overrides: Record<string, string | undefined> = {}): Promise<void> {
  const values: Record<string, string | undefined> = {
    "functiongraph:accessKey": emu.credentials.accessKey,
    "functiongraph:secretKey": emu.credentials.secretKey,
    "functiongraph:region": emu.region,
    "functiongraph:projectId": emu.projectId,
    "functiongraph:endpoint": emu.url,
    ...overrides,
  };
  return lifecycle.configure({ config: { get: (k: string) => values[k] } });
}

/** Writes `files` under `root/name` (replacing what was there) and applies `modes`; returns the directory. */
export function writeTree(
  root: string, name: string, files: Record<string, string | Buffer>, modes: Record<string, number> = {},
): string {
  const dir = path.join(root, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  for (const [rel, mode] of Object.entries(modes)) fs.chmodSync(path.join(dir, rel), mode);
  return dir;
}

/** `check` on inputs that are valid: asserts no failure and returns the checked inputs. */
export async function checkedInputs(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await lifecycle.check(olds, news);
  assert.deepEqual(res.failures, [], `these inputs are valid; check must pass them: ${JSON.stringify(res.failures)}`);
  return res.inputs as Record<string, unknown>;
}

/** Runs `fn` with progress lines captured (returned with its result); `FGS_QUIET` is `1` again afterwards. */
export async function withProgress<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.env.FGS_QUIET = "0";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter((l) => l.startsWith("functiongraph: ")));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(), lines };
  } finally {
    process.stderr.write = write;
    process.env.FGS_QUIET = "1";
  }
}

/** What `freshRunnerFixture` sets up: valid inside the tests (after its `before` hook ran). */
export interface FreshRunnerFixture {
  readonly emu: EmulatorHandle;
  /** A temporary directory for the file's source trees, removed after. */
  readonly work: string;
  /** The test's own empty `FGS_CACHE_DIR` (a fresh runner). */
  readonly cacheDir: string;
}

/**
 * Registers the hooks of a test file that deploys like a fresh runner: an emulator configured as stack config,
 * a work directory (`prefix`), an emulator reset and a new empty `FGS_CACHE_DIR` before each test, `FGS_QUIET`;
 * the environment is restored after.
 */
export function freshRunnerFixture(prefix: string): FreshRunnerFixture {
  const saved = { FGS_QUIET: process.env.FGS_QUIET, FGS_CACHE_DIR: process.env.FGS_CACHE_DIR };
  const fx = {} as { emu: EmulatorHandle; work: string; cacheDir: string };
  before(async () => {
    process.env.FGS_QUIET = "1";
    fx.work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fx.emu = await startEmulator({ quiet: true });
    await configureFor(fx.emu);
  });
  after(async () => {
    await fx.emu.close();
    fs.rmSync(fx.work, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  beforeEach(async () => {
    await fx.emu.reset();
    fx.cacheDir = fs.mkdtempSync(path.join(fx.work, "cache-"));
    process.env.FGS_CACHE_DIR = fx.cacheDir;
  });
  return fx;
}
