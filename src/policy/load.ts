// Reads policies/ and checks it against the built schema. Anything unknown, misspelt or missing stops
// start-up with the file, line and problem, because a policy that silently ignores a typo is a policy
// that grants or denies something nobody decided.
import fs from "node:fs";
import path from "node:path";
import { type GraphQLOutputType, type GraphQLSchema, getNamedType, isObjectType } from "graphql";
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { MASKER_INFO, type MaskerInfo, type MaskerName } from "../masking/maskers.ts";
import { isModelName, type RowRule, rowRulesOf } from "../models.ts";
import { type FieldAccess, Policy, type RolePolicy } from "./policy.ts";
import { MASKABLE, rebuildMessage, rebuilds } from "./rebuild.ts";
import { policyTypes } from "./types.ts";

/** The roles SPEC.md names; a policy file for another role, or a missing one, is an error. */
export const ROLES = [
  "front_office",
  "registry_officer",
  "tax_officer",
  "social_officer",
  "licensing_officer",
  "finance_officer",
  "archivist",
  "auditor",
  "admin",
  "agency_app",
] as const;

export class PolicyError extends Error {
  override name = "PolicyError";
  constructor(readonly problems: string[]) {
    super(
      `Policy check failed (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

interface Source {
  file: string;
  lines: LineCounter;
}

function where(src: Source, node: Node | null | undefined): string {
  const offset = node?.range?.[0];
  if (offset === undefined) return src.file;
  const { line, col } = src.lines.linePos(offset);
  return `${src.file}:${line}:${col}`;
}

function readYaml(file: string, rel: string, problems: string[]) {
  const lines = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, "utf8"), { lineCounter: lines, uniqueKeys: true });
  const src = { file: rel, lines };
  for (const error of doc.errors) {
    const { line, col } = lines.linePos(error.pos[0]);
    problems.push(`${rel}:${line}:${col}: YAML syntax: ${error.message.split("\n")[0]}`);
  }
  return { doc, src };
}

/** A map node's entries as [key, value node]; reports a non-map. */
function entries(src: Source, node: unknown, what: string, problems: string[]): Array<[string, Node | null, Node]> {
  if (node === null || node === undefined) return [];
  if (!isMap(node)) {
    problems.push(`${where(src, node as Node)}: ${what} must be a mapping`);
    return [];
  }
  return node.items.map((pair) => [
    String((pair.key as { value?: unknown })?.value ?? pair.key),
    pair.value as Node | null,
    pair.key as Node,
  ]);
}

function list(src: Source, node: Node | null | undefined, what: string, problems: string[]): Array<[string, Node]> {
  if (node === null || node === undefined) return [];
  if (!isSeq(node)) {
    problems.push(`${where(src, node)}: ${what} must be a list, e.g. [a, b]`);
    return [];
  }
  return node.items.map((item) => [String((item as { value?: unknown }).value), item as Node]);
}

/** The stored type a root field returns: the node type of a connection, or the type itself. */
function rowTypeOf(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  if (isObjectType(named) && named.name.endsWith("Connection")) {
    const edge = named.getFields().edges;
    const node = edge ? getNamedType(edge.type) : undefined;
    if (node && isObjectType(node)) return getNamedType(node.getFields().node?.type ?? node).name;
  }
  return named.name;
}

export interface LoadOptions {
  /**
   * The masker catalogue policies may name (default: the real one). Tests pass a catalogue with a
   * masker that shows too much, to prove the loader judges masks by what they show, not by name.
   */
  maskers?: Readonly<Record<string, MaskerInfo>>;
}

/** The named type of `Type.field` in the schema. */
function maskedTypeOf(schema: GraphQLSchema, type: string, field: string): string | undefined {
  const t = schema.getType(type);
  const f = t && isObjectType(t) ? t.getFields()[field] : undefined;
  return f ? getNamedType(f.type).name : undefined;
}

export function loadPolicy(dir: string, schema: GraphQLSchema, options: LoadOptions = {}): Policy {
  const maskers: Readonly<Record<string, MaskerInfo>> = options.maskers ?? MASKER_INFO;
  const problems: string[] = [];
  const types = policyTypes(schema);
  const queryFields = new Set(Object.keys(schema.getQueryType()?.getFields() ?? {}));
  const mutationFields = new Set(Object.keys(schema.getMutationType()?.getFields() ?? {}));
  const roles = new Map<string, RolePolicy>();
  const rolesDir = path.join(dir, "roles");
  if (!fs.existsSync(rolesDir)) throw new PolicyError([`${rolesDir}: directory not found`]);
  const files = fs
    .readdirSync(rolesDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();

  for (const name of files) {
    const rel = path.join(path.basename(dir), "roles", name);
    const { doc, src } = readYaml(path.join(rolesDir, name), rel, problems);
    if (doc.errors.length) continue;
    const root = doc.contents;
    const top = new Map(entries(src, root, "a role file", problems).map(([k, v, key]) => [k, { v, key }]));
    for (const [key, { key: keyNode }] of top) {
      if (!["role", "description", "rows", "queries", "read", "purposes", "mutations"].includes(key)) {
        problems.push(
          `${where(src, keyNode)}: unknown key "${key}" (expected role, description, rows, queries, read, purposes, mutations)`,
        );
      }
    }
    const roleName = String((top.get("role")?.v as { value?: unknown } | null)?.value ?? "");
    if (!(ROLES as readonly string[]).includes(roleName)) {
      problems.push(
        `${where(src, top.get("role")?.v ?? root)}: unknown role "${roleName}" (known: ${ROLES.join(", ")})`,
      );
      continue;
    }
    if (`${roleName}.yaml` !== name) problems.push(`${rel}: role "${roleName}" must be in roles/${roleName}.yaml`);
    if (roles.has(roleName)) problems.push(`${rel}: role "${roleName}" is defined twice`);
    const role: RolePolicy = {
      role: roleName,
      description: String((top.get("description")?.v as { value?: unknown } | null)?.value ?? ""),
      file: rel,
      rows: new Map(),
      queries: new Set(),
      mutations: new Set(),
      fields: new Map(),
      purposes: new Map(),
    };

    for (const [type, value, keyNode] of entries(src, top.get("rows")?.v, "rows", problems)) {
      const rule = String((value as { value?: unknown } | null)?.value);
      const allowed = isModelName(type) ? rowRulesOf(type) : undefined;
      if (!types.has(type) || !allowed) problems.push(`${where(src, keyNode)}: rows: unknown type "${type}"`);
      else if (!(allowed as readonly string[]).includes(rule)) {
        problems.push(
          `${where(src, value)}: rows: "${rule}" is not a row rule for ${type} (allowed: ${allowed.join(", ")})`,
        );
      } else role.rows.set(type, rule as RowRule);
    }
    for (const [field, node] of list(src, top.get("queries")?.v, "queries", problems)) {
      if (!queryFields.has(field)) problems.push(`${where(src, node)}: queries: unknown query "${field}"`);
      role.queries.add(field);
    }
    for (const [field, node] of list(src, top.get("mutations")?.v, "mutations", problems)) {
      if (!mutationFields.has(field)) problems.push(`${where(src, node)}: mutations: unknown mutation "${field}"`);
      role.mutations.add(field);
    }
    for (const [type, value, keyNode] of entries(src, top.get("read")?.v, "read", problems)) {
      const fields = types.get(type);
      if (!fields) {
        problems.push(`${where(src, keyNode)}: read: unknown type "${type}"`);
        continue;
      }
      // Result types of mutations and merged views are not stored rows: only stored types need a row rule.
      if (isModelName(type) && !role.rows.has(type))
        problems.push(
          `${where(src, keyNode)}: read: ${type} is readable but rows: says nothing about which ${type} rows`,
        );
      const grant = (field: string, node: Node, access: FieldAccess) => {
        if (!fields.has(field)) problems.push(`${where(src, node)}: read: ${type} has no field "${field}"`);
        else if (role.fields.has(`${type}.${field}`))
          problems.push(`${where(src, node)}: read: ${type}.${field} is listed twice`);
        else role.fields.set(`${type}.${field}`, access);
      };
      for (const [sub, subValue, subKey] of entries(src, value, `read.${type}`, problems)) {
        if (sub === "clear") {
          for (const [field, node] of list(src, subValue, `read.${type}.clear`, problems))
            grant(field, node, { kind: "clear" });
        } else if (sub === "masked") {
          for (const [field, maskerNode, fieldNode] of entries(src, subValue, `read.${type}.masked`, problems)) {
            const masker = String((maskerNode as { value?: unknown } | null)?.value);
            const info = Object.hasOwn(maskers, masker) ? maskers[masker] : undefined;
            const fieldType = fields.has(field) ? maskedTypeOf(schema, type, field) : undefined;
            if (!info) {
              problems.push(
                `${where(src, maskerNode)}: unknown masker "${masker}" (known: ${Object.keys(maskers).join(", ")})`,
              );
            } else if (fields.has(field) && !MASKABLE[`${type}.${field}`]) {
              problems.push(
                `${where(src, fieldNode)}: read: ${type}.${field} cannot be masked: the gateway does not know what it is made of, so it cannot judge a mask of it (maskable: ${Object.keys(MASKABLE).join(", ")})`,
              );
            } else if (fieldType && fieldType !== info.scalar) {
              // A masked value must travel in a type that says it may be masked (a "1990-**-**" is not a Date).
              problems.push(
                `${where(src, maskerNode)}: masker "${masker}" returns a ${info.scalar}, but ${type}.${field} is a ${fieldType}`,
              );
            } else grant(field, fieldNode, { kind: "masked", masker: masker as MaskerName });
          }
        } else problems.push(`${where(src, subKey)}: read.${type}: unknown key "${sub}" (expected clear, masked)`);
      }
    }
    for (const [purpose, value, keyNode] of entries(src, top.get("purposes")?.v, "purposes", problems)) {
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(purpose))
        problems.push(`${where(src, keyNode)}: purpose "${purpose}" must be lowercase words joined by -`);
      const unlocked = new Set<string>();
      for (const [ref, node] of list(src, value, `purposes.${purpose}`, problems)) {
        if (role.fields.get(ref)?.kind !== "masked") {
          problems.push(
            `${where(src, node)}: purposes.${purpose}: ${ref} is not a field this role sees masked, so there is nothing to unlock`,
          );
        }
        unlocked.add(ref);
      }
      role.purposes.set(purpose, unlocked);
    }
    for (const query of role.queries) {
      const field = schema.getQueryType()?.getFields()[query];
      const type = field ? rowTypeOf(field.type) : undefined;
      if (type && isModelName(type) && !role.rows.has(type)) {
        problems.push(`${rel}: queries: ${query} returns ${type} but rows: says nothing about which ${type} rows`);
      }
    }
    for (const rebuilt of rebuilds(role.fields, maskers)) problems.push(`${rel}: ${rebuildMessage(roleName, rebuilt)}`);
    roles.set(roleName, role);
  }

  for (const roleName of ROLES) {
    if (!roles.has(roleName) && !problems.some((p) => p.includes(`${roleName}.yaml`))) {
      problems.push(
        `${path.basename(dir)}/roles/${roleName}.yaml: missing (every role needs a policy file, even one that grants nothing)`,
      );
    }
  }

  const unreachable = new Set<string>();
  const unreachableFile = path.join(dir, "unreachable.yaml");
  if (fs.existsSync(unreachableFile)) {
    const rel = path.join(path.basename(dir), "unreachable.yaml");
    const { doc, src } = readYaml(unreachableFile, rel, problems);
    const node = isMap(doc.contents) ? (doc.contents.get("unreachable", true) as Node | undefined) : undefined;
    for (const [ref, refNode] of list(src, node, "unreachable", problems)) {
      const [type, field] = ref.split(".");
      if (!type || !field || !types.get(type)?.has(field))
        problems.push(`${where(src, refNode)}: unknown field "${ref}" (write Type.field)`);
      unreachable.add(ref);
    }
  }

  // Coverage: every field and root field has been decided on by someone.
  const named = new Set<string>();
  for (const role of roles.values()) {
    for (const ref of role.fields.keys()) named.add(ref);
    for (const q of role.queries) named.add(`Query.${q}`);
    for (const m of role.mutations) named.add(`Mutation.${m}`);
  }
  for (const [type, fields] of types) {
    for (const field of fields) {
      const ref = `${type}.${field}`;
      if (!named.has(ref) && !unreachable.has(ref)) {
        problems.push(
          `${ref}: no policy names this field; grant it to a role in policies/roles/ or list it in policies/unreachable.yaml`,
        );
      }
    }
  }
  for (const q of queryFields)
    if (!named.has(`Query.${q}`))
      problems.push(`Query.${q}: no role may call this query; name it under queries: of a role`);
  for (const m of mutationFields)
    if (!named.has(`Mutation.${m}`))
      problems.push(`Mutation.${m}: no role may call this mutation; name it under mutations: of a role`);

  if (problems.length) throw new PolicyError(problems);
  return new Policy(roles, unreachable);
}
