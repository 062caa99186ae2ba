import assert from "node:assert/strict";
import { test } from "node:test";
import { maskValues, REDACTED, redactHeaders, redactSecrets } from "../../provider/auth/redact";

test("redactHeaders masks Authorization, X-Auth-Token and X-Security-Token in any case, keeps the rest", () => {
  assert.deepEqual(redactHeaders({ Authorization: "SDK-HMAC-SHA256 Access=AK", "x-auth-token": "t", "X-Security-Token": "s",
    "X-Project-Id": "p", "X-Sdk-Date": "20260101T000000Z" }),
  { Authorization: REDACTED, "x-auth-token": REDACTED, "X-Security-Token": REDACTED, "X-Project-Id": "p", "X-Sdk-Date": "20260101T000000Z" });
});

test("redactSecrets masks every credential value and signatures", () => {
  const creds = { kind: "aksk" as const, accessKey: "AKVALUE1234", secretKey: "SKVALUE5678", securityToken: "TOKENVALUE" };
  const text = "Access=AKVALUE1234, Signature=abcdef0123 sk SKVALUE5678 and TOKENVALUE twice TOKENVALUE";
  assert.equal(redactSecrets(text, creds), `Access=${REDACTED}, Signature=${REDACTED} sk ${REDACTED} and ${REDACTED} twice ${REDACTED}`);
  assert.equal(redactSecrets("x-auth-token: IAMTOKEN", { kind: "token", authToken: "IAMTOKEN" }), `x-auth-token: ${REDACTED}`);
});

test("maskValues masks whole values only, never letters inside other words", () => {
  assert.equal(maskValues("a cat ate a banana; key=a", ["a"], "[secret]"), "[secret] cat ate [secret] banana; key=[secret]");
  assert.equal(maskValues("token sk-1.2 in sk-1.2x and xsk-1.2", ["sk-1.2"], "*"), "token * in sk-1.2x and xsk-1.2");
  assert.equal(maskValues("#s3cr3t inside id#s3cr3t", ["#s3cr3t"], "*"), "* inside id*", "a value starting with a symbol is masked after any word");
  assert.equal(maskValues("AKVALUE and AKVALUELONG", ["AKVALUE", "AKVALUELONG"], "*"), "* and *");
});
