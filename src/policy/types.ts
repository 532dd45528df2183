// Which parts of the schema the policy governs. (Which row rules each stored type supports is the
// model registry's, src/models.ts.)
import { type GraphQLSchema, isObjectType } from "graphql";

/**
 * Relay plumbing (connections, edges, page info) carries no data of its own: what it wraps is governed
 * by the field that returns it and by the node type. Everything else is a policy type.
 */
export function isStructuralType(name: string): boolean {
  return name === "PageInfo" || /Connection$|Edge$/.test(name) || name.startsWith("__");
}

/** Object types the policy must cover, with their field names (Query and Mutation are handled apart). */
export function policyTypes(schema: GraphQLSchema): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isStructuralType(type.name)) continue;
    if (type === schema.getQueryType() || type === schema.getMutationType() || type === schema.getSubscriptionType())
      continue;
    out.set(type.name, new Set(Object.keys(type.getFields())));
  }
  return out;
}
