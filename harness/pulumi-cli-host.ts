/**
 * Child process of {@link runWithPulumiCli}: runs one operation of a program directory under the real Pulumi CLI
 * through the Automation API with an inline program (the Node.js language host is not needed: the CLI talks to
 * this process's own language server). The Automation API is loaded from the program's own `@pulumi/pulumi`, the
 * copy the program and the dynamic-provider plugin use. The spec (config secrets included) arrives over IPC,
 * never through argv or the environment.
 */
import * as path from "node:path";
import type { CliHostMessage, CliHostSpec, CliResourceEvent } from "./pulumi-cli";
import { registerTsNode } from "./typescript";

type Auto = typeof import("@pulumi/pulumi/automation");

function send(msg: CliHostMessage): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(msg, () => resolve()) : resolve()));
}

async function loadProgram(spec: CliHostSpec): Promise<Record<string, unknown> | void> {
  if (/\.[cm]?ts$/.test(spec.program)) registerTsNode(path.dirname(spec.program), spec.projectDir);
  let exported = require(spec.program);
  if (exported && typeof exported === "object" && Object.keys(exported).length === 1 && "default" in exported) {
    exported = exported.default;
  }
  return (await (exported instanceof Function ? exported() : exported)) as Record<string, unknown> | void;
}

async function run(spec: CliHostSpec): Promise<void> {
  process.chdir(spec.pwd); // where the engine runs the program and the provider plugin
  const auto = require(require.resolve("@pulumi/pulumi/automation", { paths: [spec.projectDir] })) as Auto;
  const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [spec.projectDir] }));
  const pulumiCommand = await auto.PulumiCommand.get({ root: path.dirname(path.dirname(spec.cli)) });
  const envVars: Record<string, string> = {
    ...spec.env,
    PULUMI_BACKEND_URL: spec.backendUrl ?? `file://${spec.backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: spec.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The dynamic provider's launcher ships in the SDK's root; run it with this same node.
    PATH: [sdkDir, path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
  };
  if (spec.pulumiHome) envVars.PULUMI_HOME = spec.pulumiHome;
  const events: CliResourceEvent[] = [];
  let stackOp: string | undefined;
  const onEvent = (e: import("@pulumi/pulumi/automation").EngineEvent) => {
    const m = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
    if (m?.type === "pulumi:pulumi:Stack") stackOp = m.op;
    if (!m || m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) return;
    events.push({ phase: e.resourcePreEvent ? "pre" : "outputs", op: m.op, urn: m.urn, type: m.type, diffs: m.diffs ?? [],
      detailedDiff: m.detailedDiff ? Object.keys(m.detailedDiff) : undefined });
  };
  const onOutput = (text: string) => void send({ kind: "output", text });
  // In a shared backend only `up` creates a stack (see pulumi-plain.ts).
  const select = spec.backendUrl && spec.operation !== "up" ? "selectStack" : "createOrSelectStack";
  const stack = await auto.LocalWorkspace[select](
    { stackName: spec.stack, projectName: spec.project, program: () => loadProgram(spec) },
    { workDir: spec.projectDir, pulumiCommand, envVars, secretsProvider: "passphrase" },
  );
  if (Object.keys(spec.config).length > 0) await stack.setAllConfig(spec.config);
  const common = { onOutput, onEvent, color: "never" as const, target: spec.target, diff: spec.diff };
  let changes: Record<string, number> | undefined;
  let outputs: Record<string, { value: unknown; secret: boolean }> = {};
  switch (spec.operation) {
    case "preview": {
      const r = await stack.preview({ ...common, expectNoChanges: spec.expectNoChanges, refresh: spec.refresh });
      changes = r.changeSummary as Record<string, number>;
      break;
    }
    case "up": {
      const r = await stack.up({ ...common, expectNoChanges: spec.expectNoChanges, refresh: spec.refresh });
      changes = r.summary.resourceChanges;
      outputs = r.outputs;
      break;
    }
    case "refresh": {
      const r = await stack.refresh({
        onOutput, onEvent, color: "never", target: spec.target, expectNoChanges: spec.expectNoChanges, clearPendingCreates: spec.clearPendingCreates,
      });
      changes = r.summary.resourceChanges;
      break;
    }
    case "destroy": {
      const r = await stack.destroy({ onOutput, onEvent, color: "never", target: spec.target });
      changes = r.summary.resourceChanges;
      break;
    }
  }
  const plain: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  for (const [k, v] of Object.entries(outputs)) {
    if (v.secret) secretOutputs.push(k);
    plain[k] = v.secret ? "[secret]" : v.value;
  }
  // The engine's summary counts the Stack resource too: report the program's resources only.
  const counts = { ...(changes ?? {}) };
  if (stackOp && counts[stackOp]) counts[stackOp] -= 1;
  await send({ kind: "done", changes: counts, outputs: plain, secretOutputs, events });
}

process.once("message", (spec: CliHostSpec) => {
  run(spec).then(
    () => process.exit(0),
    async (e: unknown) => {
      const err = e as { message?: string; stderr?: string; stdout?: string };
      const text = [err.stderr, err.message].filter(Boolean).join("\n") || String(e);
      await send({ kind: "failed", error: text });
      process.exit(1);
    },
  );
});
process.on("disconnect", () => process.exit(1));
