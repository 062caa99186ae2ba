/**
 * The child-process side of {@link runProgram} (harness/program.ts): a minimal language host. It loads the
 * program (a `.js` directly, a `.ts` through ts-node transpile-only) inside `runInPulumiStack` under
 * `pulumi.runtime.setMocks`, forwards every dynamic-resource registration to the parent over IPC and hands the
 * program the parent's answer (real ids and outputs). One child per run, because `setMocks`, the SDK's store
 * and the require cache are process-global. Stack config arrives in PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS.
 */
import * as path from "node:path";
import { registerTsNode } from "./typescript";
import type { HostMessage, ParentMessage, StartMessage } from "./program";

type Sdk = typeof import("@pulumi/pulumi");
type MockArgs = import("@pulumi/pulumi").runtime.MockResourceArgs;

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";
const STACK_TYPE = "pulumi:pulumi:Stack";

/** The parts of the SDK's MockMonitor the host uses. */
interface RegisterRequest {
  getParent(): string;
  getAdditionalsecretoutputsList(): string[];
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(f: (v: { getUrnsList(): string[] }, k: string) => void): void };
}

interface MockMonitor {
  registerResource(req: RegisterRequest, cb: unknown): unknown;
  getRegisteredResources(): Map<string, { urn: string; state: unknown }>;
}

const pending = new Map<number, { resolve(v: { id: string; outputs: Record<string, unknown> }): void; reject(e: Error): void }>();
let seq = 0;

function send(msg: HostMessage): void {
  process.send!(msg);
}

function fail(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  if (!process.connected) process.exit(1);
  process.send!({ kind: "failed", message } satisfies HostMessage, () => process.exit(1));
}

process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
process.on("disconnect", () => process.exit(1)); // the parent (the engine side) is gone
process.on("message", (msg: ParentMessage) => {
  if (msg.kind === "start") {
    host(msg).then(
      (outputs) => process.send!({ kind: "done", outputs } satisfies HostMessage, () => process.exit(0)),
      fail,
    );
  } else if (msg.kind === "registered") {
    const p = pending.get(msg.seq);
    pending.delete(msg.seq);
    if (msg.error !== undefined) p?.reject(new Error(msg.error));
    else p?.resolve({ id: msg.id, outputs: msg.outputs });
  }
});

/** A URN as the engine mints it: the SDK's mock monitor keeps the root stack in the type chain (`Stack$type`). */
function engineUrn(urn: string): string {
  const parts = urn.split("::");
  if (parts.length < 4) return urn;
  parts[2] = parts[2].split("$").filter((t, i, all) => t !== STACK_TYPE || all.length === 1).join("$");
  return parts.join("::");
}

/** Type of a URN's resource with the root stack left out, as the engine mints it (`parent$child` chains). */
function qualifiedType(parentUrn: string, type: string): string {
  if (!parentUrn) return type;
  const parentType = parentUrn.split("::")[2].split("$").filter((t) => t !== STACK_TYPE).join("$");
  return parentType ? `${parentType}$${type}` : type;
}

async function host(spec: StartMessage): Promise<Record<string, unknown>> {
  process.chdir(spec.cwd);
  const programDir = path.dirname(spec.program);
  if (/\.[cm]?ts$/.test(spec.program)) registerTsNode(programDir, spec.cwd);
  // The SDK instance the program itself will load: setMocks must act on that one.
  const sdk = require(require.resolve("@pulumi/pulumi", { paths: [programDir, spec.cwd] })) as Sdk;
  const runtime = sdk.runtime as Sdk["runtime"] & { waitForRPCs(): Promise<void> };

  const blank = () => ({ parent: "", additionalSecretOutputs: [] as string[], dependencies: [] as string[], propertyDependencies: {} as Record<string, string[]> });
  let nextRequest = blank();
  await runtime.setMocks(
    {
      newResource: async (args: MockArgs) => {
        const { parent, additionalSecretOutputs, dependencies, propertyDependencies } = nextRequest;
        nextRequest = blank();
        if (!args.type.startsWith(DYNAMIC_PREFIX) || !args.custom) {
          return { id: args.id || (sdk.runtime.isDryRun() ? "" : `${args.name}_id`), state: args.inputs };
        }
        const urn = `urn:pulumi:${spec.stack}::${spec.project}::${qualifiedType(parent, args.type)}::${args.name}`;
        const inputs = (await runtime.serializeProperties(`${args.name} inputs`, args.inputs)) as Record<string, unknown>;
        const n = ++seq;
        const answer = new Promise<{ id: string; outputs: Record<string, unknown> }>((resolve, reject) =>
          pending.set(n, { resolve, reject }),
        );
        send({
          kind: "register", seq: n, urn, type: args.type, name: args.name, inputs, additionalSecretOutputs, readId: args.id || undefined,
          parent: parent || undefined, dependencies, propertyDependencies,
        });
        const { id, outputs } = await answer;
        return { id, state: outputs };
      },
      call: (args) => args.inputs,
    },
    spec.project,
    spec.stack,
    spec.preview,
  );
  // MockMonitor.registerResource calls mocks.newResource synchronously, before its first await: capture what
  // mocks.newResource is not told there (the parent URN, to mint URNs as the engine does, and
  // additionalSecretOutputs, which the engine applies to the outputs).
  const monitor = runtime.getMonitor() as unknown as MockMonitor;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => (propertyDependencies[k] = v.getUrnsList().map(engineUrn)));
    nextRequest = {
      parent: engineUrn(req.getParent()), additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      dependencies: req.getDependenciesList().map(engineUrn), propertyDependencies,
    };
    return original(req, cb);
  };

  await runtime.runInPulumiStack(async () => {
    let exported = require(spec.program);
    if (exported && typeof exported === "object" && Object.keys(exported).length === 1 && "default" in exported) {
      exported = exported.default;
    }
    return await (exported instanceof Function ? exported() : exported);
  });
  await runtime.waitForRPCs();
  // The Stack's registered outputs, as the wire saw them (secrets still wrapped, unknowns as the sentinel).
  for (const r of monitor.getRegisteredResources().values()) {
    if (r.urn.split("::")[2] === STACK_TYPE) {
      const state = r.state as { toJavaScript?: () => Record<string, unknown> } | undefined;
      return state && typeof state.toJavaScript === "function" ? state.toJavaScript() : {};
    }
  }
  return {};
}
