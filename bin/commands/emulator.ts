/**
 * `fgs emulator`: runs the local FunctionGraph emulator in the foreground until SIGINT/SIGTERM, printing the
 * endpoint, the credentials to sign with and how to point a stack (or the SDK/Terraform env vars) at it.
 */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { ADMIN_TOKEN_ENV, DEV_DEFAULTS, parseFaultSpec, startEmulator, type EmulatorOptions } from "../../emulator";
import { validateAdminToken } from "../../emulator/admin/admin-guard";
import { intOption, parseCommandArgs, UsageError, type Command, type OptionValues } from "../command";
import { hasCode } from "../../provider/errors";
import { endpointEnvName } from "../../provider/auth/resolve-target";
import { BUCKET_NAME } from "../../emulator/obs/obs-store";
import { obsBackendUrl } from "../../harness/state-backend";
import { ACCESS_KEY_ENV, resolveKeys, SECRET_KEY_ENV, SECRET_ON_COMMAND_LINE_WARNING } from "./emulator-secret";

const OPTIONS = {
  port: { type: "string" },
  "data-dir": { type: "string" },
  "access-key": { type: "string" },
  "secret-key": { type: "string" },
  "secret-key-file": { type: "string" },
  faults: { type: "string" },
  region: { type: "string" },
  "project-id": { type: "string" },
  "obs-port": { type: "string" },
  "obs-faults": { type: "string" },
  "obs-https-port": { type: "string" },
  "obs-bucket": { type: "string", multiple: true },
  "apig-port": { type: "string" },
  verbose: { type: "boolean" },
  "unsafe-no-sandbox": { type: "boolean" },
} as const;

const USAGE = `usage: fgs emulator [--port N] [--data-dir DIR] [--access-key AK --secret-key-file PATH] [--faults SPEC]
                    [--region NAME] [--project-id ID] [--obs-port N] [--obs-https-port N] [--obs-bucket NAME]...
                    [--obs-faults SPEC] [--apig-port N] [--verbose] [--unsafe-no-sandbox]

  --port N          listen on 127.0.0.1:N (default: the port kept in the data dir, else a free one)
  --data-dir DIR    persist functions and code under DIR (default: in memory); one emulator per data dir
  --access-key AK   accepted access key (default: the fixed dev key; or ${ACCESS_KEY_ENV}), with its secret key from
  --secret-key-file PATH   the first line of PATH, or the ${SECRET_KEY_ENV} environment variable
                    (--secret-key SK also works but shows the secret in the process list)
  --faults SPEC     inject faults, e.g. 429=0.1,500=0.05,503=0.05,reset=0.05,latency=0.1:200ms,commitDrop=import|code:1,seed=42
  --region NAME     region in URNs (default cn-north-4)
  --project-id ID   the project id the emulator owns (default: the fixed dev project)
  --obs-port N      serve OBS (object storage for big packages) on 127.0.0.1:N (default: as --port)
  --obs-https-port N  serve OBS over HTTPS on 127.0.0.1:N (default: as --port; a self-signed certificate
                    kept in the data dir — what the Pulumi CLI's S3 state backend needs, README "GitOps")
  --obs-bucket NAME create this OBS bucket at start if absent (repeatable; e.g. a Pulumi state bucket)
  --obs-faults SPEC OBS faults, same grammar; commitDrop names put|part|complete|initiate|abort
  --apig-port N     serve APIG triggers on 127.0.0.1:N (default: the port kept in the data dir, else a free one)
  --verbose         log every request to stderr
  --unsafe-no-sandbox  run function code without the bubblewrap sandbox (when bwrap is not installed): functions
                    can then read each other's code and environment, and the emulator's own files
The admin token (every /__admin/ request sends X-Fgs-Admin: <token>) is random per run, or ${ADMIN_TOKEN_ENV}.
`;

/** `fgs emulator`: runs until SIGINT/SIGTERM. */
export const command: Command = {
  summary: "run the local FunctionGraph emulator (loopback HTTP server) until Ctrl-C",
  usage: USAGE,
  options: OPTIONS,
  run: (values) => {
    if (values["secret-key"] !== undefined) process.stderr.write(SECRET_ON_COMMAND_LINE_WARNING);
    return serve(emulatorOptions(values, process.env));
  },
};

/** Parses `fgs emulator` arguments with the one parser; throws a UsageError for the user. */
export function parseEmulatorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): EmulatorOptions {
  const parsed = parseCommandArgs(command, argv);
  if (!parsed) throw new UsageError("--help given");
  return emulatorOptions(parsed.values, env);
}

