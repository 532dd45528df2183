// The size of one request's operation, judged with the request's own variables (and their defaults)
// before anything executes: depth, aliases, rows and cost. Each fragment is measured once per request
// and its measure reused wherever it is spread, scaled by the page sizes above that place, so the
// walk is linear in the document's size however the fragments are combined (a walk that re-enters
// every spread takes time exponential in the number of fragment levels).
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromASTUntyped,
} from "graphql";
import { PAGE_SIZE } from "./limits.ts";

export interface Measure {
  /** Deepest nesting of fields (a leaf field is one level). */
  depth: number;
  /** Aliased fields, a fragment's counted at each place it is spread. */
  aliases: number;
  /** Rows the database may return: each paged list's page size times the page sizes above it. */
  rows: number;
  /** Fields resolved: each field once for every time it resolves (introspection fields INTROSPECTION_FIELD_COST). */
  cost: number;
  /** The part of `cost` that is introspection (the policy shield does not wrap introspection). */
  introspection: number;
}

/**
 * What an introspection field costs: introspection resolves from the schema in memory, about ten
 * times cheaper than a field read from the database (measured: the standard introspection query
 * takes ~35 CPU-ms and would count ~48,000 fields; see bench/limits.ts).
 */
export const INTROSPECTION_FIELD_COST = 0.1;

/** Large enough to refuse anything, small enough that arithmetic on it never becomes Infinity or NaN. */
const CEILING = Number.MAX_SAFE_INTEGER;
const add = (a: number, b: number) => Math.min(a + b, CEILING);
const times = (a: number, b: number) => (a === 0 || b === 0 ? 0 : Math.min(a * b, CEILING));

/** Fields of the introspection types that return lists, with how many items they hold on average. */
export type IntrospectionSizes = ReadonlyMap<string, number>;

/**
 * How many items each introspection list holds in this schema: `__Schema.types` all of them, and
 * the lists of one type or field their average over all types or fields (`types { fields }` is
 * then exactly the schema's field count). graphql-js's own validation refuses introspection lists
 * nested three deep (MaxIntrospectionDepthRule), so averages do not hide an explosion.
 */
export function introspectionSizes(schema: GraphQLSchema): IntrospectionSizes {
  const types = Object.values(schema.getTypeMap());
  const fields = types.flatMap((t) => (isObjectType(t) || isInterfaceType(t) ? Object.values(t.getFields()) : []));
  const directives = schema.getDirectives();
  const perType = (count: (t: GraphQLNamedType) => number) =>
    Math.max(1, Math.ceil(types.reduce((sum, t) => sum + count(t), 0) / Math.max(1, types.length)));
  return new Map([
    ["__Schema.types", types.length],
    ["__Schema.directives", directives.length],
    ["__Type.fields", perType((t) => (isObjectType(t) || isInterfaceType(t) ? Object.keys(t.getFields()).length : 0))],
    ["__Type.inputFields", perType((t) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0))],
    ["__Type.enumValues", perType((t) => (isEnumType(t) ? t.getValues().length : 0))],
    ["__Type.interfaces", perType((t) => (isObjectType(t) || isInterfaceType(t) ? t.getInterfaces().length : 0))],
    ["__Type.possibleTypes", perType((t) => (isAbstractType(t) ? schema.getPossibleTypes(t).length : 0))],
    [
      "__Field.args",
      Math.max(1, Math.ceil(fields.reduce((sum, f) => sum + f.args.length, 0) / Math.max(1, fields.length))),
    ],
    ["__Directive.args", Math.max(1, ...directives.map((d) => d.args.length))],
    ["__Directive.locations", Math.max(1, ...directives.map((d) => d.locations.length))],
  ]);
}

interface Walk {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** The operation's variables: the request's values, else the defaults the operation declares. */
  variables: Record<string, unknown>;
  introspection: IntrospectionSizes;
  /** Each fragment's measure at multiplier 1, once computed; `null` while it is being computed. */
  memo: Map<string, Measure | null>;
}

/** A fragment that spreads itself (graphql-js validation refuses these first; this walk refuses them too). */
export class FragmentCycleError extends Error {
  override name = "FragmentCycleError";
}

