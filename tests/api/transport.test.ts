/**
 * The one transport (provider/api/transport.ts): its retry loop (`retrying`, also what `create` retries an
 * import with), a file-range body re-opened and MD5-tapped on every attempt, the signer called again per attempt,
 * `ambiguous` on a failed write, and credentials masked in server text.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { closeDispatchers } from "../../provider/api/dispatcher-cache";
import { retrying, Transport, type OutgoingRequest, type RetryLater } from "../../provider/api/transport";
import { json, startLoopback } from "./loopback-server";

after(closeDispatchers);

const SECRET = "sk-transport-test-secret-0123456789";

test("retrying: a RetryLater waits a full-jitter backoff and goes again; its error once the retries are spent", async () => {
  const waits: number[] = [];
  const lines: [number, number, string][] = [];
  let calls = 0;
  const spent = retrying<string>({ maxRetries: 2, retryBaseDelayMs: 100, sleep: async (ms) => { waits.push(ms); }, onRetry: (...l) => lines.push(l) },
    async (n): Promise<string | RetryLater> => {
      calls++;
      return { retryLater: `try ${n}`, error: new Error(`gave up after ${n}`) };
    });
  await assert.rejects(spent, /^Error: gave up after 3$/);
  assert.equal(calls, 3, "the first attempt and two retries");
  assert.deepEqual(lines.map(([n, , why]) => [n, why]), [[1, "try 1"], [2, "try 2"]]);
  assert.deepEqual(lines.map(([, ms]) => ms), waits, "onRetry is told the delay it then waits");
  assert.ok(waits[0] >= 0 && waits[0] < 100 && waits[1] >= 0 && waits[1] < 200, `delays within [0, base·2^n): ${waits}`);

  const done = await retrying({ maxRetries: 5, retryBaseDelayMs: 0 }, async (n) => (n < 3 ? { retryLater: "again", error: new Error("x") } : `value ${n}`));
  assert.equal(done, "value 3");
  let thrown = 0;
  await assert.rejects(retrying({ maxRetries: 5, retryBaseDelayMs: 0 }, async () => { thrown++; throw new Error("final"); }), /final/);
  assert.equal(thrown, 1, "a throw ends the loop at once");
});

test("retrying: a RetryLater's own cap (maxRetries, baseDelayMs) is tighter than the loop's", async () => {
  const waits: number[] = [];
  let calls = 0;
  await assert.rejects(retrying<string>({ maxRetries: 5, retryBaseDelayMs: 10_000, sleep: async (ms) => { waits.push(ms); } }, async (): Promise<string | RetryLater> => {
    calls++;
    return { retryLater: "refused", error: new Error("down"), maxRetries: 1, baseDelayMs: 50 };
  }), /down/);
  assert.equal(calls, 2, "the first attempt and the one retry its cap allows");
  assert.ok(waits.length === 1 && waits[0] < 50, `backoff from the cap's base: ${waits}`);
});

test("retrying reads HW_MAX_RETRIES when no count is given", async () => {
  process.env.HW_MAX_RETRIES = "1";
  try {
    let calls = 0;
    await assert.rejects(retrying({ retryBaseDelayMs: 0 }, async () => { calls++; return { retryLater: "r", error: new Error("e") }; }));
    assert.equal(calls, 2);
  } finally {
    delete process.env.HW_MAX_RETRIES;
  }
});

test("a file-range body is re-opened and re-hashed on each attempt; each attempt is signed again; errors are the service's, redacted", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "transport-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "part.bin");
  fs.writeFileSync(file, Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251)));
  const range = { file, start: 1000, length: 200_000 };
  const expected = fs.readFileSync(file).subarray(1000, 201_000);

  const srv = await startLoopback([
    (_q, res) => json(res, 503, { message: `busy, your key ${SECRET}` }),
    (_q, res) => json(res, 200, { ok: true }),
    (_q, res) => json(res, 403, { message: `denied for ${SECRET}` }),
  ]);
  t.after(() => srv.close());
  const url = new URL(srv.url);
  let signed = 0;
  const reasons: string[] = [];
  const transport: Transport<OutgoingRequest> = new Transport<OutgoingRequest>({ maxRetries: 2, retryBaseDelayMs: 0, timeoutMs: 5000, onRetry: (i) => reasons.push(`${i.path} ${i.reason}`) }, {
    credentials: { kind: "aksk", accessKey: "AKTRANSPORT", secretKey: SECRET },
    sign: (req, now) => ({ ...req.headers, "X-Signed": `${++signed} ${now.getTime() > 0}` }),
    errors: {
      network: (_r, f, ambiguous) => Object.assign(new Error(f.detail), { ambiguous }),
      answer: (_r, a, ambiguous) => {
        const message = JSON.parse(a.data.toString("utf8")).message as string;
        return { code: `S${a.status}`, error: Object.assign(new Error(transport.redact(message)), { status: a.status, ambiguous }) };
      },
    },
  });
  const send = () => transport.exchange({ method: "PUT", origin: url.origin, path: "/bucket/key?partNumber=1", retryPath: "PUT part 1",
    headers: {}, body: range, md5: true, idempotent: true });

  const answer = await send();
  assert.equal(answer?.status, 200);
  assert.equal(answer?.sentMd5, createHash("md5").update(expected).digest("hex"));
  assert.equal(srv.requests.length, 2);
  for (const r of srv.requests) {
    assert.deepEqual(r.body, expected, "the whole range went out on every attempt");
    assert.equal(r.headers["content-length"], String(range.length));
  }
  assert.deepEqual(srv.requests.map((r) => r.headers["x-signed"]), ["1 true", "2 true"]);
  assert.deepEqual(reasons, ["PUT part 1 HTTP 503 S503"]);
  assert.deepEqual(transport.stats(), { requests: 2, retries: 1, bytesSent: 2 * range.length });

  // 403 is final; the server's text has the secret masked; a PUT refused is not ambiguous.
  const refused = await send().then(() => undefined, (e: unknown) => e as Error & { status: number; ambiguous: boolean });
  assert.ok(refused);
  assert.equal(refused.status, 403);
  assert.equal(refused.ambiguous, false);
  assert.ok(!refused.message.includes(SECRET) && refused.message.includes("[REDACTED]"), refused.message);
});

test("a write cut off mid-exchange is ambiguous, and not retried when not idempotent", async (t) => {
  const srv = await startLoopback([(_q, res) => void res.socket?.destroy()]);
  t.after(() => srv.close());
  const url = new URL(srv.url);
  const transport = new Transport<OutgoingRequest>({ maxRetries: 3, retryBaseDelayMs: 0, timeoutMs: 5000 }, {
    credentials: { kind: "token", authToken: "tok" },
    sign: (req) => req.headers,
    errors: {
      network: (_r, f, ambiguous) => Object.assign(new Error(`${f.kind}: ${f.detail}`), { ambiguous }),
      answer: () => assert.fail("no answer expected"),
    },
  });
  const err = await transport.exchange({ method: "POST", origin: url.origin, path: "/import", retryPath: "/import", headers: {},
    body: Buffer.from("{}"), idempotent: false }).then(() => undefined, (e: unknown) => e as Error & { ambiguous: boolean });
  assert.ok(err);
  assert.match(err.message, /^(reset|other):/);
  assert.equal(err.ambiguous, true);
  assert.equal(srv.requests.length, 1, "a non-idempotent write is never repeated blindly");
});