function emulatorOptions(values: OptionValues, env: NodeJS.ProcessEnv): EmulatorOptions {
  const str = (k: keyof typeof OPTIONS) => values[k] as string | undefined;
  const options: EmulatorOptions = { quiet: !values.verbose };
  if (values["unsafe-no-sandbox"]) options.runtime = { unsafeNoSandbox: true };
  if (env[ADMIN_TOKEN_ENV]) {
    try {
      options.adminToken = validateAdminToken(env[ADMIN_TOKEN_ENV]!);
    } catch (e) {
      throw new UsageError(`${ADMIN_TOKEN_ENV}: ${(e as Error).message.replace(/^emulator: adminToken /, "")}`);
    }
  }
  const port = intOption(values, "port", 0, 65535);
  if (port !== undefined) options.port = port;
  if (str("data-dir") !== undefined) options.dataDir = str("data-dir");
  if (str("faults") !== undefined) {
    try {
      parseFaultSpec(str("faults")!);
    } catch (e) {
      throw new UsageError(`--faults: ${(e as Error).message}`);
    }
    options.faults = str("faults");
  }
  if (str("region") !== undefined) options.region = str("region");
  if (str("project-id") !== undefined) options.projectId = str("project-id");
  const obsPort = intOption(values, "obs-port", 0, 65535);
  if (obsPort !== undefined) options.obs = { ...options.obs, port: obsPort };
  if (str("obs-faults") !== undefined) options.obs = { ...options.obs, faults: str("obs-faults") };
  const obsHttpsPort = intOption(values, "obs-https-port", 0, 65535);
  if (obsHttpsPort !== undefined) options.obs = { ...options.obs, httpsPort: obsHttpsPort };
  const buckets = values["obs-bucket"] as string[] | undefined;
  if (buckets?.length) {
    const bad = buckets.find((b) => !BUCKET_NAME.test(b) || b.includes(".."));
    if (bad !== undefined) throw new UsageError(`--obs-bucket: '${bad}' is not a valid bucket name: use 3-63 lowercase letters, digits, '-' and '.'`);
    options.obs = { ...options.obs, buckets };
  }
  const apigPort = intOption(values, "apig-port", 0, 65535);
  if (apigPort !== undefined) options.runtime = { ...options.runtime, apigPort };
  let keys;
  try {
    keys = resolveKeys({ accessKey: str("access-key"), secretKey: str("secret-key"), secretKeyFile: str("secret-key-file") }, env);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (keys) options.credentials = keys;
  return options;
}

/** Runs the emulator; resolves with the exit code once stopped by SIGINT/SIGTERM. */
async function serve(options: EmulatorOptions): Promise<number> {
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
  // An IAM-style token for this run only, so the API can be called from curl (which cannot sign SDK-HMAC-SHA256).
  const curlToken = randomBytes(24).toString("base64url");
  options = { ...options, credentials: { ...options.credentials, authTokens: [...(options.credentials?.authTokens ?? []), curlToken] } };
  let emu;
  try {
    emu = await startEmulator(options);
  } catch (err) {
    stop();
    if (hasCode(err, "FGS_DATA_DIR_LOCKED")) {
      process.stderr.write(`fgs emulator: ${(err as Error).message.replace(/^emulator: /, "")}\n`);
      return 1;
    }
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      const apig = options.runtime?.apigPort !== undefined && (err as { port?: number }).port === options.runtime.apigPort && options.port !== options.runtime.apigPort;
      process.stderr.write(apig
        ? `fgs emulator: port ${options.runtime!.apigPort} is already in use on 127.0.0.1: choose another --apig-port, or leave it out\n`
        : `fgs emulator: port ${options.port} is already in use on 127.0.0.1: choose another --port, or leave it out to take a free one\n`);
      return 1;
    }
    throw err;
  }
  const region = emu.region;
  const stateBucket = options.obs?.buckets?.[0] ?? "pulumi-state";
  // The dev secret is printed so it can be pasted; a secret key the user chose is theirs to know, never echoed.
  const sk = emu.credentials.secretKey === DEV_DEFAULTS.secretKey ? emu.credentials.secretKey : "<the secret key you gave>";
  // Absolute: the lines below are pasted in another shell, maybe in another directory (a relative --data-dir).
  const caFile = path.resolve(emu.obs.caFile);
  process.stdout.write(`FunctionGraph emulator listening on ${emu.url}
  region      ${region}
  project id  ${emu.projectId}
  access key  ${emu.credentials.accessKey}
  secret key  ${sk}
  data        ${emu.dataDir ? `${emu.dataDir} (it keeps the ports: the same endpoints after a restart)` : "in memory (lost on exit; use --data-dir DIR to keep it)"}
  faults      ${emu.faults().spec || "none"}
  admin       ${emu.url}/__admin/ (index of the admin endpoints; loopback only; every request needs the header
              X-Fgs-Admin: <admin token>, the ${ADMIN_TOKEN_ENV} below)
  obs         ${emu.obs.url} (path style, or Host: <bucket>.obs.${region}.myhuaweicloud.com)
  obs https   ${emu.obs.httpsUrl} (certificate ${caFile}: trust it with AWS_CA_BUNDLE)
  apig        ${emu.apigUrl}/apig/<group>/<env><path> (APIG triggers: their invoke_url${emu.dataDir ? "; the port is kept in the data dir" : ""})

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
  export ${ADMIN_TOKEN_ENV}=${emu.adminToken}    # for 'fgs logs' and admin calls (this run only)

Keep Pulumi state in its OBS (README "GitOps"; ${options.obs?.buckets?.length ? `bucket ${stateBucket} created by --obs-bucket` : `restart with --obs-bucket ${stateBucket} to create the bucket first`}):
  export PULUMI_CONFIG_PASSPHRASE=<your stack passphrase>    # every runner of the stack needs the same one
  export AWS_ACCESS_KEY_ID=${emu.credentials.accessKey} AWS_SECRET_ACCESS_KEY=${sk} AWS_CA_BUNDLE=${caFile}
  export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
  pulumi login '${obsBackendUrl({ bucket: stateBucket, endpoint: emu.obs.httpsUrl, region, pathStyle: true })}'

Call the API from curl (the token is valid for this run only):
  curl -s -H 'X-Auth-Token: ${curlToken}' ${emu.url}/v2/${emu.projectId}/fgs/functions

Ctrl-C to stop.
`);
  await stopped;
  await emu.close();
  process.stdout.write("emulator stopped\n");
  return 0;
}
