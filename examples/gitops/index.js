/**
 * The program the GitOps pipeline deploys: one Node.js function from ./app. The target (FunctionGraph
 * credentials, project, region, endpoint) comes from the runner's environment — CI secrets, or the emulator in
 * pipeline.sh — and the stack's state from PULUMI_BACKEND_URL (OBS).
 */
const pulumi = require("@pulumi/pulumi");
const fgs = require("pulumi-functiongraph");

const config = new pulumi.Config();
const fn = new fgs.Function("gitops-hello", {
  sourceDir: "app",
  runtime: "Node.js18.15",
  handler: "index.handler",
  memorySize: config.getNumber("memorySize") ?? 256,
  timeout: 10,
  environment: { GREETING: config.get("greeting") ?? "hello" },
});

exports.funcUrn = fn.funcUrn;
exports.digest = fn.digest;
