// Turns the compiled policy into the schema the gateway executes: graphql-shield decides who may
// reach each field (deny by default), masking rewrites sensitive values on the way out, and rows
// reached through a to-one relation are checked against the caller's scope.
import { createRequire } from "node:module";
import {
  BREAK,
  type DocumentNode,
  type GraphQLSchema,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";
import type * as GraphqlMiddleware from "graphql-middleware";
import type { IMiddlewareFunction } from "graphql-middleware";
import type * as GraphqlShield from "graphql-shield";
import type { IRules } from "graphql-shield";
import type { Plugin } from "graphql-yoga";
import type { MutationName } from "../audit/events.ts";
import { recordRefusal } from "../audit/transaction.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import { maskingMiddleware } from "../masking/apply.ts";
import type { Context } from "../server/context.ts";
import type { Policy } from "./policy.ts";
import { rowInScope, TO_ONE_CHECKED_TYPES } from "./scope.ts";
import { isStructuralType, policyTypes } from "./types.ts";

// graphql-shield's ES module build imports `isUndefined` from "util", which Node 23 removed, so on
// Node 24 it fails to load (maticzav/graphql-shield#1561; 7.6.5 is its last release). Its CommonJS
// build looks the function up only when chain() or race() rules run, and this policy uses neither.
// graphql-middleware comes from its CommonJS build too: that is the copy shield's middleware is made
// by, and applyMiddleware only recognises middleware of its own copy.
const require = createRequire(import.meta.url);
const { allow, rule, shield } = require("graphql-shield") as typeof GraphqlShield;
const { applyMiddleware } = require("graphql-middleware") as typeof GraphqlMiddleware;

function rolesWith(policy: Policy, test: (role: string) => boolean): Set<string> {
  return new Set([...policy.roles.keys()].filter(test));
}

/**
 * One shield rule per field, answered from a precomputed set of roles: a Set lookup per field,
 * no caching needed. Root query fields that are denied answer NOT_FOUND, so that `citizen(id)`
 * reveals nothing about what exists; other denied fields answer FORBIDDEN at their path.
 */
export function shieldRules(policy: Policy, schema: GraphQLSchema): IRules {
  const rules: Record<string, unknown> = {};
  const allowRoles = (name: string, roles: Set<string>, deny: () => Error) =>
    rule(name, { cache: "no_cache" })((_parent, _args, ctx: Context) => roles.has(ctx.principal.role) || deny());

  const query = schema.getQueryType();
  if (query) {
    const fields: Record<string, unknown> = {};
    for (const field of Object.keys(query.getFields())) {
      const roles = rolesWith(policy, (r) => policy.role(r)?.queries.has(field) ?? false);
      fields[field] = allowRoles(`Query.${field}`, roles, () => new NotFoundError());
    }
    rules[query.name] = fields;
  }
  const mutation = schema.getMutationType();
  if (mutation) {
    const fields: Record<string, unknown> = {};
    for (const [field, def] of Object.entries(mutation.getFields())) {
      const roles = rolesWith(policy, (r) => policy.role(r)?.mutations.has(field) ?? false);
      const entityType = getNamedType(def.type).name;
      // A refused mutation is audited too (outcome DENIED), so attempts show up in the trail.
      fields[field] = rule(`Mutation.${field}`, { cache: "no_cache" })(async (_parent, args, ctx: Context, info) => {
        if (roles.has(ctx.principal.role)) return true;
        const error = new ForbiddenError(`Your role may not call ${field}.`);
        const input = (args as { input?: { id?: unknown } }).input;
        const target = { entityType, entityId: input?.id ? String(input.id) : null };
        await recordRefusal(ctx, info, field as MutationName, "DENIED", target, error);
        return error;
      });
    }
    rules[mutation.name] = fields;
  }
  for (const [type, fields] of policyTypes(schema)) {
    const typeRules: Record<string, unknown> = {};
    for (const field of fields) {
      const roles = rolesWith(policy, (r) => policy.access(r, type, field) !== undefined);
      typeRules[field] = allowRoles(
        `${type}.${field}`,
        roles,
        () => new ForbiddenError(`Your role may not read ${type}.${field}.`),
      );
    }
    rules[type] = typeRules;
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) && isStructuralType(type.name) && !type.name.startsWith("__")) rules[type.name] = allow;
  }
  return rules as unknown as IRules;
}

