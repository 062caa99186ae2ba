/**
 * OBS's error vocabulary (S3 semantics): every failure leaves an OBS handler as an `ObsError`, which the OBS
 * server answers as `<Error><Code/><Message/><RequestId/><HostId/></Error>` (no body for HEAD).
 */

/** An OBS failure: HTTP status, the S3/OBS error code and a message. */
export class ObsError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ObsError";
  }
}

/** Constructors for the codes the OBS emulator emits. */
export const ObsErrors = {
  accessDenied: (msg: string) => new ObsError(403, "AccessDenied", msg),
  invalidAccessKey: () => new ObsError(403, "InvalidAccessKeyId", "The access key Id you provided does not exist in our records."),
  signatureMismatch: () => new ObsError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
  timeSkewed: () => new ObsError(403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large."),
  invalidToken: (msg: string) => new ObsError(403, "InvalidSecurityToken", msg),
  authorizationMalformed: (msg: string) => new ObsError(400, "AuthorizationHeaderMalformed", msg),
  authorizationQueryMalformed: (msg: string) => new ObsError(400, "AuthorizationQueryParametersError", msg),
  invalidRequest: (msg: string) => new ObsError(400, "InvalidRequest", msg),
  missingContentLength: (msg: string) => new ObsError(411, "MissingContentLength", msg),
  incompleteBody: (msg: string) => new ObsError(400, "IncompleteBody", msg),
  virtualHostRequired: () => new ObsError(403, "VirtualHostDomainRequired", "Path-style requests are not allowed here; use the bucket's virtual-host domain."),
  invalidBucketName: (name: string) => new ObsError(400, "InvalidBucketName", `The specified bucket is not valid: '${name}'. Use 3-63 lowercase letters, digits, '-' and '.'.`),
  invalidLocation: (loc: string) => new ObsError(400, "InvalidLocationConstraint", `The specified location constraint is not valid: '${loc}'.`),
  bucketExists: () => new ObsError(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it."),
  bucketNotEmpty: () => new ObsError(409, "BucketNotEmpty", "The bucket you tried to delete is not empty."),
  noSuchBucket: () => new ObsError(404, "NoSuchBucket", "The specified bucket does not exist."),
  noSuchKey: () => new ObsError(404, "NoSuchKey", "The specified key does not exist."),
  noSuchUpload: () => new ObsError(404, "NoSuchUpload", "The specified multipart upload does not exist."),
  invalidPart: (msg: string) => new ObsError(400, "InvalidPart", msg),
  invalidPartOrder: () => new ObsError(400, "InvalidPartOrder", "The list of parts was not in ascending order."),
  entityTooSmall: (n: number) => new ObsError(400, "EntityTooSmall", `Part ${n} is smaller than the minimum part size (100 KB); only the last part may be smaller.`),
  entityTooLarge: () => new ObsError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size."),
  badDigest: () => new ObsError(400, "BadDigest", "The Content-MD5 you specified did not match what we received."),
  // GUESS: OBS documents the 1024-byte limit; the code and message are S3's.
  keyTooLong: (bytes: number) => new ObsError(400, "KeyTooLongError", `Your key is too long: ${bytes} bytes, at most 1024 (UTF-8).`),
  invalidArgument: (msg: string) => new ObsError(400, "InvalidArgument", msg),
  malformedXml: (msg: string) => new ObsError(400, "MalformedXML", `The XML you provided was not well-formed: ${msg}`),
  invalidRange: () => new ObsError(416, "InvalidRange", "The requested range cannot be satisfied."),
  methodNotAllowed: () => new ObsError(405, "MethodNotAllowed", "The specified method is not allowed against this resource."),
  slowDown: () => new ObsError(503, "SlowDown", "Please reduce your request rate."),
  internal: (msg = "We encountered an internal error. Please try again.") => new ObsError(500, "InternalError", msg),
  unavailable: () => new ObsError(503, "ServiceUnavailable", "Service is unable to handle request."),
} as const;
