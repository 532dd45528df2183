// First step of every GraphQL request: no valid bearer token, no parsing, no validation, no data.
// Runs in onRequest so that even error messages about the query (which reveal the schema) need a token.
import type { Plugin } from "graphql-yoga";
import { UnauthenticatedError } from "../errors.ts";
import type { Principal } from "./principal.ts";
import { bearerToken, type TokenVerifier } from "./verify.ts";

export interface AuthOptions {
  verify: TokenVerifier;
  endpoint: string;
  /** When GraphiQL is on, its HTML page itself may load without a token (its queries still need one). */
  graphiql: boolean;
}

const principals = new WeakMap<Request, Principal>();

/** The principal the auth step attached to this request; throws if the step did not run. */
export function principalOf(request: Request): Principal {
  const principal = principals.get(request);
  if (!principal) throw new UnauthenticatedError();
  return principal;
}

export function useAuth(options: AuthOptions): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== options.endpoint) return;
      if (options.graphiql && request.method === "GET" && request.headers.get("accept")?.includes("text/html")) return;
      try {
        const token = bearerToken(request.headers.get("authorization"));
        if (!token) throw new UnauthenticatedError();
        principals.set(request, await options.verify(token));
      } catch (error) {
        const message = error instanceof UnauthenticatedError ? error.message : "The token is invalid.";
        endResponse(
          Response.json(
            { errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }] },
            { status: 401, headers: { "www-authenticate": 'Bearer realm="gerbang"' } },
          ),
        );
      }
    },
  };
}
