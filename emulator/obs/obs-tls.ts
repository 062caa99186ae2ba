/**
 * The certificate of the emulator's HTTPS OBS listener: self-signed (the `selfsigned` package), for `127.0.0.1`,
 * `::1` and `localhost`, kept in `<obs store>/tls/` — so under `--data-dir` it survives restarts and a client
 * that trusts it once (`SSL_CERT_FILE`, `AWS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`) keeps trusting it. A missing,
 * unreadable or soon-expiring pair is replaced. The dir is 0700 and its files 0600, as the whole data dir.
 *
 * Why HTTPS at all: the AWS SDK for Go v2 (the Pulumi CLI's S3 backend) sends `UNSIGNED-PAYLOAD` over HTTPS
 * but signs the body's SHA-256 over plain HTTP, a payload mode OBS refuses (see obs-auth-v4.ts).
 */
import { X509Certificate } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { generate } from "selfsigned";

/** A certificate and key, PEM, and where the certificate is on disk (for clients to trust). */
export interface ObsTlsMaterial {
  cert: string;
  key: string;
  /** The certificate file: point SSL_CERT_FILE / AWS_CA_BUNDLE / NODE_EXTRA_CA_CERTS at it. */
  certFile: string;
}

/** Validity of a new certificate, and the remaining validity under which it is replaced. */
const VALID_DAYS = 825;
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

async function reuse(certFile: string, keyFile: string, nowMs: number): Promise<ObsTlsMaterial | undefined> {
  try {
    const [cert, key] = await Promise.all([fs.readFile(certFile, "utf8"), fs.readFile(keyFile, "utf8")]);
    const x509 = new X509Certificate(cert);
    if (Date.parse(x509.validTo) - nowMs < RENEW_BEFORE_MS || !x509.checkIP("127.0.0.1")) return undefined;
    return { cert, key, certFile };
  } catch {
    return undefined;
  }
}

/** Loads the certificate kept in `dir`, or generates and writes a new one. */
export async function obsTlsMaterial(dir: string, nowMs: number = Date.now()): Promise<ObsTlsMaterial> {
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  const kept = await reuse(certFile, keyFile, nowMs);
  if (kept) return kept;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700); // the data dir is private throughout (an older dir may be 0755)
  const pems = await generate([{ name: "commonName", value: "fgs-emulator OBS (127.0.0.1)" }], {
    keyType: "ec", curve: "P-256", algorithm: "sha256",
    notBeforeDate: new Date(nowMs - 60_000), notAfterDate: new Date(nowMs + VALID_DAYS * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }, { type: 2, value: "localhost" }] },
    ],
  });
  const write = async (file: string, text: string, mode: number) => {
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, { mode });
    await fs.rename(tmp, file);
  };
  await write(keyFile, pems.private, 0o600);
  await write(certFile, pems.cert, 0o600); // the data dir's files are 0600 (the emulator's user reads it)
  return { cert: pems.cert, key: pems.private, certFile };
}
