#!/usr/bin/env node
/**
 * `fgs` — the command-line front door. Each subcommand lives in `bin/commands/<name>.ts` and exports a
 * {@link Command}; this file dispatches with the one parser (bin/command.ts): `fgs --version`, `fgs help
 * [command]`, `fgs <command> --help` (help on stdout), "unknown command" with the list (exit 2).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCommandArgs, type UsageError, type Command } from "./command";
import { hasCode } from "../provider/errors";

const commands: Record<string, () => Command> = {
  up: () => require("./commands/stack-op").up,
  preview: () => require("./commands/stack-op").preview,
  refresh: () => require("./commands/stack-op").refresh,
  destroy: () => require("./commands/stack-op").destroy,
  demo: () => require("./commands/demo").command,
  pack: () => require("./commands/pack").command,
  emulator: () => require("./commands/emulator").command,
  invoke: () => require("./commands/invoke").command,
  logs: () => require("./commands/logs").command,
};

function version(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { version: string }).version;
}

function overview(): string {
  const lines = Object.entries(commands).map(([n, load]) => `  ${n.padEnd(10)} ${load().summary}`);
  return `usage: fgs <command> [options]\n\ncommands:\n${lines.join("\n")}\n\n` +
    "  fgs help <command>   help on one command\n  fgs --version        the package version\n";
}

/** Runs `fgs` with `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(overview());
    return 2;
  }
  if (name === "--help" || name === "-h") {
    process.stdout.write(overview());
    return 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (name === "help") {
    if (rest.length === 0) {
      process.stdout.write(overview());
      return 0;
    }
    if (!(rest[0] in commands)) return unknown(rest[0]);
    process.stdout.write(commands[rest[0]]().usage);
    return 0;
  }
  if (!Object.hasOwn(commands, name)) return unknown(name);
  const command = commands[name]();
  try {
    const parsed = parseCommandArgs(command, rest);
    if (!parsed) {
      process.stdout.write(command.usage);
      return 0;
    }
    return await command.run(parsed.values, parsed.positionals);
  } catch (e) {
    if (hasCode<UsageError>(e, "FGS_USAGE")) {
      process.stderr.write(`fgs ${name}: ${e.message}\n\n${command.usage}`);
      return 2;
    }
    throw e;
  }
}

function unknown(name: string): number {
  process.stderr.write(`fgs: unknown command '${name}'\n\n${overview()}`);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`fgs: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
