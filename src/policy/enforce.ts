// Turns the compiled policy into the schema the gateway executes: graphql-shield decides who may
// reach each field (deny by default), masking rewrites sensitive values on the way out, and rows
// reached through a to-one relation are checked against the caller's scope.
import { type GraphQLSchema, getNamedType, isListType, isNonNullType, isObjectType } from "graphql";
import { applyMiddleware, type IMiddlewareFunction } from "graphql-middleware";
import { allow, type IRules, rule, shield } from "graphql-shield";
import type { MutationName } from "../audit/events.ts";
import { recordRefusal } from "../audit/transaction.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import { maskingMiddleware } from "../masking/apply.ts";
import type { Context } from "../server/context.ts";
import type { Policy } from "./policy.ts";
import { rowInScope, TO_ONE_CHECKED_TYPES } from "./scope.ts";
import { isStructuralType, policyTypes } from "./types.ts";

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

export function enforcePolicy(schema: GraphQLSchema, policy: Policy): GraphQLSchema {
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
