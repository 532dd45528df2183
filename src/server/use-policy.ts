// The policy layer, assembled from its parts: graphql-shield's rules and the to-one scope checks
// (policy/), the masking step (masking/) and the audit entry of a refused mutation (audit/). It sits
// here, beside the rest of the plugin wiring, so that policy/ itself depends on neither masking nor audit.
import type { DocumentNode, GraphQLResolveInfo, GraphQLSchema } from "graphql";
import type { IMiddlewareFunction } from "graphql-middleware";
import type { Plugin } from "graphql-yoga";
import type { MutationName } from "../audit/events.ts";
import { recordRefusal } from "../audit/transaction.ts";
import type { Context } from "../context.ts";
import { checkTextArgs } from "../domain/text.ts";
import { ForbiddenError } from "../errors.ts";
import { maskingMiddleware } from "../masking/apply.ts";
import { documentFullyGranted, scopeMiddleware, shieldRules } from "../policy/enforce.ts";
import type { Policy } from "../policy/policy.ts";
import { applyMiddleware, rule, shield } from "../policy/shield.ts";
import { cursorMiddleware, useCursors } from "../policy/use-cursors.ts";

/** A refused mutation is audited too (outcome DENIED), so attempts show up in the trail. */
function recordDeniedMutation(
  ctx: Context,
  info: GraphQLResolveInfo,
  field: string,
  target: { entityType: string; entityId: string | null },
  error: ForbiddenError,
): Promise<void> {
  return recordRefusal(ctx, info.operation.name?.value ?? null, field as MutationName, "DENIED", target, error);
}

/**
 * The text check of every String and ID argument (domain/text.ts) for root queries too: a NUL byte
 * or a bidi control in a filter or an id is BAD_USER_INPUT with its path, not a database error that
 * surfaces as "Unexpected error.". Mutations run the same check in audited(), where it is audited.
 */
function queryInputMiddleware(schema: GraphQLSchema) {
  const query = schema.getQueryType();
  const map: Record<string, IMiddlewareFunction> = {};
  for (const field of Object.values(query?.getFields() ?? {})) {
    if (field.args.length === 0) continue;
    map[field.name] = (resolve, parent, args, ctx: Context, info) => {
      checkTextArgs(info);
      return resolve(parent, args, ctx, info);
    };
  }
  return query ? { [query.name]: map } : {};
}

/** graphql-shield with the policy's rules, deny by default. */
export function policyShield(schema: GraphQLSchema, policy: Policy) {
  return shield(shieldRules(policy, schema, recordDeniedMutation), {
    fallbackRule: rule("deny-by-default", { cache: "no_cache" })(
      () => new ForbiddenError("No policy grants this field."),
    ),
    // Errors our resolvers throw (NOT_FOUND, BAD_USER_INPUT, ...) pass through unchanged.
    allowExternalErrors: true,
    debug: false,
  });
}

/**
 * The schema with graphql-shield on every field: the authority whenever a request touches a denied
 * field. With `cursorKey`, connections hand out sealed cursors (policy/use-cursors.ts).
 */
export function shieldedSchema(schema: GraphQLSchema, policy: Policy, cursorKey?: string): GraphQLSchema {
  const permissions = policyShield(schema, policy);
  // Outermost first: who may reach the field, then the scope of a related row, then masking.
  return applyMiddleware(
    schema,
    permissions,
    queryInputMiddleware(schema),
    scopeMiddleware(schema),
    maskingMiddleware(policy, schema),
    ...(cursorKey ? [cursorMiddleware(schema, cursorKey)] : []),
  );
}

/**
 * The policy layer. graphql-shield wraps every field in an async rule, which on a page of 100
 * citizens with nested lists is thousands of promises (measured: 0.82 of the throughput without it).
 * So each request is checked once, before execution, against the same policy: when it names only
 * granted fields — the normal case — it runs on the schema with masking and scope checks but without
 * the per-field shield; when it names anything not granted, it runs on the shielded schema, so a
 * denial is decided and answered by shield exactly as before (null + FORBIDDEN at the path, NOT_FOUND
 * for a closed entry point, an audit entry for a refused mutation). Row scope is in every query's
 * `where` on both paths.
 */
export function policyLayer(
  schema: GraphQLSchema,
  policy: Policy,
  cursorKey: string,
): {
  schema: GraphQLSchema;
  plugins: Plugin<Context>[];
  /** Whether the document names only what the role may read (then it runs without the per-field shield). */
  granted(document: DocumentNode, role: string): boolean;
} {
  const shielded = shieldedSchema(schema, policy, cursorKey);
  const granted = applyMiddleware(
    schema,
    queryInputMiddleware(schema),
    scopeMiddleware(schema),
    maskingMiddleware(policy, schema),
    cursorMiddleware(schema, cursorKey),
  );
  // Yoga reuses the parsed document of a repeated query string, so the check runs once per (document, role).
  const decisions = new WeakMap<DocumentNode, Map<string, boolean>>();
  const fullyGranted = (document: DocumentNode, role: string): boolean => {
    let byRole = decisions.get(document);
    if (!byRole) {
      byRole = new Map();
      decisions.set(document, byRole);
    }
    let ok = byRole.get(role);
    if (ok === undefined) {
      ok = documentFullyGranted(policy, shielded, document, role);
      byRole.set(role, ok);
    }
    return ok;
  };
  const choose: Plugin<Context> = {
    onExecute({ args }) {
      const ok = fullyGranted(args.document, args.contextValue.principal.role);
      (args as { schema: GraphQLSchema }).schema = ok ? granted : shielded;
    },
  };
  // The cursors are opened after the schema is chosen: that decision is cached per parsed document,
  // and opening them gives the request a document of its own.
  return { schema: shielded, plugins: [choose, useCursors(schema, cursorKey)], granted: fullyGranted };
}
