/**
 * The body of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` request (aws-chunked): a run of
 *
 *   hex(size);chunk-signature=<sig>\r\n <size bytes> \r\n
 *
 * ending with a zero-size chunk. Each chunk's signature chains on the previous one (the first on the seed
 * signature of the Authorization header):
 *
 *   sig = hex(HMAC(kSigning, "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + previous + "\n"
 *                             + hex(SHA256("")) + "\n" + hex(SHA256(chunk))))
 *
 * {@link AwsChunkedDecoder} strips the framing as bytes arrive (memory bounded by one header line), checks every
 * signature and that the bytes add up to `x-amz-decoded-content-length`; it fails with 403
 * SignatureDoesNotMatch or 400 IncompleteBody, so the object is never committed.
 */
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { ObsErrors } from "./obs-errors";
import { sameText } from "./obs-auth";
import { EMPTY_SHA256, hmacHex, type V4StreamingContext } from "./obs-auth-v4";

/** Longest chunk header line accepted (`hex;chunk-signature=64hex`, with room for extensions). */
const MAX_HEADER_LINE = 4096;

type State = "header" | "data" | "dataEnd" | "done";

/** Decodes and verifies an aws-chunked body; emits the payload bytes. */
export class AwsChunkedDecoder extends Transform {
  private state: State = "header";
  private line = Buffer.alloc(0);
  private remaining = 0;
  private chunkSize = 0;
  private chunkSignature = "";
  private hash: Hash = createHash("sha256");
  private previous: string;
  private total = 0;
  private crlf = 0;

  constructor(private readonly ctx: V4StreamingContext) {
    super();
    this.previous = ctx.seedSignature;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.state !== "done") return done(ObsErrors.incompleteBody("The aws-chunked body ended before its final zero-size chunk."));
    if (this.total !== this.ctx.decodedLength) {
      return done(ObsErrors.incompleteBody(`The aws-chunked body holds ${this.total} bytes but x-amz-decoded-content-length says ${this.ctx.decodedLength}.`));
    }
    done();
  }

  private consume(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      switch (this.state) {
        case "header": {
          const nl = buf.indexOf(0x0a, at);
          const end = nl < 0 ? buf.length : nl + 1;
          this.line = Buffer.concat([this.line, buf.subarray(at, end)]);
          if (this.line.length > MAX_HEADER_LINE) throw ObsErrors.incompleteBody("An aws-chunked chunk header is too long.");
          at = end;
          if (nl >= 0) this.startChunk(this.line.toString("latin1"));
          break;
        }
        case "data": {
          const take = Math.min(this.remaining, buf.length - at);
          const part = buf.subarray(at, at + take);
          this.hash.update(part);
          this.push(part);
          this.remaining -= take;
          this.total += take;
          at += take;
          if (this.remaining === 0) {
            this.state = "dataEnd";
            this.crlf = 0;
          }
          break;
        }
        case "dataEnd": {
          const expected = this.crlf === 0 ? 0x0d : 0x0a;
          if (buf[at] !== expected) throw ObsErrors.incompleteBody("An aws-chunked chunk is not followed by CRLF.");
          at += 1;
          this.crlf += 1;
          if (this.crlf === 2) {
            this.verifyChunk();
            this.state = this.chunkSize === 0 ? "done" : "header";
          }
          break;
        }
        case "done":
          // Trailing headers (the *-TRAILER modes) are refused before the body is read; ignore stray bytes.
          at = buf.length;
          break;
      }
    }
  }

  private startChunk(text: string): void {
    this.line = Buffer.alloc(0);
    const m = /^([0-9a-fA-F]+);chunk-signature=([0-9a-f]{64})\r\n$/.exec(text);
    if (!m) throw ObsErrors.incompleteBody("An aws-chunked chunk header is malformed: expected 'hex-size;chunk-signature=<64 hex>'.");
    this.chunkSize = parseInt(m[1], 16);
    this.chunkSignature = m[2];
    this.remaining = this.chunkSize;
    this.hash = createHash("sha256");
    if (this.total + this.chunkSize > this.ctx.decodedLength) {
      throw ObsErrors.incompleteBody(`The aws-chunked body is longer than x-amz-decoded-content-length (${this.ctx.decodedLength}).`);
    }
    if (this.chunkSize === 0) {
      this.state = "dataEnd";
      this.crlf = 0;
    } else {
      this.state = "data";
    }
  }

  private verifyChunk(): void {
    const text = ["AWS4-HMAC-SHA256-PAYLOAD", this.ctx.amzDate, this.ctx.scope, this.previous, EMPTY_SHA256, this.hash.digest("hex")].join("\n");
    const expected = hmacHex(this.ctx.signingKey, text);
    if (!sameText(expected, this.chunkSignature)) throw ObsErrors.signatureMismatch();
    this.previous = this.chunkSignature;
  }
}
