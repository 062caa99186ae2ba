/**
 * The emulator's OBS service as one unit: its store (on disk), fault state and server, started beside the
 * FunctionGraph API by `startEmulator` and reachable from FunctionGraph's `code_type: obs` (code-from-obs.ts).
 */
import type { ResolvedOptions } from "../options";
import { ObsFaults } from "./obs-faults";
import { startObsServer, type ObsLogEntry } from "./obs-server";
import { ObsStore, type BucketMeta, type ObjectMeta, type UploadMeta } from "./obs-store";
import { obsTlsMaterial } from "./obs-tls";
import * as path from "node:path";
import { listenAtHome } from "../store/home-port";

/** OBS options of `startEmulator` (`obs` field). */
export interface ObsOptions {
  /** TCP port of the OBS endpoint; 0 (default) picks a free one. */
  port?: number;
  /** TCP port of the HTTPS OBS endpoint; 0 (default) picks a free one. */
  httpsPort?: number;
  /** Buckets to create at start when absent (in the emulator's region), e.g. a Pulumi state bucket. */
  buckets?: string[];
  /** Initial OBS faults (SPEC, see obs-faults.ts). */
  faults?: string;
}

/** The OBS part of an emulator handle. */
export interface ObsHandle {
  /** Path-style endpoint, e.g. `http://127.0.0.1:41235` (`functiongraph:obsEndpoint`). */
  url: string;
  /** The same service over HTTPS, e.g. `https://127.0.0.1:41236` (what the AWS SDK for Go v2 needs, see obs-tls.ts). */
  httpsUrl: string;
  /** The HTTPS endpoint's self-signed certificate (PEM file): trust it with SSL_CERT_FILE or AWS_CA_BUNDLE. */
  caFile: string;
  /** Logged OBS requests (optionally only one operation). */
  requests(filter?: { operation?: string }): ObsLogEntry[];
  clearLog(): void;
  /** Sets OBS faults (SPEC or null); throws on a bad spec. */
  setFaults(spec: string | null): void;
  faults(): string;
  buckets(): BucketMeta[];
  /** Objects of a bucket (optionally under a prefix). */
  objects(bucket: string, prefix?: string): ObjectMeta[];
  /** Multipart uploads in progress in a bucket. */
  uploads(bucket: string): UploadMeta[];
  /** Creates a bucket directly (tests); location defaults to the emulator's region. */
  createBucket(name: string, location?: string): Promise<BucketMeta>;
  /** An object's bytes. */
  read(bucket: string, key: string): Promise<Buffer>;
}

/** A running OBS service. */
export interface RunningObs {
  store: ObsStore;
  handle: ObsHandle;
  /** Empties buckets, objects, uploads, log and faults. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the store (`<dataDir>/obs` or a temporary dir) and starts the OBS endpoints (HTTP and HTTPS), on the
 * ports a data dir keeps (`obs.json`, `obs-https.json`: store/home-port.ts) unless `obs` names them.
 */
export async function startObs(opts: ResolvedOptions, obs: ObsOptions = {}, warn: (msg: string) => void = () => {}): Promise<RunningObs> {
  const store = await ObsStore.open(opts.dataDir);
  for (const name of obs.buckets ?? []) {
    if (!store.bucket(name)) await store.createBucket(name, opts.region, Date.now());
  }
  const faults = new ObsFaults(obs.faults);
  const tls = await obsTlsMaterial(path.join(store.root, "tls"));
  const server = await startObsServer({
    host: opts.host, region: opts.region,
    listenAt: (which, listen) => listenAtHome({
      name: which === "http" ? "obs" : "obs-https", dataDir: opts.dataDir, explicit: which === "http" ? obs.port : obs.httpsPort,
      what: which === "http" ? "OBS" : "OBS over HTTPS", option: which === "http" ? "--obs-port" : "--obs-https-port", warn,
    }, listen), credentials: opts.credentials,
    clockSkewToleranceMs: opts.clockSkewToleranceMs, store, faults, quiet: opts.quiet,
    tls: { cert: tls.cert, key: tls.key }, warn,
  });
  const handle: ObsHandle = {
    url: server.url,
    httpsUrl: server.httpsUrl!,
    caFile: tls.certFile,
    requests: (filter) => server.requests().filter((e) => !filter?.operation || e.operation === filter.operation),
    clearLog: () => server.clearLog(),
    setFaults: (spec) => faults.set(spec),
    faults: () => faults.current(),
    buckets: () => store.listBuckets(),
    objects: (bucket, prefix) => store.list(bucket, prefix),
    uploads: (bucket) => store.listUploads(bucket),
    createBucket: (name, location) => store.createBucket(name, location ?? opts.region, Date.now()),
    read: (bucket, key) => store.readObject(bucket, key),
  };
  return {
    store, handle,
    reset: async () => {
      await store.clear();
      server.clearLog();
      faults.set(null);
    },
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}
