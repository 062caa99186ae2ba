/**
 * The resources' own refusals (Function, Trigger, Alias, Dependency), as members of the one error family
 * (../errors): bad input naming the property, a name taken by something this stack does not own, a create that
 * certainly did not happen, a resource deleted outside Pulumi, no version left to prune. Messages are the ones the
 * throw sites wrote; README.md's "Errors" table gives each code's fix.
 */
import { FgsError } from "../errors";

/** An input the service or the package cannot take; `property` names it (also the message's first word). */
export class InvalidInputError extends FgsError {
  constructor(readonly property: string, message: string) {
    super("FGS_INVALID_INPUT", message);
    this.name = "InvalidInputError";
  }
}

/** The name is taken by an existing resource with other settings, and `adopt` is off. */
export class AdoptRefusedError extends FgsError {
  constructor(readonly property: string, message: string) {
    super("FGS_ADOPT_REFUSED", message);
    this.name = "AdoptRefusedError";
  }
}

/** A create whose answer was lost, looked up afterwards: nothing was created, so running again is safe. */
export class NotCreatedError extends FgsError {
  constructor(message: string, cause: unknown) {
    super("FGS_NOT_CREATED", message, { retryable: true, cause });
    this.name = "NotCreatedError";
  }
}

/** The resource recorded in the state no longer exists in the cloud. */
export class DeletedOutsideError extends FgsError {
  constructor(message: string) {
    super("FGS_DELETED_OUTSIDE", message);
    this.name = "DeletedOutsideError";
  }
}

/** The version quota is full and every published version is in use (by an alias, or the current one). */
export class NoVersionRoomError extends FgsError {
  constructor(message: string, cause: unknown) {
    super("FGS_NO_VERSION_ROOM", message, { cause });
    this.name = "NoVersionRoomError";
  }
}
