/**
 * Test helper: a throwaway stack for the files fixture program (tests/engine/fixtures/files), with its own temp
 * directory, file backend (the stack's checkpoint) and config, plus readers for what the provider logged inside the real plugin process.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { backendPaths, runStack, type Operation, type Plugin, type StackConfig, type StackResult } from "../../harness";

/** The repository root (tests run from dist/tests/engine). */
export const REPO_ROOT = path.resolve(__dirname, "../../..");
/** The fixture program compiled by tsc. */
export const JS_PROGRAM = path.join(__dirname, "fixtures/files/index.js");
/** The fixture program's TypeScript source (run through ts-node). */
export const TS_PROGRAM = path.join(REPO_ROOT, "tests/engine/fixtures/files/index.ts");
/** The secret config value the tests look for (it must reach configure() and never the state file). */
export const SECRET_TOKEN = "tok-3f1c9a-SECRET-do-not-store";

/** A stack of the fixture program in a fresh temp directory. */
export class FixtureStack {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-harness-"));
  readonly dir = path.join(this.root, "files");
  readonly backendDir = path.join(this.root, "backend");
  /** The stack's Pulumi checkpoint in the file backend. */
  readonly stateFile = backendPaths(this.backendDir, "fixture", "dev").checkpoint;
  readonly output: string[] = [];
  program = JS_PROGRAM;
  pluginCwd = REPO_ROOT;
  plugin: Plugin | undefined;

  constructor() {
    fs.mkdirSync(this.dir);
  }

  /** Runs one operation with the base config plus `files:<key>` overrides. */
  run(operation: Operation, files: Record<string, string | boolean> = {}): Promise<StackResult> {
    const config: StackConfig = {
      "files:dir": { value: this.dir },
      "files:token": { value: SECRET_TOKEN, secret: true },
      greeting: { value: "hello from config" },
    };
    for (const [k, v] of Object.entries(files)) config[`files:${k}`] = { value: String(v) };
    return runStack({
      operation,
      program: this.program,
      project: "fixture",
      stack: "dev",
      backendDir: this.backendDir,
      config,
      pluginCwd: this.pluginCwd,
      plugin: this.plugin,
      onOutput: (line) => this.output.push(line),
    });
  }

  /** The provider calls logged since the last `takeCalls`, in full (method plus what the provider noted). */
  callLog(): Record<string, unknown>[] {
    const file = path.join(this.dir, "calls.log");
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  }

  /** The provider methods called since the last `takeCalls`, in order; clears the log. */
  takeCalls(): string[] {
    const methods = this.callLog().map((c) => String(c.method));
    fs.rmSync(path.join(this.dir, "calls.log"), { force: true });
    return methods;
  }

  /** The raw state file text. */
  stateText(): string {
    return fs.readFileSync(this.stateFile, "utf8");
  }

  /** Removes the temp directory. */
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
