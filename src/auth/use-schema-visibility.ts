// Who may learn the schema beyond what their own queries show: only the roles INTROSPECTION_ROLES names
// (in production by default `admin`; outside production every role, for GraphiQL). Everyone else gets
// no introspection (`__schema`, `__type`, however aliased or hidden in fragments) and no "Did you mean"
// suggestions in error messages, which would otherwise spell out field, argument, type and enum names.
//
// Introspection: Yoga's own plugin, which adds graphql-js's NoSchemaIntrospectionCustomRule per request;
// the rule is part of Yoga's validation cache key, so an admin's cached "valid" never serves another role.
// Suggestions: graphql-armor's block-field-suggestions cannot decide per role, misses "Did you mean the
// enum value …" and the suggestions of variable coercion (raised during execution, not validation), and
// rewrites the message of the error object itself, which Yoga's validation cache shares between
// requests. So a few lines here: every result's error messages, copied without the suggestion.
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { principalOf } from "./use-auth.ts";

export interface SchemaVisibilityOptions {
  /** Roles that may introspect and see suggestions; "*" = every role. */
  roles: readonly string[] | "*";
}

/** graphql-js's suggestions all read `Did you mean <names>?`; names cannot contain `?`. */
const SUGGESTION = /Did you mean [^?]*\?/;
const SUGGESTIONS = /\s*Did you mean [^?]*\?/g;

export function useSchemaVisibility(options: SchemaVisibilityOptions): Plugin[] {
  const { roles } = options;
  if (roles === "*") return [];
  const allowed = (request: Request) => {
    try {
      return roles.includes(principalOf(request).role);
    } catch {
      return false; // no principal: nothing is shown (the auth step has refused the request anyway)
    }
  };
  return [
    useDisableIntrospection({ isDisabled: (request) => !allowed(request) }),
    {
      onExecutionResult({ request, result, setResult }) {
        // Only single results: no subscriptions or @defer/@stream are served.
        if (allowed(request) || !result || Symbol.asyncIterator in result || !result.errors?.length) return;
        if (!result.errors.some((e) => SUGGESTION.test(e.message))) return;
        setResult({ ...result, errors: result.errors.map(withoutSuggestion) });
      },
    },
  ];
}

/** A copy without suggestions: the original may be shared with other requests (validation cache). */
function withoutSuggestion(error: GraphQLError): GraphQLError {
  if (!SUGGESTION.test(error.message)) return error;
  return new GraphQLError(error.message.replace(SUGGESTIONS, ""), {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    path: error.path ?? null,
    originalError: error.originalError ?? null,
    extensions: error.extensions,
  });
}
