// Refuses oversized documents before anything executes: too deep, too many aliases, or too many
// rows in total (each list's page size multiplied along its path). The limits are not exposed to
// clients beyond the message that names the limit broken.
import {
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";

/** Page sizes of every connection: a default that keeps responses small and a hard cap. */
export const PAGE_SIZE = { default: 50, max: 500 } as const;

/** Every limit, with its default: one place to read and to tune. */
export const LIMITS = {
  /** Nesting of selection sets (citizens → edges → node → taxRecords → edges → node → agency is 7). */
  maxDepth: 12,
  /** Aliased fields in one document: aliases multiply the work of one request. */
  maxAliases: 20,
  /** Upper bound of rows one document may ask for: page sizes multiplied along each path, summed. */
  maxRows: 50_000,
} as const;

export type Limits = { [K in keyof typeof LIMITS]: number };

function refuse(message: string, limit: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "QUERY_TOO_LARGE", limit, http: { status: 400 } } });
}

function intArg(field: FieldNode, name: string, variables: Record<string, unknown>): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  const value: ValueNode = arg.value;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === "number" ? v : undefined;
  }
  return undefined;
}

/** Depth, aliases and rows of a selection set, following fragments (each at most once per path). */
function measure(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  multiplier: number,
  seen: Set<string>,
): { depth: number; aliases: number; rows: number } {
  let depth = 0;
  let aliases = 0;
  let rows = 0;
  for (const selection of set.selections) {
    let inner: SelectionSetNode | undefined;
    let nextMultiplier = multiplier;
    let own = 0;
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) aliases++;
      // A connection's page size multiplies everything below it; a plain list counts as one page.
      const first = intArg(selection, "first", variables) ?? intArg(selection, "last", variables);
      const isList =
        first !== undefined ||
        selection.selectionSet?.selections.some((s) => s.kind === Kind.FIELD && s.name.value === "edges");
      if (isList) {
        nextMultiplier = multiplier * Math.max(1, first ?? PAGE_SIZE.default);
        rows += nextMultiplier;
      }
      inner = selection.selectionSet;
      own = 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = selection.selectionSet;
    } else {
      const name = selection.name.value;
      if (seen.has(name)) continue; // a fragment cycle is refused by standard validation anyway
      inner = fragments[name]?.selectionSet;
      seen = new Set([...seen, name]);
    }
    if (inner) {
      const m = measure(inner, fragments, variables, nextMultiplier, seen);
      depth = Math.max(depth, own + m.depth);
      aliases += m.aliases;
      rows += m.rows;
    } else depth = Math.max(depth, own);
  }
  return { depth, aliases, rows };
}

function limitsRule(limits: Limits, variables: Record<string, unknown>) {
  return (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
      for (const d of document.definitions) {
        if (d.kind !== Kind.OPERATION_DEFINITION) continue;
        const m = measure(d.selectionSet, fragments, variables, 1, new Set());
        if (m.depth > limits.maxDepth)
          context.reportError(
            refuse(`The query is nested ${m.depth} levels deep; the limit is ${limits.maxDepth}.`, "maxDepth"),
          );
        if (m.aliases > limits.maxAliases)
          context.reportError(
            refuse(`The query uses ${m.aliases} aliases; the limit is ${limits.maxAliases}.`, "maxAliases"),
          );
        if (m.rows > limits.maxRows) {
          context.reportError(
            refuse(
              `The query could return up to ${m.rows} rows; the limit is ${limits.maxRows}. Ask for smaller pages.`,
              "maxRows",
            ),
          );
        }
      }
      return false;
    },
  });
}

export function useLimits(options: Partial<Limits> = {}): Plugin {
  const limits: Limits = { ...LIMITS, ...options };
  return {
    onValidate({ addValidationRule, context }) {
      // Yoga puts the request's GraphQL params on the context: page sizes may come in variables.
      const variables = (context as { params?: { variables?: Record<string, unknown> } }).params?.variables ?? {};
      addValidationRule(limitsRule(limits, variables));
    },
  };
}
