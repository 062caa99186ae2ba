/**
 * The one argument parser of `fgs`: every command declares its options and positionals; the dispatcher parses
 * them with node's `util.parseArgs` (strict: an unknown option is a usage error), prints help on stdout for
 * `--help` / `fgs help <command>`, and usage errors on stderr with exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { FgsError } from "../provider/errors";

/** Parsed option values: strings, booleans, or string lists for repeatable options. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** A subcommand of `fgs`. */
export interface Command {
  /** One line for the command list. */
  summary: string;
  /** The full help text (usage line, positionals, options). */
  usage: string;
  /** Options as `util.parseArgs` takes them (`--help`/`-h` is added for every command). */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** How many positionals the command takes (default none). */
  positionals?: { min: number; max: number };
  /** Runs with parsed arguments; resolves with the exit code (0 ok, 1 failed). */
  run(values: OptionValues, positionals: string[]): Promise<number>;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends FgsError {
  override name = "UsageError";
  constructor(message: string) {
    super("FGS_USAGE", message);
  }
}

/** Parses `argv` for `command`; throws {@link UsageError} on bad usage. Returns undefined when help was asked. */
export function parseCommandArgs(command: Command, argv: string[]): { values: OptionValues; positionals: string[] } | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  if (parsed.values.help) return undefined;
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new UsageError(`expected ${want} argument${max === 1 ? "" : "s"}, got ${n}${n > max ? ` (unexpected '${parsed.positionals[max]}')` : ""}`);
  }
  return { values: parsed.values as OptionValues, positionals: parsed.positionals };
}

/** A string option as a number in [min, max], or the default; a {@link UsageError} naming the option otherwise. */
export function intOption(values: OptionValues, name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${String(raw)}'`);
  }
  return n;
}
