// Every limit of src/limits/limits.ts, each at the earliest step that can judge it:
//   body (while it streams in) → document and variables (before parsing) → tokens and directives
//   (while parsing) → depth, aliases, rows, cost (per request, with its variables, before execution)
//   → execution time → response size.
// The per-request measure runs in onExecute, not as a validation rule: Yoga caches validation by
// document string, which would judge a document once for all variables and let one caller's refusal
// stand for everyone's later requests. What Yoga may cache (parse results) is the same for every caller.
import {
  type DocumentNode,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  type ParseOptions,
  parse,
  type Source,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { QueryTooLargeError } from "../errors.ts";
import { LIMITS, type LimitName, type Limits } from "./limits.ts";
import {
  FragmentCycleError,
  type IntrospectionSizes,
  introspectionSizes,
  type Measure,
  measureOperation,
} from "./measure.ts";
import { documentNesting, jsonShape } from "./size.ts";

const refuse = (message: string, limit: LimitName, status = 400) => new QueryTooLargeError(message, limit, status);

/** The body, cut off with a 413 as soon as more than `max` bytes have streamed in. */
function capped(request: Request, max: number): Request {
  const body = request.body;
  if (!body) return request;
  let seen = 0;
  const limited = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > max) controller.error(refuse(`The request body is larger than ${max} bytes.`, "maxBodyBytes", 413));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: limited,
    signal: request.signal,
    // Required by the fetch API for a streamed request body.
    duplex: "half",
  } as RequestInit);
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/** graphql-js's parser with a token cap, then the checks that need the parsed document but no schema. */
function parseWithin(limits: Limits) {
  return (source: string | Source, options?: ParseOptions): DocumentNode => {
    let document: DocumentNode;
    try {
      document = parse(source, { ...options, maxTokens: limits.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError && /contains more th\w+ \d+ tokens/.test(error.message))
        throw refuse(`The document has more than ${limits.maxTokens} tokens.`, "maxTokens");
      throw error;
    }
    let directives = 0;
    const count = (node: { directives?: readonly unknown[] | undefined }) => {
      directives += node.directives?.length ?? 0;
    };
    // Iterative: the nesting is already capped, but a stack of our own costs nothing.
    const stack: Array<{
      kind: string;
      directives?: readonly unknown[];
      selectionSet?: { selections: readonly unknown[] };
    }> = [];
    for (const definition of document.definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION) {
        const length = definition.name?.value.length ?? 0;
        if (length > limits.maxOperationNameLength)
          throw refuse(
            `An operation name is ${length} characters long; the limit is ${limits.maxOperationNameLength}.`,
            "maxOperationNameLength",
          );
        for (const v of definition.variableDefinitions ?? []) count(v);
      }
      if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION)
        stack.push(definition);
    }
    while (stack.length > 0) {
      const node = stack.pop() as (typeof stack)[number];
      count(node);
      for (const child of node.selectionSet?.selections ?? []) stack.push(child as (typeof stack)[number]);
    }
    if (directives > limits.maxDirectives)
      throw refuse(
        `The document uses ${directives} directives; the limit is ${limits.maxDirectives}.`,
        "maxDirectives",
      );
    return document;
  };
}

