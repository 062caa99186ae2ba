/**
 * The property table and what is derived from it: the class's output fields equal the table's outputs
 * (checked by the compiler), every field of the seed function model is an output, the config body and its
 * schema, the import template round trip.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { FUNCTION_PROPERTIES, type PropertyRow } from "../../provider/api/function-properties";
import { templateProperties, templateValues, YAML_NAMES } from "../../provider/api/import-template";
import {
  ARG_NAMES, configBody, configBodySchema, modelValues, OUTPUT_NAMES, row, type OutputName,
} from "../../provider/api/property-derivations";
import type { Function } from "../../provider/resource/function";

// Compile-time: the keys the `Function` class declares (beyond pulumi's) are exactly the table's outputs.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Declared = Exclude<keyof Function, keyof pulumi.dynamic.Resource>;
const declaredMatchesTable: Equal<Declared, OutputName> = true;

/** Every field of the function model in seed 000 (Table 4) and seed 004 (Table 1 and the example). */
const SEED_MODEL_FIELDS = [
  "func_urn", "func_name", "domain_id", "namespace", "project_name", "package", "runtime", "timeout", "handler",
  "memory_size", "gpu_memory", "cpu", "code_type", "code_url", "code_filename", "code_size", "user_data", "digest",
  "version", "image_name", "xrole", "app_xrole", "description", "version_description", "last_modified", "func_code",
  "func_vpc", "mount_config", "depend_list", "depend_version_list", "strategy_config", "extend_config", "dependencies",
  "initializer_handler", "initializer_timeout", "pre_stop_handler", "pre_stop_timeout", "enterprise_project_id",
];

test("the class declares exactly the table's outputs (compile-time), listed at run time too", () => {
  assert.equal(declaredMatchesTable, true);
  assert.deepEqual([...OUTPUT_NAMES].sort(), Object.keys(FUNCTION_PROPERTIES).filter((k) => !row(k as OutputName).notOutput).sort());
});

test("every seed model field is a typed output", () => {
  const read = new Set((Object.values(FUNCTION_PROPERTIES) as PropertyRow[]).map((r) => r.model?.split(".")[0]).filter(Boolean));
  // `version` is the resource's own output: the version it published, else `latest` (the head's model says latest).
  const missing = SEED_MODEL_FIELDS.filter((f) => !read.has(f) && f !== "version");
  assert.deepEqual(missing, []);
  assert.ok(OUTPUT_NAMES.includes("version"));
});

test("every argument has a doc line; config fields are unique", () => {
  for (const name of ARG_NAMES) assert.ok(row(name).doc.length > 10, `${name} has a doc line`);
  const fields = (Object.values(FUNCTION_PROPERTIES) as PropertyRow[]).map((r) => r.config).filter(Boolean);
  assert.equal(new Set(fields).size, fields.length);
});

test("the config body nests dotted fields, clears unset ones, and its schema applies the arguments' limits", () => {
  const body = configBody({
    funcName: "f", runtime: "Node.js18.15", handler: "index.handler", memorySize: 128, timeout: 3,
    concurrencyNum: 5, logGroupId: "g-1", logStreamId: "s-1", vpc: { vpcId: "v-1", subnetId: "s-1" },
    mounts: [{ mountType: "sfsTurbo", mountResource: "r-1", localMountPath: "/mnt" }], environment: { B: "2", A: "1" },
  });
  assert.deepEqual(body.strategy_config, { concurrent_num: 5 });
  assert.deepEqual(body.log_config, { group_id: "g-1", stream_id: "s-1", group_name: "", stream_name: "" }, "objects go complete");
  assert.equal(body.enable_lts_log, true);
  assert.deepEqual(body.func_vpc, { vpc_id: "v-1", subnet_id: "s-1" });
  assert.deepEqual(body.mount_config, {
    func_mounts: [{ mount_type: "sfsTurbo", mount_resource: "r-1", local_mount_path: "/mnt" }],
    mount_user: { user_id: -1, user_group_id: -1 },
  });
  assert.equal(body.user_data, '{"A":"1","B":"2"}');
  assert.equal(body.xrole, "", "an unset agency is sent as the value that clears it");
  assert.equal(body.encrypted_user_data, "");
  assert.equal(body.func_vpc === null, false);
  assert.equal(configBody({ funcName: "f" }).func_vpc, null, "no VPC: cleared");
  assert.equal(configBody({ funcName: "f" }).gpu_memory, 0, "no GPU: cleared to the service's default");
  assert.deepEqual(configBody({ funcName: "f" }).custom_image, { enabled: false }, "no image: disabled");
  assert.equal(configBody({ funcName: "f" }).enable_lts_log, false, "no log group: LTS logging off");

  const schema = configBodySchema();
  assert.equal(schema.safeParse(body).success, true, JSON.stringify(schema.safeParse(body).error?.issues));
  const bad = schema.safeParse({ ...body, strategy_config: { concurrent_num: 1001 } });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues[0].path, ["strategy_config", "concurrent_num"]);
  assert.equal(schema.safeParse({ ...body, func_name: undefined }).success, false, "func_name is required");
});

