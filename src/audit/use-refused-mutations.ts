// A mutation refused before any resolver ran is an attempt like any other, and the trail must show
// it: a variable that cannot be coerced ("1e5" as an amount, a size beyond 64 bits, a wrong enum
// value) or a document that fails validation (an unknown argument, a literal of the wrong type).
// Resolvers audit themselves (audited(), and the policy's refusals in server/use-policy.ts); this
// plugin writes the entries of the attempts that never reached one, outcome INVALID, one per
// mutation the chosen operation names. Requests without a valid token never get here (401).
import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.ts";
import { withInputPath } from "../errors.ts";
import { type AuditedMutation, isMutationName, UNKNOWN_MUTATION } from "./events.ts";
import { recordRefusal } from "./transaction.ts";

/** What a refused document attempted: its operation's name and one entry per mutation it names. */
interface Attempt {
  operation: string | null;
  entries: Array<{ mutation: AuditedMutation; entityType: string | null }>;
}

/**
 * The mutations the chosen operation names at its root (through fragments, each once); undefined
 * when the chosen operation is no mutation. Names that are no mutation of the schema collapse into
 * one UNKNOWN_MUTATION entry, so a document naming a field a thousand times costs one entry.
 */
export function attemptedMutations(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): Attempt | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== "mutation") return undefined;
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  const names = new Set<string>();
  const spread = new Set<string>();
  const visit = (set: SelectionSetNode): void => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet);
      else if (!spread.has(s.name.value)) {
        spread.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) visit(fragment);
      }
    }
  };
  visit(operation.selectionSet);
  const fields = schema.getMutationType()?.getFields() ?? {};
  const entries: Attempt["entries"] = [];
  let unknown = false;
  for (const name of names) {
    if (name.startsWith("__")) continue; // __typename: no mutation, nothing attempted
    const field = isMutationName(name) ? fields[name] : undefined;
    if (field) entries.push({ mutation: name as AuditedMutation, entityType: getNamedType(field.type).name });
    else unknown = true;
  }
  if (unknown) entries.push({ mutation: UNKNOWN_MUTATION, entityType: null });
  return { operation: operation.name?.value ?? null, entries };
}

async function record(ctx: Context, attempt: Attempt, error: GraphQLError): Promise<void> {
  // The same code, field and rule the caller is answered with (server/errors.ts uses withInputPath too).
  const refusal = withInputPath(error);
  for (const { mutation, entityType } of attempt.entries)
    await recordRefusal(ctx, attempt.operation, mutation, "INVALID", { entityType }, refusal);
}

export function useRefusedMutations(): Plugin<Context> {
  let contextOf: ((initial: object) => Promise<unknown> | unknown) | undefined;
  // Keyed by the request's context object: Yoga hands the same one to validation and to the result.
  const refusedByValidation = new WeakMap<object, { attempt: Attempt; error: GraphQLError }>();
  return {
    onYogaInit({ yoga }) {
      // getEnveloped takes the request's own context object (any object); its type asks for an index
      // signature that Yoga's context interfaces do not declare.
      contextOf = (initial) => yoga.getEnveloped(initial as never).contextFactory();
    },
    onValidate({ params, context }) {
      return ({ valid, result }) => {
        const error = result[0];
        if (valid || !error) return;
        const operationName = (context as { params?: { operationName?: string | null } }).params?.operationName;
        const attempt = attemptedMutations(params.schema, params.documentAST, operationName);
        if (attempt?.entries.length) refusedByValidation.set(context, { attempt, error });
      };
    },
    // Yoga answers a validation failure without building the context (server/yoga.ts builds the
    // principal, request id, client address, … there), so the context is built here, only then.
    async onExecutionResult({ context }) {
      const refused = refusedByValidation.get(context);
      if (!refused || !contextOf) return;
      refusedByValidation.delete(context);
      let ctx: Context;
      try {
        ctx = (await contextOf(context)) as Context;
      } catch {
        return; // no principal: the request had no valid token, and such requests are not audited
      }
      await record(ctx, refused.attempt, refused.error);
    },
    onExecute() {
      return {
        // No data at all: execution stopped before any resolver ran (variables that cannot be
        // coerced, or a plugin that refused the request). A resolver that ran has audited itself.
        async onExecuteDone({ args, result }) {
          if (!("errors" in result) || result.data !== undefined) return;
          const error = result.errors?.[0];
          const attempt = error && attemptedMutations(args.schema, args.document, args.operationName);
          if (attempt?.entries.length) await record(args.contextValue, attempt, error);
        },
      };
    },
  };
}
