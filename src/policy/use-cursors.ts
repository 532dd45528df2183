// Sealed cursors on every connection of the schema (see cursor.ts): cursors are sealed on the way out
// (the edge's `cursor`, the page's start and end), and every `after`/`before` a request sends is
// opened before execution. One that was not issued for this list, ordering and caller, or whose row
// the caller no longer sees, is BAD_USER_INPUT and nothing runs. What the connection itself receives
// is its own cursor again: the document is rewritten with it, because the Prisma plugin reads the
// arguments of nested lists from the document when it plans the parent's query.
import {
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  visit,
} from "graphql";
import type { IMiddlewareFunction } from "graphql-middleware";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.ts";
import { checkText, textMax } from "../domain/text.ts";
import { BadUserInputError } from "../errors.ts";
import { isModelName, type ModelName, modelEntry, type WhereOf } from "../models.ts";
import { type CursorBinding, openCursor, sealCursor } from "./cursor.ts";
import { scoped } from "./scope.ts";

/** A connection field of the schema: its name as cursors are bound to it, and the model of its rows. */
interface Connection {
  /** `Query.citizens`, `Citizen.taxRecords`. */
  list: string;
  model: ModelName;
  connectionType: string;
  edgeType: string;
}

/**
 * Every connection field (an object whose type has `edges` and `pageInfo`, with an `after` argument).
 * Each connection type must belong to one field, since a cursor is sealed from its connection type.
 */
export function connectionsOf(schema: GraphQLSchema): Map<string, Connection> {
  const byField = new Map<string, Connection>();
  const byType = new Map<string, string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const connection = getNamedType(field.type);
      if (!isObjectType(connection) || !field.args.some((a) => a.name === "after")) continue;
      const { edges, pageInfo } = connection.getFields();
      const edge = edges && getNamedType(edges.type);
      if (!pageInfo || !edge || !isObjectType(edge)) continue;
      const node = edge.getFields().node;
      const model = node ? getNamedType(node.type).name : "";
      const list = `${type.name}.${field.name}`;
      if (!isModelName(model)) throw new Error(`${list}: the rows of this connection are no model (${model})`);
      const owner = byType.get(connection.name);
      if (owner) throw new Error(`${list} and ${owner} share ${connection.name}: cursors could not tell them apart`);
      byType.set(connection.name, list);
      byField.set(list, { list, model, connectionType: connection.name, edgeType: edge.name });
    }
  }
  return byField;
}

const keyColumn = (model: ModelName) => modelEntry(model).key ?? "id";

/** An edge as the Prisma plugin builds it: the row, the plugin's own cursor, and the connection's arguments. */
interface Edge {
  cursor: string;
  node: Record<string, unknown>;
  connection?: { args?: { orderBy?: unknown } };
}

/** Seals the cursors of every connection on the way out. */
export function cursorMiddleware(schema: GraphQLSchema, key: string) {
  const map: Record<string, Record<string, IMiddlewareFunction>> = {};
  for (const c of connectionsOf(schema).values()) {
    const seal = (ctx: Context, orderBy: unknown, edge: Edge | null | undefined): string | null => {
      if (!edge) return null;
      const binding: CursorBinding = { list: c.list, orderBy, principal: ctx.principal };
      return sealCursor(key, binding, { inner: edge.cursor, key: String(edge.node[keyColumn(c.model)]) });
    };
    map[c.edgeType] = {
      cursor: async (resolve, parent: Edge, args, ctx: Context, info) => {
        await resolve(parent, args, ctx, info);
        return seal(ctx, parent.connection?.args?.orderBy, parent);
      },
    };
    map[c.connectionType] = {
      pageInfo: async (resolve, parent: { args?: { orderBy?: unknown }; edges: Edge[] }, args, ctx: Context, info) => {
        const page = (await resolve(parent, args, ctx, info)) as Record<string, unknown>;
        const orderBy = parent.args?.orderBy;
        return {
          ...page,
          startCursor: seal(ctx, orderBy, parent.edges[0]),
          endCursor: seal(ctx, orderBy, parent.edges.at(-1)),
        };
      },
    };
  }
  return map;
}

