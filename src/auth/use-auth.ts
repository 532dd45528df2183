// First step of every GraphQL request: no valid bearer token, no parsing, no validation, no data.
// Runs in onRequest so that even error messages about the query (which reveal the schema) need a token.
import type { Plugin } from "graphql-yoga";
import { UnauthenticatedError } from "../errors.ts";
import type { Principal } from "./principal.ts";
import { bearerToken, type TokenVerifier } from "./verify.ts";

export interface AuthOptions {
  verify: TokenVerifier;
  /**
   * Exact paths that need no token (readiness). Every other request needs one: deny by default.
   * (GraphiQL's page, outside production, is answered by Yoga before this step; its queries need a token.)
   */
  publicPaths: readonly string[];
}

const principals = new WeakMap<Request, Principal>();

/** The principal the auth step attached to this request; throws if the step did not run. */
export function principalOf(request: Request): Principal {
  const principal = principals.get(request);
  if (!principal) throw new UnauthenticatedError();
  return principal;
}

/** The principal of this request if the auth step accepted its token (monitoring reports refusals before execution too). */
export function principalIfAny(request: Request): Principal | undefined {
  return principals.get(request);
}

/** Runs in onRequest, before Yoga picks a parser: nothing about the body is read without a valid token. */
export function useAuth(options: AuthOptions): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      // Not "only on the endpoint": a path Yoga would also take for GraphQL must never slip past.
      if (options.publicPaths.includes(url.pathname)) return;
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
