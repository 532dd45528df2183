// Which parts of the schema the policy governs, and which row rules make sense for each type.
import { type GraphQLSchema, isObjectType } from "graphql";

/**
 * Row rules each domain type supports: `region` needs a path from the row to a region code, `agency`
 * a path to an agency. A type missing here cannot be read by any role (the loader refuses it).
 */
export const ROW_RULES_BY_TYPE: Record<string, readonly string[]> = {
  Region: ["all"],
  Agency: ["all", "region", "agency"],
  Citizen: ["all", "region"],
  TaxRecord: ["all", "region", "agency"],
  Permit: ["all", "region", "agency"],
  SocialAssistance: ["all", "region"],
  FinancialTransaction: ["all", "region", "agency"],
  ArchiveDocument: ["all", "region", "agency"],
  ServiceRecord: ["all", "region", "agency"],
  AuditEntry: ["all"],
  AccessEntry: ["all"],
};

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