/**
 * Measures the operation that will execute, with this request's variables. With `"least"` instead
 * of variables, every page size given by a variable counts as 0: the least any request with this
 * document can measure, which lets a document too large for any variables be refused before it is
 * even validated.
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | null | undefined | "least",
  introspection: IntrospectionSizes,
): Measure {
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const given = variables === "least" ? 0 : variables?.[name];
    values[name] =
      given !== undefined ? given : definition.defaultValue ? valueFromASTUntyped(definition.defaultValue) : undefined;
  }
  const root =
    operation.operation === "mutation"
      ? schema.getMutationType()
      : operation.operation === "subscription"
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  const walk: Walk = { schema, fragments, variables: values, introspection, memo: new Map() };
  return selectionSet(walk, operation.selectionSet, root ?? undefined);
}

function selectionSet(walk: Walk, set: SelectionSetNode, parent: GraphQLNamedType | undefined): Measure {
  const m: Measure = { depth: 0, aliases: 0, rows: 0, cost: 0, introspection: 0 };
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const def = fieldDef(walk.schema, parent, selection.name.value);
      if (selection.alias) m.aliases = add(m.aliases, 1);
      if (parent && isIntrospectionType(parent)) {
        m.cost = add(m.cost, INTROSPECTION_FIELD_COST);
        m.introspection = add(m.introspection, INTROSPECTION_FIELD_COST);
      } else m.cost = add(m.cost, 1);
      const size = listSize(walk, selection, def, parent);
      if (size.paged) m.rows = add(m.rows, size.items);
      if (!selection.selectionSet) {
        m.depth = Math.max(m.depth, 1);
        continue;
      }
      const inner = selectionSet(walk, selection.selectionSet, def ? getNamedType(def.type) : undefined);
      // Introspection's own nesting (the standard query is 15 deep) is bounded by graphql-js's
      // MaxIntrospectionDepthRule and the schema; its size still counts below.
      const introspection = def === SchemaMetaFieldDef || def === TypeMetaFieldDef;
      m.depth = Math.max(m.depth, introspection ? 1 : 1 + inner.depth);
      m.aliases = add(m.aliases, inner.aliases);
      m.rows = add(m.rows, times(size.items, inner.rows));
      m.cost = add(m.cost, times(size.items, inner.cost));
      m.introspection = add(m.introspection, times(size.items, inner.introspection));
    } else {
      const inner =
        selection.kind === Kind.INLINE_FRAGMENT
          ? selectionSet(
              walk,
              selection.selectionSet,
              selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent,
            )
          : fragment(walk, selection.name.value);
      m.depth = Math.max(m.depth, inner.depth);
      m.aliases = add(m.aliases, inner.aliases);
      m.rows = add(m.rows, inner.rows);
      m.cost = add(m.cost, inner.cost);
      m.introspection = add(m.introspection, inner.introspection);
    }
  }
  return m;
}

/** A fragment's measure, computed on first use and reused: this is what keeps the walk linear. */
function fragment(walk: Walk, name: string): Measure {
  const known = walk.memo.get(name);
  if (known) return known;
  if (known === null) throw new FragmentCycleError(`Fragment "${name}" spreads itself.`);
  const definition = walk.fragments.get(name);
  if (!definition) return { depth: 0, aliases: 0, rows: 0, cost: 0, introspection: 0 }; // unknown: validation refuses it
  walk.memo.set(name, null);
  const m = selectionSet(walk, definition.selectionSet, walk.schema.getType(definition.typeCondition.name.value));
  walk.memo.set(name, m);
  return m;
}

function fieldDef(
  schema: GraphQLSchema,
  parent: GraphQLNamedType | undefined,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === "__typename") return TypeNameMetaFieldDef;
  if (parent && parent === schema.getQueryType()) {
    if (name === "__schema") return SchemaMetaFieldDef;
    if (name === "__type") return TypeMetaFieldDef;
  }
  return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
}

/**
 * How many times the field's selections resolve per resolution of the field itself. A paged field
 * (one with `first`/`last`: a connection or a capped list) holds its page size: the argument, a
 * variable, the variable's default or the argument's default, else PAGE_SIZE.default, never more
 * than PAGE_SIZE.max (a larger value is refused by the resolver itself). A connection's `edges`
 * then adds nothing more. An unpaged list holds what the schema says for introspection lists, and
 * PAGE_SIZE.max for anything else.
 */
function listSize(
  walk: Walk,
  node: FieldNode,
  def: GraphQLField<unknown, unknown> | undefined,
  parent: GraphQLNamedType | undefined,
): { items: number; paged: boolean } {
  if (!def) return { items: 1, paged: false };
  const pageArgs = def.args.filter((a) => a.name === "first" || a.name === "last");
  if (pageArgs.length > 0) {
    let page: number | undefined;
    for (const arg of pageArgs) {
      const value = argumentValue(walk, node, arg.name, arg.defaultValue);
      if (typeof value === "number" && Number.isFinite(value)) page = Math.max(page ?? 0, value);
    }
    const items = Math.min(Math.max(page ?? PAGE_SIZE.default, 0), PAGE_SIZE.max);
    return { items, paged: true };
  }
  if (!isListType(getNullableType(def.type))) return { items: 1, paged: false };
  if (parent && isConnection(parent) && def.name === "edges") return { items: 1, paged: false };
  return { items: walk.introspection.get(`${parent?.name}.${def.name}`) ?? PAGE_SIZE.max, paged: false };
}

function isConnection(type: GraphQLNamedType): boolean {
  return isObjectType(type) && "edges" in type.getFields() && "pageInfo" in type.getFields();
}

function argumentValue(walk: Walk, node: FieldNode, name: string, schemaDefault: unknown): unknown {
  const arg = node.arguments?.find((a) => a.name.value === name);
  if (!arg) return schemaDefault;
  if (arg.value.kind === Kind.VARIABLE) {
    const value = walk.variables[arg.value.name.value];
    return value === undefined ? schemaDefault : value;
  }
  if (arg.value.kind === Kind.INT) return Number(arg.value.value);
  return undefined;
}