/** Wraps to-one relation fields that lead to a scoped type (taxRecord.citizen, permit.agency). */
function scopeMiddleware(policy: Policy, schema: GraphQLSchema) {
  const map: Record<string, Record<string, IMiddlewareFunction>> = {};
  for (const [typeName] of policyTypes(schema)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const target = getNamedType(field.type).name;
      const unwrapped = isNonNullType(field.type) ? field.type.ofType : field.type;
      if (!TO_ONE_CHECKED_TYPES.has(target) || isListType(unwrapped)) continue;
      map[typeName] ??= {};
      map[typeName][field.name] = async (resolve, parent, args, ctx: Context, info) => {
        const row = await resolve(parent, args, ctx, info);
        if (row && !rowInScope(policy, ctx.principal, target, row as Record<string, unknown>)) {
          throw new ForbiddenError(`This ${target} is outside the rows your role may see.`);
        }
        return row;
      };
    }
  }
  return map;
}

/** The schema with graphql-shield on every field: the authority whenever a request touches a denied field. */
export function shieldedSchema(schema: GraphQLSchema, policy: Policy): GraphQLSchema {
  const permissions = shield(shieldRules(policy, schema), {
    fallbackRule: rule("deny-by-default", { cache: "no_cache" })(
      () => new ForbiddenError("No policy grants this field."),
    ),
    // Errors our resolvers throw (NOT_FOUND, BAD_USER_INPUT, ...) pass through unchanged.
    allowExternalErrors: true,
    debug: false,
  });
  // Outermost first: who may reach the field, then the scope of a related row, then masking.
  return applyMiddleware(schema, permissions, scopeMiddleware(policy, schema), maskingMiddleware(policy, schema));
}

/**
 * True when the policy grants `role` every field the document names. Conservative: an unknown
 * field, introspection beyond __typename, or anything it cannot place counts as not granted.
 */
export function documentFullyGranted(
  policy: Policy,
  schema: GraphQLSchema,
  document: DocumentNode,
  role: string,
): boolean {
  const rolePolicy = policy.role(role);
  if (!rolePolicy) return false;
  const typeInfo = new TypeInfo(schema);
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  let granted = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const name = node.name.value;
        if (name === "__typename") return;
        const parent = typeInfo.getParentType();
        if (!parent || !typeInfo.getFieldDef() || name.startsWith("__")) granted = false;
        else if (parent === query) granted &&= rolePolicy.queries.has(name);
        else if (parent === mutation) granted &&= rolePolicy.mutations.has(name);
        else if (!isStructuralType(parent.name)) granted &&= rolePolicy.fields.has(`${parent.name}.${name}`);
        return granted ? undefined : BREAK;
      },
    }),
  );
  return granted;
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
export function policyLayer(schema: GraphQLSchema, policy: Policy): { schema: GraphQLSchema; plugin: Plugin } {
  const shielded = shieldedSchema(schema, policy);
  const granted = applyMiddleware(schema, scopeMiddleware(policy, schema), maskingMiddleware(policy, schema));
  // Yoga reuses the parsed document of a repeated query string, so the check runs once per (document, role).
  const decisions = new WeakMap<DocumentNode, Map<string, boolean>>();
  const plugin: Plugin = {
    onExecute({ args }) {
      const role = (args.contextValue as unknown as Context).principal.role;
      let byRole = decisions.get(args.document);
      if (!byRole) {
        byRole = new Map();
        decisions.set(args.document, byRole);
      }
      let ok = byRole.get(role);
      if (ok === undefined) {
        ok = documentFullyGranted(policy, shielded, args.document, role);
        byRole.set(role, ok);
      }
      (args as { schema: GraphQLSchema }).schema = ok ? granted : shielded;
    },
  };
  return { schema: shielded, plugin };
}