function badCursor(argument: string): BadUserInputError {
  return new BadUserInputError(
    `"${argument}" is not a cursor of this list for you: a cursor is valid only for the list, ordering and caller it was issued to, while its row stays visible to you. Page again from the start.`,
    { field: argument, rule: "cursor" },
  );
}

/** Whether the caller still sees the row a cursor points at (its key, under the caller's row scope). */
async function rowVisible(ctx: Context, model: ModelName, key: string): Promise<boolean> {
  const column = keyColumn(model);
  if (column === "seq" && !/^\d{1,19}$/.test(key)) return false;
  const where = scoped(ctx, model, { [column]: column === "seq" ? BigInt(key) : key } as WhereOf<typeof model>);
  const row = await modelEntry(model)
    .delegate(ctx.db)
    .findFirst({ where, select: { [column]: true } } as { where: WhereOf<typeof model> });
  return row !== null;
}

interface CursorUse {
  node: ArgumentNode;
  argument: string;
  cursor: string;
  connection: Connection;
  orderBy: unknown;
}

/** Every `after`/`before` value the executed operation passes to a connection. */
function cursorUses(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | undefined,
  connections: Map<string, Connection>,
): CursorUse[] {
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return [];
  const { coerced } = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  // Variables that do not coerce fail execution with their own error; there is nothing to open.
  if (!coerced) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const uses: CursorUse[] = [];
  const spread = new Set<string>();
  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : null;
        if (!def) continue;
        const connection = connections.get(`${parent.name}.${def.name}`);
        if (connection) {
          const values = getArgumentValues(def, selection, coerced);
          for (const argument of ["after", "before"]) {
            const cursor = values[argument];
            const node = selection.arguments?.find((a) => a.name.value === argument);
            if (typeof cursor === "string" && node) {
              uses.push({ node, argument, cursor, connection, orderBy: values.orderBy });
            }
          }
        }
        const named = getNamedType(def.type);
        if (selection.selectionSet && isCompositeType(named)) walk(selection.selectionSet, named);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) walk(selection.selectionSet, type);
      } else if (!spread.has(selection.name.value)) {
        // A fragment's argument nodes are the same wherever it is spread: opened once.
        spread.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && type && isCompositeType(type)) walk(fragment.selectionSet, type);
      }
    }
  };
  walk(operation.selectionSet, root);
  return uses;
}

/** Opens every cursor a request sends before execution (see the top of this file). */
export function useCursors(schema: GraphQLSchema, key: string): Plugin<Context> {
  const connections = connectionsOf(schema);
  // Most documents never page: those are recognised once per parsed document (Yoga reuses it).
  const pages = new WeakMap<DocumentNode, boolean>();
  const mayPage = (document: DocumentNode) => {
    let found = pages.get(document);
    if (found === undefined) {
      found = false;
      visit(document, {
        Argument(node) {
          if (node.name.value === "after" || node.name.value === "before") found = true;
        },
      });
      pages.set(document, found);
    }
    return found;
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      if (!mayPage(args.document)) return;
      const ctx = args.contextValue;
      const uses = cursorUses(
        schema,
        args.document,
        args.operationName,
        args.variableValues as Record<string, unknown> | undefined,
        connections,
      );
      if (uses.length === 0) return;
      const inner = new Map<ArgumentNode, string>();
      for (const use of uses) {
        try {
          // The text check every argument gets (a NUL byte is control_character, not a bad cursor).
          checkText(use.argument, use.cursor, textMax(use.argument));
        } catch (error) {
          setResultAndStopExecution({ errors: [error as BadUserInputError] });
          return;
        }
        const binding = { list: use.connection.list, orderBy: use.orderBy, principal: ctx.principal };
        const content = openCursor(key, binding, use.cursor);
        if (!content || !(await rowVisible(ctx, use.connection.model, content.key))) {
          setResultAndStopExecution({ errors: [badCursor(use.argument)] });
          return;
        }
        inner.set(use.node, content.inner);
      }
      (args as { document: DocumentNode }).document = visit(args.document, {
        Argument(node) {
          const value = inner.get(node);
          return value === undefined ? undefined : { ...node, value: { kind: Kind.STRING, value } };
        },
      });
    },
  };
}
