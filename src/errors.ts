// The few errors a client ever sees. Each has a stable `extensions.code` and an HTTP status; anything
// else that escapes a resolver is masked by Yoga as "Unexpected error." (see server/yoga.ts).
import { GraphQLError, type GraphQLErrorOptions } from "graphql";

function options(code: string, status: number, extra?: Record<string, unknown>): GraphQLErrorOptions {
  return { extensions: { code, http: { status }, ...extra } };
}

/** No token, or a token that is expired, tampered with, signed by another key or of a refused algorithm. */
export class UnauthenticatedError extends GraphQLError {
  constructor(message = "A valid bearer token is required.") {
    super(message, options("UNAUTHENTICATED", 401));
  }
}

/** The principal may not read or do this; the message says why without revealing hidden data. */
export class ForbiddenError extends GraphQLError {
  constructor(message: string) {
    super(message, options("FORBIDDEN", 200));
  }
}

/** Input breaks a rule; `field` is the path of the offending input and `rule` the rule it broke. */
export class BadUserInputError extends GraphQLError {
  constructor(message: string, details: { field?: string; rule?: string } = {}) {
    super(message, options("BAD_USER_INPUT", 200, details));
  }
}

export class NotFoundError extends GraphQLError {
  constructor(message = "Not found.") {
    super(message, options("NOT_FOUND", 200));
  }
}

/** A stale version, a duplicate unique value or a race lost to another request. Nothing was changed. */
export class ConflictError extends GraphQLError {
  constructor(message: string, details: { field?: string } = {}) {
    super(message, options("CONFLICT", 200, details));
  }
}

/** The database is unreachable right now; the request changed nothing. */
export class UnavailableError extends GraphQLError {
  constructor(message = "The database is unavailable; nothing was changed. Try again later.") {
    super(message, options("SERVICE_UNAVAILABLE", 503));
  }
}
