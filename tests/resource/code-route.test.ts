/**
 * The code's route to the service, decided once per package (`codeRoute`): through OBS for a `codeUrl`, for
 * `codeStorage: "obs"`, and by default for a zip over the API's limit when a bucket is set; the largest zip is
 * 300 MB when the code can stage in OBS, else the API's limit (`FGS_CODE_LIMIT_BYTES` read once per decision).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { codeRoute, OBS_ZIP_LIMIT, type ObsCodeInputs } from "../../provider/resource/obs-code";
import { codeUploadLimit } from "../../provider/resource/preflight";

it("routes code through OBS or the API, with the limit of the way it can take", (t) => {
  const saved = { bucket: process.env.FGS_CODE_BUCKET, limit: process.env.FGS_CODE_LIMIT_BYTES };
  t.after(() => {
    for (const [k, v] of [["FGS_CODE_BUCKET", saved.bucket], ["FGS_CODE_LIMIT_BYTES", saved.limit]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  delete process.env.FGS_CODE_BUCKET;
  process.env.FGS_CODE_LIMIT_BYTES = "1000";
  const api = codeUploadLimit();
  assert.equal(api, 1000);
  const base: ObsCodeInputs = { funcName: "route-fn" };
  const cases: [string, ObsCodeInputs, number, { viaObs: boolean; limit: number }][] = [
    ["small, no bucket", base, 10, { viaObs: false, limit: api }],
    ["big, no bucket", base, 5000, { viaObs: false, limit: api }],
    ["small, bucket", { ...base, codeBucket: "my-bucket" }, 10, { viaObs: false, limit: OBS_ZIP_LIMIT }],
    ["big, bucket", { ...base, codeBucket: "my-bucket" }, 5000, { viaObs: true, limit: OBS_ZIP_LIMIT }],
    ["big, bucket, inline", { ...base, codeBucket: "my-bucket", codeStorage: "inline" }, 5000, { viaObs: false, limit: api }],
    ["small, obs", { ...base, codeStorage: "obs" }, 10, { viaObs: true, limit: OBS_ZIP_LIMIT }],
    ["codeUrl", { ...base, codeUrl: "https://b.obs.cn-north-4.myhuaweicloud.com/code.zip" }, 10, { viaObs: true, limit: api }],
  ];
  for (const [name, inputs, bytes, want] of cases) {
    assert.deepEqual(codeRoute(inputs, bytes), { ...want, apiLimit: api }, name);
  }
});
