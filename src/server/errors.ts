// What a client sees when something fails. Our own GraphQLErrors pass as they are; known library and
// database errors become a stable code; anything else is "Unexpected error." and goes to the log
// with the request id, never to the client (no stack traces, no SQL, no internal messages).
import { GraphQLError } from "graphql";
import type { Logger } from "./log.ts";

interface MaybePrismaError {
  name?: string;
  code?: string;
  meta?: {
    target?: unknown;
    driverAdapterError?: { cause?: { kind?: string; originalCode?: string; originalMessage?: string } };
  };
  message?: string;
}

function withCode(
  error: GraphQLError,
  message: string,
  code: string,
  extra: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes ?? null,
    path: error.path ?? null,
    extensions: { code, ...extra },
  });
}

/** Translates an error that is not ours; undefined when it is unknown (and so must be masked). */
function translate(error: GraphQLError, original: MaybePrismaError): GraphQLError | undefined {
  const cause = original.meta?.driverAdapterError?.cause;
  if (original.code === "P2002" || cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505") {
    return withCode(error, "A record with the same unique value already exists; nothing was changed.", "CONFLICT");
  }
  if (cause?.originalCode === "23514" || cause?.kind === "CheckConstraintViolation") {
    // Our triggers and CHECK constraints name the rule first ("rule_name: explanation"); keep only that.
    const rule = /^([a-z_]+):/.exec(cause.originalMessage ?? "")?.[1];
    return withCode(
      error,
      `The database refused the change (${rule ?? "check constraint"}); nothing was changed.`,
      "BAD_USER_INPUT",
      {
        rule: rule ?? "check_constraint",
      },
    );
  }
  if (
    cause?.kind === "DatabaseNotReachable" ||
    original.code === "P1001" ||
    original.name === "DatabaseUnavailableError"
  ) {
    return withCode(error, "The database is unavailable; nothing was changed. Try again later.", "SERVICE_UNAVAILABLE");
  }
  return undefined;
}

/**
 * A variable that failed coercion ('Variable "$input" got invalid value "12,50" at "input.amount"; …')
 * gets the path of the offending input as `extensions.field`, like every other rejected input.
 */
function withInputPath(error: GraphQLError): GraphQLError {
  const match = /^Variable "\$(\w+)" got invalid value .*?(?: at "([^"]+)")?;/s.exec(error.message);
  if (!match || error.extensions.field) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    path: error.path ?? null,
    extensions: { ...error.extensions, code: error.extensions.code ?? "BAD_USER_INPUT", field: match[2] ?? match[1] },
  });
}

export function createMaskError(log: Logger) {
  return (error: unknown, _message: string): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError as (Error & MaybePrismaError) | undefined;
      // Pothos reports bad pagination input (a malformed cursor) as a GraphQLError without a code.
      if (original?.name === "PothosValidationError") return withCode(error, original.message, "BAD_USER_INPUT");
      if (!original || original instanceof GraphQLError) return withInputPath(error);
      const translated = translate(error, original);
      if (translated) return translated;
      log.error("unexpected error", { error: original.message, stack: original.stack, path: error.path });
      return withCode(error, "Unexpected error.", "INTERNAL_SERVER_ERROR");
    }
    log.error("unexpected error", { error: String(error) });
    return new GraphQLError("Unexpected error.", { extensions: { code: "INTERNAL_SERVER_ERROR" } });
  };
}
