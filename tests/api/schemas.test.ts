import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ErrorBodySchema, FuncNameSchema, FunctionModelSchema, ImportFunctionRequestSchema, LastModifiedSchema,
  ListFunctionsResponseSchema,
} from "../../provider/api/schemas";
import {
  SEED_FUNCTION_INSTANCE, SEED_FUNCTION_LIST, SEED_IMPORT_200, SEED_IMPORT_409, SEED_IMPORT_REQUEST,
} from "./fixtures/seed-examples";

/** Parses, serialises and parses again: the schema must neither drop nor alter anything. */
function roundTrip<T>(schema: { parse(v: unknown): T }, json: string): T {
  const first = schema.parse(JSON.parse(json));
  assert.deepEqual(first, JSON.parse(json), "parse keeps every field, known or not");
  assert.deepEqual(schema.parse(JSON.parse(JSON.stringify(first))), first);
  return first;
}

test("seed 000 import response: model without :latest, 'YYYY-MM-DD HH:mm:ss' date", () => {
  const m = roundTrip(FunctionModelSchema, SEED_IMPORT_200);
  assert.equal(m.func_urn, "urn:fss:{region}:46b6f338fc3445b8846c71dfb1fbd9e8:function:default:test_v1_2");
  assert.equal(m.last_modified, "2019-10-25 15:37:27");
  assert.equal(m.strategy_config?.concurrency, -1);
  assert.equal(m.memory_size, 128);
});

test("seed 004 list response: nulls for optional objects, numeric next_marker, ISO date with offset", () => {
  const list = roundTrip(ListFunctionsResponseSchema, SEED_FUNCTION_LIST);
  assert.equal(list.next_marker, 45);
  assert.equal(list.functions[0].last_modified, "2018-03-28T11:30:32+08:00");
  assert.equal(list.functions[0].func_vpc, null);
  assert.equal(list.functions[0].initializer_timeout, 3);
});

test("seed 004 instance data: unknown fields (FuncCode, concurrency) tolerated and kept", () => {
  const m = roundTrip(FunctionModelSchema, SEED_FUNCTION_INSTANCE);
  assert.deepEqual((m as Record<string, unknown>).FuncCode, {});
  assert.equal((m as Record<string, unknown>).concurrency, -1);
});

test("seed 000 error body", () => {
  assert.deepEqual(roundTrip(ErrorBodySchema, SEED_IMPORT_409), { error_code: "FSS.1061", error_msg: "The function has existed" });
});

test("URNs with :latest and extra optional fields absent both pass; a missing required field is named", () => {
  const minimal = { func_urn: "urn:fss:cn-north-4:p:function:default:f:latest", func_name: "f", runtime: "Node.js20.15",
    timeout: 3, handler: "index.handler", memory_size: 128 };
  assert.equal(FunctionModelSchema.parse(minimal).func_urn.endsWith(":latest"), true);
  const { memory_size: _dropped, ...missing } = minimal;
  const r = FunctionModelSchema.safeParse(missing);
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues.map((i) => i.path), [["memory_size"]]);
  assert.equal(FunctionModelSchema.safeParse({ ...minimal, timeout: "3" }).success, false);
});

test("last_modified: both documented formats, nothing else", () => {
  for (const ok of ["2019-10-25 15:37:27", "2018-03-28T11:30:32+08:00", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123+0800"]) {
    assert.equal(LastModifiedSchema.safeParse(ok).success, true, ok);
  }
  for (const bad of ["yesterday", "2019-10-25", "1700000000"]) assert.equal(LastModifiedSchema.safeParse(bad).success, false, bad);
});

test("func_name: 1-60, starts with a letter, ends with a letter or digit", () => {
  for (const ok of ["a", "test", "my-func_1", "a" + "b".repeat(59)]) assert.equal(FuncNameSchema.safeParse(ok).success, true, ok);
  for (const bad of ["", "1abc", "abc-", "abc_", "a b", "a" + "b".repeat(60), "é"]) {
    assert.equal(FuncNameSchema.safeParse(bad).success, false, bad);
  }
});

test("import request: seed example shape; file_code must be Base64 and file_type zip", () => {
  const seed = JSON.parse(SEED_IMPORT_REQUEST);
  // The seed's file_code is a placeholder ("xxx…", not Base64): rejected, and only that field.
  assert.deepEqual(ImportFunctionRequestSchema.safeParse(seed).error?.issues.map((i) => i.path), [["file_code"]]);
  const valid = { ...seed, file_code: Buffer.from("PK\u0005\u0006").toString("base64") };
  assert.deepEqual(ImportFunctionRequestSchema.parse(valid), valid);
  assert.equal(ImportFunctionRequestSchema.safeParse({ ...valid, file_type: "jar" }).success, false);
  assert.equal(ImportFunctionRequestSchema.safeParse({ ...valid, package: "my app" }).success, false);
});