test("model values read nested and renamed fields back in argument shape", () => {
  const values = modelValues({
    func_urn: "urn:fss:r:p:function:default:f:latest", xrole: "a", strategy_config: { concurrency: 9, concurrent_num: 3 },
    log_group_id: "g", func_vpc: { vpc_id: "v", subnet_id: "s", security_groups: [] }, domain_names: "x.y,z.w",
    encrypted_user_data: "should never be read", app_xrole: null,
  });
  assert.equal(values.funcUrn, "urn:fss:r:p:function:default:f");
  assert.equal(values.maxInstanceNum, 9);
  assert.equal(values.concurrencyNum, 3);
  assert.equal(values.logGroupId, "g");
  assert.deepEqual(values.vpc, { vpcId: "v", subnetId: "s" });
  assert.deepEqual(values.domainNames, ["x.y", "z.w"]);
  assert.equal(values.encryptedEnvironment, undefined, "write-only: never read back");
  assert.equal("appAgency" in values, false, "null is absent");
});

test("the import template carries the yaml rows and reads back the same values", () => {
  const settings = { funcName: "f", runtime: "Python3.10", handler: "main.handler", memorySize: 512, timeout: 9, description: "d", environment: { Z: "1", A: "2" } };
  const props = templateProperties(settings);
  assert.deepEqual(Object.keys(props.Environment as object), ["Variables"]);
  assert.deepEqual(Object.keys((props.Environment as { Variables: object }).Variables), ["A", "Z"], "sorted");
  const back = templateValues(props);
  for (const name of YAML_NAMES) {
    const given = (settings as Record<string, unknown>)[name];
    if (given !== undefined) assert.deepEqual(back[name], given, name);
  }
  assert.deepEqual(templateValues({}).memorySize, 128, "absent: the default");
});

test("with the service's current values, the body clears only what must be cleared, and nested objects go complete", () => {
  const base = { funcName: "f", runtime: "Node.js18.15", handler: "index.handler", memorySize: 128, timeout: 3 };
  const live = { agency: "", vpc: undefined, ephemeralStorage: 512, description: "", environment: {} };
  const quiet = configBody({ ...base, concurrencyNum: 4 }, live);
  assert.equal("xrole" in quiet, false, "not set here nor there: not sent");
  assert.equal("func_vpc" in quiet, false);
  assert.equal("ephemeral_storage" in quiet, false);
  assert.equal(quiet.description, "", "always-present settings are always sent");
  assert.equal(quiet.user_data, "");
  assert.deepEqual(quiet.strategy_config, { concurrent_num: 4 });
  const clearing = configBody(base, { ...live, agency: "old", vpc: { vpcId: "v", subnetId: "s" } });
  assert.equal(clearing.xrole, "", "set on the service, not here: cleared");
  assert.equal(clearing.func_vpc, null);
  const mounts = configBody({ ...base, mounts: [{ mountType: "ecs", mountResource: "r", mountSharePath: "1.2.3.4:/d", localMountPath: "/m" }] }, live);
  assert.deepEqual((mounts.mount_config as { mount_user: unknown }).mount_user, { user_id: -1, user_group_id: -1 });
});
