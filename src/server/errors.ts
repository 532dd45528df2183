// What a client sees when something fails. Our own GraphQLErrors pass as they are; known library and
// database errors become a stable code; anything else is "Unexpected error." and goes to the log
// with the request id, never to the client (no stack traces, no SQL, no internal messages).
import { GraphQLError } from "graphql";
import { fromDatabaseError, withInputPath } from "../errors.ts";
import type { Logger } from "../log.ts";

/** Keeps the translated error's message, code and details, at the place the original failed. */
function atPath(error: GraphQLError, translated: GraphQLError): GraphQLError {
  const { http: _http, ...extensions } = translated.extensions;
  return new GraphQLError(translated.message, { nodes: error.nodes ?? null, path: error.path ?? null, extensions });
}

function withCode(error: GraphQLError, message: string, code: string): GraphQLError {
  return new GraphQLError(message, { nodes: error.nodes ?? null, path: error.path ?? null, extensions: { code } });
}

export function createMaskError(log: Logger) {
  return (error: unknown, _message: string): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      // Pothos reports bad pagination input (a malformed cursor) as a GraphQLError without a code.
      if (original?.name === "PothosValidationError") return withCode(error, original.message, "BAD_USER_INPUT");
      if (!original || original instanceof GraphQLError) return withInputPath(error);
      const translated = fromDatabaseError(original);
      if (translated) return atPath(error, translated);
      log.error("unexpected error", { error: original.message, stack: original.stack, path: error.path });
      return withCode(error, "Unexpected error.", "INTERNAL_SERVER_ERROR");
    }
    log.error("unexpected error", { error: String(error) });
    return new GraphQLError("Unexpected error.", { extensions: { code: "INTERNAL_SERVER_ERROR" } });
  };
}
