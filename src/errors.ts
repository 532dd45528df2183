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
  constructor(message: string, details: { field?: string; rule?: string } = {}) {
    super(message, options("CONFLICT", 200, details));
  }
}

/**
 * The caller used up a per-principal budget (lookups by a full identifier, see src/limits/rate-limit.ts).
 * Decided before any data is read, so the answer says nothing about any record.
 */
export class RateLimitedError extends GraphQLError {
  constructor(message: string, retryAfterSeconds: number) {
    super(message, options("RATE_LIMITED", 200, { retryAfterSeconds }));
  }
}

/**
 * The one answer when a NIK cannot be registered because it is taken, wherever the record lives: it
 * neither confirms nor denies that the number exists (that is a lookup, with a purpose and an access
 * entry). The audit entry of the attempt records what was actually found.
 */
export function registryReferral(): ConflictError {
  return new ConflictError(
    "input.nik: this NIK cannot be registered here; nothing was changed. Refer the applicant to the civil registry (Dukcapil), which resolves duplicate and disputed NIKs.",
    { field: "input.nik", rule: "contact_registry" },
  );
}

/** The database is unreachable right now; the request changed nothing. */
export class UnavailableError extends GraphQLError {
  constructor(message = "The database is unavailable; nothing was changed. Try again later.") {
    super(message, options("SERVICE_UNAVAILABLE", 503));
  }
}

/** The rule of an input that does not fit its GraphQL type at all: a wrong enum value, a string for an Int, a required field left out. */
export const INPUT_TYPE_RULE = "input_type";

// 'Variable "$input" got invalid value "12,50" at "input.amount"; Decimal must be …': the path is
// the variable's name and the path inside it. The value itself may contain '; ' or ' at "', so the
// form with a path is tried first, anchored on the variable's own name.
const VARIABLE_AT_PATH = /^Variable "\$(\w+)" got invalid value .*? at "(\1(?:[.[][^"]*)?)"; /s;
const VARIABLE = /^Variable "\$(\w+)" got invalid value /;

/**
 * A variable that failed coercion, as every other rejected input answers: BAD_USER_INPUT with the
 * input's path in `extensions.field` and a `rule` (the scalar's own, or input_type). The error
 * masker and the audit entry of the refusal both take it from here. Other errors pass unchanged.
 */
export function withInputPath(error: GraphQLError): GraphQLError {
  if (error.extensions.field) return error;
  const match = VARIABLE_AT_PATH.exec(error.message) ?? VARIABLE.exec(error.message);
  if (!match) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    path: error.path ?? null,
    extensions: {
      ...error.extensions,
      code: error.extensions.code ?? "BAD_USER_INPUT",
      field: match[2] ?? match[1],
      rule: error.extensions.rule ?? INPUT_TYPE_RULE,
    },
  });
}

/**
 * The request is larger or costlier than a limit allows (src/limits/limits.ts); `limit` names the
 * limit broken. Refused before parsing or execution, except `executionTimeoutMs` and
 * `maxResponseBytes`, which stop an execution that already ran (a mutation's transaction decides
 * alone whether its change stands).
 */
export class QueryTooLargeError extends GraphQLError {
  constructor(message: string, limit: string, status = 400) {
    super(message, options("QUERY_TOO_LARGE", status, { limit }));
  }
}

/** What Prisma and the driver adapters put on a database error (the fields we read, all optional). */
interface DatabaseErrorShape {
  name?: string;
  code?: string;
  meta?: {
    target?: unknown;
    driverAdapterError?: {
      cause?: { code?: string; originalCode?: string; kind?: string; constraint?: unknown; originalMessage?: string };
    };
  };
}

/** Unique columns whose name may be given back to the caller as `extensions.field`. */
const NAMED_UNIQUE_FIELDS = ["nik", "documentNumber", "reference"] as const;

/**
 * The one translation of database refusals into client errors, used by the mutation transaction
 * (audit/transaction.ts) and by the error masker (server/errors.ts) alike, so a constraint gives
 * the same answer whichever path it surfaces on. Undefined: not a database refusal we know.
 */
export function fromDatabaseError(error: unknown): GraphQLError | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const e = error as DatabaseErrorShape;
  const cause = e.meta?.driverAdapterError?.cause;
  const sqlState = cause?.originalCode ?? cause?.code;
  if (e.code === "P2002" || sqlState === "23505" || cause?.kind === "UniqueConstraintViolation") {
    const target = JSON.stringify(e.meta?.target ?? cause?.constraint ?? "");
    const field = NAMED_UNIQUE_FIELDS.find((name) => new RegExp(name, "i").test(target));
    // A registration that lost a race for a NIK gets the answer every taken NIK gets.
    if (field === "nik") return registryReferral();
    return new ConflictError(
      field
        ? `Another record already has this ${field}; nothing was changed.`
        : "A record with the same unique values already exists; nothing was changed.",
      field ? { field: `input.${field}` } : {},
    );
  }
  if (e.code === "P2025")
    return new ConflictError(
      "The record changed while this request ran; reload it and try again. Nothing was changed.",
    );
  if (sqlState === "23514" || sqlState === "P0001" || cause?.kind === "CheckConstraintViolation") {
    // Our triggers and CHECK constraints name the rule first ("rule_name: explanation"); keep only that.
    const rule = /^([a-z_]+):/.exec(cause?.originalMessage ?? "")?.[1] ?? "check_constraint";
    return new BadUserInputError(`The database refused the change (rule ${rule}); nothing was changed.`, { rule });
  }
  if (sqlState === "23503" || sqlState === "23001")
    return new BadUserInputError("A referenced record does not exist or is still in use; nothing was changed.", {
      rule: "foreign_key",
    });
  if (sqlState === "40001" || sqlState === "40P01")
    return new ConflictError(
      "Another change to the same records ran at the same time; try again. Nothing was changed.",
    );
  if (sqlState === "57014")
    // statement_timeout (set by `serve` to LIMITS.executionTimeoutMs) cancelled the statement.
    return new QueryTooLargeError(
      "The database stopped a statement that ran longer than allowed; nothing was changed.",
      "executionTimeoutMs",
      503,
    );
  if (cause?.kind === "DatabaseNotReachable" || e.code === "P1001" || e.name === "DatabaseUnavailableError")
    return new UnavailableError();
  return undefined;
}