/** Runs the execution with a deadline: past it the caller gets an error and the execution is aborted. */
function withDeadline(execute: (args: ExecutionArgs) => unknown, ms: number) {
  return async (args: ExecutionArgs) => {
    const operation = getOperationAST(args.document, args.operationName);
    if (operation?.operation === "mutation") return execute(args); // its transaction decides, not us
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    // Made only when needed: a GraphQLError captures a stack trace, too dear for every request.
    const timedOut = () => ({
      errors: [refuse(`The query ran longer than ${ms} ms and was stopped.`, "executionTimeoutMs", 503)],
    });
    try {
      // @graphql-tools/executor (Yoga's) stops resolving fields once the signal is aborted.
      const result = await execute({ ...args, signal: controller.signal } as ExecutionArgs);
      return controller.signal.aborted ? timedOut() : result;
    } catch (error) {
      if (controller.signal.aborted) return timedOut();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Replaces an answer whose JSON is longer than `max` bytes with an error, at the one serialization Yoga does. */
function capResponse(result: Record<string, unknown>, max: number): void {
  result.stringify = (value: unknown) => {
    const json = JSON.stringify(value);
    // JSON.stringify returns UTF-16 units; a unit is at most 3 bytes, so only long answers need counting.
    if (json.length * 3 <= max || Buffer.byteLength(json) <= max) return json;
    const error = refuse(`The answer is larger than ${max} bytes; ask for fewer rows or fields.`, "maxResponseBytes");
    return JSON.stringify({
      data: null,
      errors: [{ message: error.message, extensions: { code: error.extensions.code, limit: error.extensions.limit } }],
    });
  };
}

export interface LimitsHooks {
  /**
   * Whether the request's document names only what the caller may read. When it does not, every
   * field counts `deniedCostFactor` times (see LIMITS). Given by the policy layer; absent: always.
   */
  fullyGranted?: (args: ExecutionArgs) => boolean;
}

export function useLimits(options: Partial<Limits> = {}, hooks: LimitsHooks = {}): Plugin {
  const limits: Limits = { ...LIMITS, ...options };
  // One per schema, computed on first use.
  const sizes = new WeakMap<GraphQLSchema, IntrospectionSizes>();
  const sizesOf = (schema: GraphQLSchema) => {
    let known = sizes.get(schema);
    if (!known) {
      known = introspectionSizes(schema);
      sizes.set(schema, known);
    }
    return known;
  };

  /** The first limit the operation breaks, measured with these variables (or "least": the least any can). */
  function judge(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    variables: Record<string, unknown> | null | undefined | "least",
    granted: boolean,
  ): QueryTooLargeError | undefined {
    let m: Measure;
    try {
      m = measureOperation(schema, operation, fragments, variables, sizesOf(schema));
    } catch (error) {
      // Before validation, a cycle is validation's to report (with its standard message).
      if (error instanceof FragmentCycleError)
        return variables === "least" ? undefined : refuse(error.message, "maxDepth");
      throw error;
    }
    if (m.depth > limits.maxDepth)
      return refuse(`The query is nested ${m.depth} levels deep; the limit is ${limits.maxDepth}.`, "maxDepth");
    if (m.aliases > limits.maxAliases)
      return refuse(`The query uses ${m.aliases} aliases; the limit is ${limits.maxAliases}.`, "maxAliases");
    if (m.rows > limits.maxRows)
      return refuse(
        `The query could return up to ${m.rows} rows; the limit is ${limits.maxRows}. Ask for smaller pages.`,
        "maxRows",
      );
    const factor = granted ? 1 : limits.deniedCostFactor;
    // The shield wraps the document's own fields, not introspection.
    const cost = Math.ceil((m.cost - m.introspection) * factor + m.introspection);
    if (cost > limits.maxCost)
      return refuse(
        `The query could cost up to ${cost}; the limit is ${limits.maxCost}. Ask for smaller pages or fewer fields.` +
          (factor > 1 ? ` It names fields your role may not read, which count ${factor} times each.` : ""),
        "maxCost",
      );
    return undefined;
  }

  // Documents too large for any variables, refused before validation (whose cost grows faster than
  // the document). The verdict is the same for every request, so it may be cached with the document.
  const tooLargeForAny = new WeakMap<DocumentNode, QueryTooLargeError | null>();

  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      const declared = request.headers.get("content-length");
      if (declared !== null && Number(declared) > limits.maxBodyBytes)
        throw refuse(`The request body is larger than ${limits.maxBodyBytes} bytes.`, "maxBodyBytes", 413);
      // With a Content-Length the HTTP parser delivers exactly that many bytes; only a body without
      // one (chunked) needs counting as it streams in.
      if (declared === null && requestParser && request.body) {
        const parser = requestParser;
        setRequestParser((req) => parser(capped(req, limits.maxBodyBytes)));
      }
    },

    onParams({ params }) {
      const { query, operationName, variables } = params as Record<string, unknown>;
      if (typeof operationName === "string" && operationName.length > limits.maxOperationNameLength)
        throw refuse(
          `The operation name is ${operationName.length} characters long; the limit is ${limits.maxOperationNameLength}.`,
          "maxOperationNameLength",
        );
      if (typeof query === "string") {
        // A UTF-16 unit is 1 to 3 bytes: count bytes only when the length alone cannot decide.
        const tooLong =
          query.length > limits.maxDocumentBytes ||
          (query.length * 3 > limits.maxDocumentBytes && Buffer.byteLength(query) > limits.maxDocumentBytes);
        if (tooLong)
          throw refuse(`The document is larger than ${limits.maxDocumentBytes} bytes.`, "maxDocumentBytes", 413);
        const nesting = documentNesting(query, limits.maxNesting);
        if (nesting > limits.maxNesting)
          throw refuse(`The document is nested more than ${limits.maxNesting} brackets deep.`, "maxNesting");
      }
      if (variables !== null && typeof variables === "object") {
        const shape = jsonShape(variables, { bytes: limits.maxVariablesBytes, depth: limits.maxNesting });
        if (shape.depth > limits.maxNesting)
          throw refuse(`The variables are nested more than ${limits.maxNesting} levels deep.`, "maxNesting");
        if (shape.bytes > limits.maxVariablesBytes)
          throw refuse(`The variables are larger than ${limits.maxVariablesBytes} bytes.`, "maxVariablesBytes", 413);
      }
    },

    onParse({ setParseFn }) {
      setParseFn(parseWithin(limits));
    },

    onValidate({ params, setResult }) {
      const document: DocumentNode = params.documentAST;
      const schema: GraphQLSchema = params.schema;
      let verdict = tooLargeForAny.get(document);
      if (verdict === undefined) {
        const fragments = fragmentsOf(document);
        const operations = document.definitions.filter(
          (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
        );
        // Only when every operation is too large: which one runs is the request's choice.
        const refusals = operations.map((o) => judge(schema, o, fragments, "least", true));
        verdict = refusals.every((r) => r !== undefined) ? (refusals[0] ?? null) : null;
        tooLargeForAny.set(document, verdict);
      }
      if (verdict) setResult([verdict]);
    },

    onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return; // the executor reports the missing operation
      const granted = hooks.fullyGranted?.(args) ?? true;
      const refusal = judge(args.schema, operation, fragmentsOf(args.document), args.variableValues, granted);
      if (refusal) {
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }
      setExecuteFn(withDeadline(executeFn, limits.executionTimeoutMs));
    },

    onExecutionResult({ result }) {
      if (result && !Array.isArray(result) && typeof result === "object" && !(Symbol.asyncIterator in result))
        capResponse(result as Record<string, unknown>, limits.maxResponseBytes);
    },
  };
}
