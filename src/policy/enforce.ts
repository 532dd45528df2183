// Turns the compiled policy into the schema the gateway executes: graphql-shield decides who may
// reach each field (deny by default), masking rewrites sensitive values on the way out, and rows
// reached through a to-one relation are checked against the caller's scope.
import {
  BREAK,
  type DocumentNode,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";
import type { IMiddlewareFunction } from "graphql-middleware";
import type { IRules } from "graphql-shield";
import type { Context } from "../context.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import { isModelName, type RowOf, rowRulesOf } from "../models.ts";
import type { Policy } from "./policy.ts";
import { relatedRowVisible } from "./scope.ts";
import { allow, rule } from "./shield.ts";
import { isStructuralType, policyTypes } from "./types.ts";

function rolesWith(policy: Policy, test: (role: string) => boolean): Set<string> {
  return new Set([...policy.roles.keys()].filter(test));
}

/**
 * One shield rule per field, answered from a precomputed set of roles: a Set lookup per field,
 * no caching needed. Root query fields that are denied answer NOT_FOUND, so that `citizen(id)`
 * reveals nothing about what exists; other denied fields answer FORBIDDEN at their path.
 */
/** Called when shield refuses a mutation, before the refusal is answered (the audit layer records it). */
export type MutationDenied = (
  ctx: Context,
  info: GraphQLResolveInfo,
  field: string,
  target: { entityType: string; entityId: string | null },
  error: ForbiddenError,
) => Promise<void>;

export function shieldRules(policy: Policy, schema: GraphQLSchema, onMutationDenied: MutationDenied): IRules {
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
        await onMutationDenied(ctx, info, field, target, error);
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
  // IRules is a recursive union of rule maps that a map built type by type cannot be declared as.
  return rules as unknown as IRules;
}

/** Wraps to-one relation fields that lead to a scoped type (taxRecord.citizen, permit.agency). */
export function scopeMiddleware(schema: GraphQLSchema) {
  const map: Record<string, Record<string, IMiddlewareFunction>> = {};
  for (const [typeName] of policyTypes(schema)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const target = getNamedType(field.type).name;
      const unwrapped = isNonNullType(field.type) ? field.type.ofType : field.type;
      // Only models that some row rule can narrow need the check (`all` is their only rule otherwise).
      if (!isModelName(target) || rowRulesOf(target).length === 1 || isListType(unwrapped)) continue;
      map[typeName] ??= {};
      map[typeName][field.name] = async (resolve, parent, args, ctx: Context, info) => {
        const row = await resolve(parent, args, ctx, info);
        if (row && !(await relatedRowVisible(ctx, target, row as RowOf<typeof target>))) {
          throw new ForbiddenError(`This ${target} is outside the rows your role may see.`);
        }
        return row;
      };
    }
  }
  return map;
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
