/**
 * One FunctionGraph function deployed from ./app. Credentials: `pulumi config set --secret functiongraph:accessKey`
 * and `functiongraph:secretKey` (or HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK in the environment); region, project
 * and endpoint were asked by `pulumi new` (Pulumi.<stack>.yaml).
 */
import * as fgs from "pulumi-functiongraph";

const hello = new fgs.Function("hello", {
  sourceDir: "./app",
  runtime: "Node.js20.15",
  handler: "index.handler",
  memorySize: 128,
  timeout: 10,
  description: "Hello from pulumi-functiongraph",
});

export const funcUrn = hello.funcUrn;
export const digest = hello.digest;
export const version = hello.version;
