#!/usr/bin/env node
/**
 * `fgs` — the command-line front door: `fgs pack`, `fgs emulator`, `fgs demo`.
 * Each subcommand lives in `bin/commands/<name>.ts` and exports `run(argv): Promise<number>` (the exit code).
 */
type Command = { run(argv: string[]): Promise<number>; summary: string };

const commands: Record<string, () => Command> = {
  pack: () => require("./commands/pack"),
  emulator: () => require("./commands/emulator"),
  demo: () => require("./commands/demo"),
  invoke: () => require("./commands/invoke"),
  logs: () => require("./commands/logs"),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || !(name in commands)) {
    const lines = Object.entries(commands).map(([n, load]) => `  fgs ${n.padEnd(9)} ${load().summary}`);
    process.stderr.write(`usage: fgs <command> [options]\n\n${lines.join("\n")}\n`);
    return name && name !== "--help" && name !== "-h" ? 2 : 0;
  }
  return commands[name]().run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`fgs: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
