/**
 * `fgs emulator`: runs the local FunctionGraph emulator in the foreground until SIGINT/SIGTERM, printing the
 * endpoint, the credentials to sign with and how to point a stack (or the SDK/Terraform env vars) at it.
 */
import { DEV_DEFAULTS, parseFaultSpec, startEmulator, type EmulatorOptions } from "../../emulator";
import { endpointEnvName } from "../../provider/auth/resolve-target";

/** One-line description for `fgs --help`. */
export const summary = "run the local FunctionGraph emulator (loopback HTTP server) until Ctrl-C";

const USAGE = `usage: fgs emulator [--port N] [--data-dir DIR] [--access-key AK --secret-key SK] [--faults SPEC]
                    [--region NAME] [--project-id ID] [--obs-port N] [--obs-faults SPEC] [--verbose]

  --port N          listen on 127.0.0.1:N (default: a free port)
  --data-dir DIR    persist functions and code under DIR (default: in memory)
  --access-key AK   accepted access key (default: the fixed dev key), with --secret-key SK
  --faults SPEC     inject faults, e.g. 429=0.1,500=0.05,503=0.05,reset=0.05,latency=0.1:200ms,commitDrop=import|code:1,seed=42
  --region NAME     region in URNs (default cn-north-4)
  --project-id ID   the project id the emulator owns (default: the fixed dev project)
  --obs-port N      serve OBS (object storage for big packages) on 127.0.0.1:N (default: a free port)
  --obs-faults SPEC OBS faults, same grammar; commitDrop names put|part|complete|initiate|abort
  --verbose         log every request to stderr
`;

/** Parses argv strictly; throws an Error with a message for the user. */
export function parseEmulatorArgs(argv: string[]): EmulatorOptions {
  const options: EmulatorOptions = { quiet: true };
  const credentials: { accessKey?: string; secretKey?: string } = {};
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
      case "--faults": {
        const spec = value();
        parseFaultSpec(spec);
        options.faults = spec;
        break;
      }
      case "--region": options.region = value(); break;
      case "--project-id": options.projectId = value(); break;
      case "--obs-port": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--obs-port: '${v}' is not a port number`);
        options.obs = { ...options.obs, port: Number(v) };
        break;
      }
      case "--obs-faults": options.obs = { ...options.obs, faults: value() }; break;
      case "--verbose": options.quiet = false; break;
      default: throw new Error(`unknown argument '${arg}'`);
    }
  }
  if ((credentials.accessKey === undefined) !== (credentials.secretKey === undefined)) {
    throw new Error("--access-key and --secret-key go together");
  }
  if (credentials.accessKey !== undefined) options.credentials = credentials;
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
  const sk = emu.credentials.secretKey === DEV_DEFAULTS.secretKey ? emu.credentials.secretKey : "<the --secret-key you gave>";
  process.stdout.write(`FunctionGraph emulator listening on ${emu.url}
  region      ${region}
  project id  ${emu.projectId}
  access key  ${emu.credentials.accessKey}
  secret key  ${sk}
  data        ${emu.dataDir ?? "in memory (lost on exit; use --data-dir DIR to keep it)"}
  faults      ${emu.faults().spec || "none"}
  admin       ${emu.url}/__admin/requests (loopback, no auth)
  obs         ${emu.obs.url} (path style, or Host: <bucket>.obs.${region}.myhuaweicloud.com)

Point a stack at it:
  pulumi config set functiongraph:endpoint ${emu.url}
  pulumi config set functiongraph:region ${region}
  pulumi config set functiongraph:projectId ${emu.projectId}
  pulumi config set --secret functiongraph:accessKey ${emu.credentials.accessKey}
  pulumi config set --secret functiongraph:secretKey ${sk}
  pulumi config set functiongraph:obsEndpoint ${emu.obs.url}     # packages over 50 MB go through OBS
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
