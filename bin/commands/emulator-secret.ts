/**
 * Where `fgs emulator` takes its secret key from, so it need not sit on the command line (where `ps` and
 * /proc/<pid>/cmdline show it to every user of the machine): `--secret-key-file PATH` (the file's first line)
 * or the environment variable `FGS_EMULATOR_SECRET_KEY`; `--secret-key SK` still works, with a warning. The
 * access key (not a secret) may come from `--access-key` or `FGS_EMULATOR_ACCESS_KEY`.
 */
import * as fs from "node:fs";

/** The environment variables read. */
export const SECRET_KEY_ENV = "FGS_EMULATOR_SECRET_KEY";
export const ACCESS_KEY_ENV = "FGS_EMULATOR_ACCESS_KEY";

/** The warning printed when the secret key was given on the command line. */
export const SECRET_ON_COMMAND_LINE_WARNING =
  `fgs emulator: warning: --secret-key is visible to every user of this machine in the process list; ` +
  `use --secret-key-file PATH or the ${SECRET_KEY_ENV} environment variable instead\n`;

/** What the command line said about the keys. */
export interface KeyArgs {
  accessKey?: string;
  secretKey?: string;
  secretKeyFile?: string;
}

/**
 * The key pair from the flags, the file and the environment, or undefined for the dev defaults. Throws an Error
 * (for the user) when the secret is given more than one way, the file is unreadable or empty, or only one half
 * of the pair is given.
 */
export function resolveKeys(args: KeyArgs, env: NodeJS.ProcessEnv): { accessKey: string; secretKey: string } | undefined {
  const sources = [args.secretKey !== undefined && "--secret-key", args.secretKeyFile !== undefined && "--secret-key-file",
    env[SECRET_KEY_ENV] !== undefined && env[SECRET_KEY_ENV] !== "" && SECRET_KEY_ENV].filter(Boolean);
  if (sources.length > 1) throw new Error(`give the secret key one way, not ${sources.join(" and ")}`);
  let secretKey = args.secretKey ?? (env[SECRET_KEY_ENV] || undefined);
  if (args.secretKeyFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(args.secretKeyFile, "utf8");
    } catch (err) {
      throw new Error(`--secret-key-file: cannot read ${args.secretKeyFile} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    secretKey = text.split(/\r?\n/)[0].trim();
    if (!secretKey) throw new Error(`--secret-key-file: ${args.secretKeyFile} is empty; put the secret key on its first line`);
  }
  const accessKey = args.accessKey ?? (env[ACCESS_KEY_ENV] || undefined);
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw new Error(`the access key (--access-key or ${ACCESS_KEY_ENV}) and the secret key (--secret-key-file, ${SECRET_KEY_ENV} or --secret-key) go together`);
  }
  return accessKey !== undefined && secretKey !== undefined ? { accessKey, secretKey } : undefined;
}
