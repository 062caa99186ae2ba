/**
 * `fgs emulator`: runs the local FunctionGraph emulator in the foreground until SIGINT/SIGTERM, printing the
 * endpoint, the credentials to sign with and how to point a stack (or the SDK/Terraform env vars) at it.
 */
import { DEV_DEFAULTS, parseFaultSpec, startEmulator, type EmulatorOptions } from "../../emulator";
import { endpointEnvName } from "../../provider/auth/resolve-target";
import { ACCESS_KEY_ENV, resolveKeys, SECRET_KEY_ENV, SECRET_ON_COMMAND_LINE_WARNING, type KeyArgs } from "./emulator-secret";

/** One-line description for `fgs --help`. */
export const summary = "run the local FunctionGraph emulator (loopback HTTP server) until Ctrl-C";

const USAGE = `usage: fgs emulator [--port N] [--data-dir DIR] [--access-key AK --secret-key-file PATH] [--faults SPEC]
                    [--region NAME] [--project-id ID] [--verbose]

  --port N          listen on 127.0.0.1:N (default: a free port)
  --data-dir DIR    persist functions and code under DIR (default: in memory)
  --access-key AK   accepted access key (default: the fixed dev key; or ${ACCESS_KEY_ENV}), with its secret key from
  --secret-key-file PATH   the first line of PATH, or the ${SECRET_KEY_ENV} environment variable
                    (--secret-key SK also works but shows the secret in the process list)
  --faults SPEC     inject faults, e.g. 429=0.1,500=0.05,503=0.05,reset=0.05,latency=0.1:200ms,commitDrop=import|code:1,seed=42
  --region NAME     region in URNs (default cn-north-4)
  --project-id ID   the project id the emulator owns (default: the fixed dev project)
  --verbose         log every request to stderr
`;

/** Parses argv strictly; throws an Error with a message for the user. */
export function parseEmulatorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): EmulatorOptions {
  const options: EmulatorOptions = { quiet: true };
  const credentials: KeyArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const [flag, inline] = arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--port": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--port: '${v}' is not a port number`);
        options.port = Number(v);
        break;
      }
      case "--data-dir": options.dataDir = value(); break;
      case "--access-key": credentials.accessKey = value(); break;
      case "--secret-key": credentials.secretKey = value(); break;
      case "--secret-key-file": credentials.secretKeyFile = value(); break;
      case "--faults": {
        const spec = value();
        parseFaultSpec(spec);
        options.faults = spec;
        break;
      }
      case "--region": options.region = value(); break;
      case "--project-id": options.projectId = value(); break;
      case "--verbose": options.quiet = false; break;
      default: throw new Error(`unknown argument '${arg}'`);
    }
  }
  const keys = resolveKeys(credentials, env);
  if (keys) options.credentials = keys;
  return options;
}

/** Runs `fgs emulator`; resolves with the exit code once stopped by SIGINT/SIGTERM. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  let options: EmulatorOptions;
  try {
    if (argv.some((a) => a === "--secret-key" || a.startsWith("--secret-key="))) process.stderr.write(SECRET_ON_COMMAND_LINE_WARNING);
    options = parseEmulatorArgs(argv);
  } catch (err) {
    process.stderr.write(`fgs emulator: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  // Listen for signals before announcing the endpoint, so a supervisor that stops us right away is honoured.
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  let emu;
  try {
    emu = await startEmulator(options);
  } catch (err) {
    stop();
    throw err;
  }
  const region = emu.region;
  // The dev secret is printed so it can be pasted; a secret key the user chose is theirs to know, never echoed.
  const sk = emu.credentials.secretKey === DEV_DEFAULTS.secretKey ? emu.credentials.secretKey : "<the secret key you gave>";
  process.stdout.write(`FunctionGraph emulator listening on ${emu.url}
  region      ${region}
  project id  ${emu.projectId}
  access key  ${emu.credentials.accessKey}
  secret key  ${sk}
  data        ${emu.dataDir ?? "in memory (lost on exit; use --data-dir DIR to keep it)"}
  faults      ${emu.faults().spec || "none"}
  admin       ${emu.url}/__admin/requests (loopback only; writes need the header X-Fgs-Admin: 1)

Point a stack at it:
  pulumi config set functiongraph:endpoint ${emu.url}
  pulumi config set functiongraph:region ${region}
  pulumi config set functiongraph:projectId ${emu.projectId}
  pulumi config set --secret functiongraph:accessKey ${emu.credentials.accessKey}
  pulumi config set --secret functiongraph:secretKey ${sk}
or use environment variables:
  export HW_ACCESS_KEY=${emu.credentials.accessKey} HW_SECRET_KEY=${sk}
  export HW_PROJECT_ID=${emu.projectId} HW_REGION_NAME=${region}
  export ${endpointEnvName(region)}=${emu.url}

Ctrl-C to stop.
`);
  await stopped;
  await emu.close();
  process.stdout.write("emulator stopped\n");
  return 0;
}
