// Every limit a request meets, with its default, in one place (graphql-armor style). A request over
// any of them is refused with `extensions.code = "QUERY_TOO_LARGE"` and `extensions.limit` naming
// the limit; clients are told which limit they broke, never the other limits.

/** Page sizes of every connection: a default that keeps responses small and a hard cap. */
export const PAGE_SIZE = { default: 50, max: 500 } as const;

/** Every limit, with its default. Pass overrides to `createGateway({ limits })` (tests, tuning). */
export const LIMITS = {
  // --- Before the body is read (HTTP 413) -------------------------------------------------------
  /** Bytes of a request body: refused on its Content-Length, or as soon as that many bytes stream in. */
  maxBodyBytes: 256 * 1024,

  // --- Before the document is parsed --------------------------------------------------------------
  /** Bytes of the GraphQL document (HTTP 413). */
  maxDocumentBytes: 32 * 1024,
  /** Bytes of the variables, as JSON (HTTP 413). */
  maxVariablesBytes: 64 * 1024,
  /**
   * Nesting of brackets `{ [ (` in the document, and of arrays and objects in the variables. Deep
   * nesting is what overflows the stack of a recursive parser or coercion (10,000 levels did). Set
   * above what maxDepth allows (a field level is up to two brackets), so that a deep query is
   * refused with maxDepth, which says more.
   */
  maxNesting: 64,
  /** Characters of an operation name (the parameter and the names in the document): audit entries keep it. */
  maxOperationNameLength: 100,

  // --- While parsing (results are the same for every caller, so Yoga may cache them) --------------
  /** Lexical tokens of the document (graphql-js `parse(..., { maxTokens })`). */
  maxTokens: 2_000,
  /** Directives written in the document (`@include`, `@skip`, unknown ones): refused before validation. */
  maxDirectives: 50,
  /**
   * Characters of document text whose parse results are kept for reuse (least recently used go
   * first). A parsed document takes about 45 bytes per character, so the default holds ~50 MB.
   */
  parseCacheChars: 1024 * 1024,

  // --- Before execution, per request with its variables and their defaults ------------------------
  /** Nesting of fields (citizens → edges → node → taxRecords → edges → node → agency is 7). */
  maxDepth: 12,
  /** Aliased fields, counted at every place a fragment is used: aliases multiply the work of one request. */
  maxAliases: 20,
  /** Rows the database may return: each list's page size times the page sizes above it, summed. */
  maxRows: 5_000,
  /**
   * Fields resolved: every field costs 1 for each time it resolves (the page sizes of the lists above
   * it multiplied; introspection fields 0.1). A page of 100 citizens with a few fields and their
   * first five tax records costs about 3,500. At the budget a request takes about 0.2 CPU-seconds
   * (bench/limits.ts), so an ordinary query sent beside it waits a fraction of a second.
   */
  maxCost: 20_000,
  /**
   * A document that names anything the caller's role may not read runs field by field through the
   * policy shield and answers one FORBIDDEN error per denied field and row, each about 40 times the
   * work of a field: such a document counts every field this many times.
   */
  deniedCostFactor: 20,

  // --- During execution --------------------------------------------------------------------------
  /**
   * Milliseconds a query may run before the caller gets an error instead of waiting (PostgreSQL's
   * statement_timeout is set to the same value). Mutations are not cut off: their transaction decides.
   */
  executionTimeoutMs: 10_000,
  /** Bytes of a serialized answer: a larger one is replaced by an error instead of being sent. */
  maxResponseBytes: 5 * 1024 * 1024,
} as const;

export type Limits = { [K in keyof typeof LIMITS]: number };
export type LimitName = keyof typeof LIMITS;
