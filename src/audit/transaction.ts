// The transaction every mutation goes through: validate → change → audit entry → commit, or roll
// back everything. If the audit entry cannot be written, the change is not made. A mutation that is
// refused or fails still gets an entry (with its outcome and no change), written on its own.
import { randomUUID } from "node:crypto";
import { GraphQLError, type GraphQLResolveInfo } from "graphql";
import type { Context } from "../context.ts";
import { checkTextArgs } from "../domain/text.ts";
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  fromDatabaseError,
  NotFoundError,
  RateLimitedError,
  UnavailableError,
} from "../errors.ts";
import type { AuditOutcome, Prisma } from "../generated/prisma/client.ts";
import { type AuditedMutation, eventOf, type MutationName, SENSITIVE_COLUMNS, type SystemAction } from "./events.ts";
import { ENTRY_HASH_VERSION, entryHash, keyedValueHash } from "./hash.ts";

export type Tx = Prisma.TransactionClient;

type Outcome = AuditOutcome;

/** What a mutation's change reports back for its audit entry. */
export interface Change<T> {
  entity: T;
  entityId: string;
  citizenId?: string | null | undefined;
  /** Column values before the change (null for a create). */
  before?: Record<string, unknown> | null | undefined;
  /** Column values after the change. */
  after?: Record<string, unknown> | null | undefined;
}

/** Which record a mutation is about, known before it runs (for entries of refused mutations). */
export interface Target {
  /** The mutation's GraphQL type ("Citizen"); null when not even the mutation is known. */
  entityType: string | null;
  entityId?: string | null | undefined;
  citizenId?: string | null | undefined;
}

/** Thrown when the audit entry cannot be written: the change is rolled back with it. */
class AuditWriteError extends Error {
  override name = "AuditWriteError";
}

/** Changed columns as { column: { before, after } }, sensitive values as keyed hashes. */
export function diff(
  key: string,
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
) {
  const out: Record<string, { before: unknown; after: unknown }> = {};
  const columns = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const column of columns) {
    if (column === "version" || column === "updatedAt") continue;
    // Relations loaded for the response are not columns of this record.
    if (isRelation(before?.[column]) || isRelation(after?.[column])) continue;
    const b = plain(before?.[column]);
    const a = plain(after?.[column]);
    if (b === a) continue;
    out[column] = SENSITIVE_COLUMNS.has(column)
      ? { before: keyedValueHash(key, b), after: keyedValueHash(key, a) }
      : { before: b, after: a };
  }
  return out;
}

function isRelation(value: unknown): boolean {
  if (value === null || typeof value !== "object" || value instanceof Date) return false;
  return Array.isArray(value) || typeof (value as { toFixed?: unknown }).toFixed !== "function"; // Decimal has toFixed
}

/** Values as JSON-stable strings (dates, decimals and bigints would otherwise serialize unevenly). */
function plain(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return String(value);
  return String(value);
}

/**
 * Longest text an entry stores: in one column (operation name, ids, purpose, request id, client
 * address, …) and in one value of `changes`. The trail is append-only, so whatever a caller can
 * put into it stays forever: longer text is cut and marked (`…[truncated, N characters]`).
 */
export const AUDIT_TEXT_MAX = { column: 256, value: 1000 } as const;

// PostgreSQL cannot store NUL in text or jsonb, nor half of a UTF-16 surrogate pair (the driver
// would turn it into U+FFFD, and the stored entry would no longer match its hash).
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what must be found
const UNSTORABLE = /\u0000|[\ud800-\udfff]/gu;

/** Text as an entry stores it: at most `max` UTF-16 units and a marker, NUL and broken halves replaced. */
export function storable(value: string, max: number): string {
  let text = value;
  if (text.length > max) {
    // Never cut between the two halves of a surrogate pair.
    const code = text.charCodeAt(max - 1);
    const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
    text = `${text.slice(0, end)}…[truncated, ${value.length} characters]`;
  }
  return text.replace(UNSTORABLE, "\ufffd");
}

const column = (value: string | null | undefined) =>
  value === null || value === undefined ? null : storable(value, AUDIT_TEXT_MAX.column);

/**
 * `changes` with every string value bounded (keys are column and rule names from our own code), and
 * any number that is not a safe integer as text: the hash takes numbers as PostgreSQL writes them
 * (hash.ts jsonbText), and only for safe integers is that text JavaScript's too.
 */
function storableChanges(value: unknown): unknown {
  if (typeof value === "string") return storable(value, AUDIT_TEXT_MAX.value);
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(storableChanges);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, storableChanges(v)]));
}

/** What an entry takes from the request (or, for a system action, from the operator). */
type EntryContext = Pick<
  Context,
  "principal" | "purpose" | "caseRef" | "requestId" | "clientIp" | "clientRequestId" | "auditKey"
>;

async function writeEntry(
  db: Tx | Context["db"],
  ctx: EntryContext,
  operation: string | null,
  mutation: AuditedMutation,
  outcome: Outcome,
  target: Target,
  changes: unknown,
): Promise<void> {
  // Bounded before hashing: the hash covers exactly what is stored, so verify still matches.
  const content = {
    at: new Date(),
    actor: storable(ctx.principal.subject, AUDIT_TEXT_MAX.column),
    role: storable(ctx.principal.role, AUDIT_TEXT_MAX.column),
    agencyCode: column(ctx.principal.agencyCode),
    clientId: ctx.principal.kind === "client" ? column(ctx.principal.subject) : null,
    operation: column(operation),
    mutation,
    event: eventOf(mutation),
    entityType: column(target.entityType),
    entityId: column(target.entityId),
    citizenId: column(target.citizenId),
    outcome,
    changes: storableChanges(changes ?? null),
    purpose: column(ctx.purpose),
    caseRef: column(ctx.caseRef),
    requestId: storable(ctx.requestId, AUDIT_TEXT_MAX.column),
    clientIp: column(ctx.clientIp),
    clientRequestId: column(ctx.clientRequestId),
  };
  // One plain INSERT: it runs in every mutation's transaction, and Prisma's create cost ~0.5 ms of
  // CPU more per entry (bench/mutations.ts). The hash covers exactly these values.
  const hash = entryHash(ctx.auditKey, content);
  const c = content;
  await db.$executeRaw`
    insert into "AuditEntry" (at, actor, role, "agencyCode", "clientId", operation, mutation, event, "entityType",
      "entityId", "citizenId", outcome, changes, purpose, "caseRef", "requestId", "clientIp",
      "clientRequestId", hash, "hashVersion")
    values (${c.at}, ${c.actor}, ${c.role}, ${c.agencyCode}, ${c.clientId}, ${c.operation}, ${c.mutation}, ${c.event},
      ${c.entityType}, ${c.entityId}, ${c.citizenId}, ${c.outcome}::"AuditOutcome",
      ${c.changes === null ? null : JSON.stringify(c.changes)}::jsonb, ${c.purpose}, ${c.caseRef}, ${c.requestId},
      ${c.clientIp}, ${c.clientRequestId}, ${hash}, ${ENTRY_HASH_VERSION}::smallint)`;
}

/**
 * The entry of an action an operator took at the command line (an incident opened, a report drafted):
 * actor `cli:<name>`, role `operator`, its own request id. Written in `db` (a transaction, to go with
 * the change it records).
 */
export async function recordSystemAction(
  db: Tx | Context["db"],
  auditKey: string,
  operator: string,
  action: SystemAction,
  target: Target,
  changes: unknown,
): Promise<void> {
  const ctx: EntryContext = {
    principal: {
      subject: `cli:${operator}`,
      kind: "user",
      role: "operator",
      agencyCode: undefined,
      regionScope: undefined,
      scopes: [],
      purposes: [],
      tokenId: undefined,
    },
    purpose: undefined,
    caseRef: undefined,
    requestId: `cli-${randomUUID()}`,
    clientIp: undefined,
    clientRequestId: undefined,
    auditKey,
  };
  await writeEntry(db, ctx, null, action, "SUCCESS", target, changes);
}

/** What the audit entry of a refusal records beyond what the caller is told. */
export interface AuditNote {
  /** The citizen the refusal concerns, when the caller may not learn it (a taken NIK's holder). */
  citizenId?: string;
  /** Why, in the auditors' words (`nik_registered_out_of_scope`); stored in `changes.refused.finding`. */
  finding?: string;
}

const notes = new WeakMap<Error, AuditNote>();

/**
 * Attaches to a client error what only the audit trail may know: the caller gets the error as it is,
 * the entry of the refusal gets the note too.
 */
export function withAuditNote<E extends Error>(error: E, note: AuditNote): E {
  notes.set(error, note);
  return error;
}

/** Our own errors pass as they are; database refusals become the errors validation gives. */
function toClientError(error: unknown): Error {
  if (error instanceof GraphQLError) return error;
  if (error instanceof AuditWriteError)
    return new UnavailableError("The change could not be audited, so it was not made.");
  return fromDatabaseError(error) ?? (error instanceof Error ? error : new Error(String(error)));
}

function outcomeOf(error: Error): Outcome {
  if (error instanceof ForbiddenError || error instanceof RateLimitedError) return "DENIED";
  if (error instanceof BadUserInputError || error instanceof NotFoundError) return "INVALID";
  if (error instanceof ConflictError) return "CONFLICT";
  return "ERROR";
}

/**
 * Runs `change` in one database transaction together with its audit entry. Returns the changed
 * entity; throws a client error (and records the refusal) when anything fails.
 */
export async function audited<T>(
  ctx: Context,
  info: GraphQLResolveInfo,
  mutation: MutationName,
  target: Target,
  change: (tx: Tx) => Promise<Change<T>>,
): Promise<T> {
  const operation = info.operation.name?.value ?? null;
  try {
    // Every text argument, before anything else: no transaction is opened for a NUL byte.
    checkTextArgs(info);
    const entity = await ctx.db.$transaction(
      async (tx) => {
        const result = await change(tx);
        try {
          await writeEntry(
            tx,
            ctx,
            operation,
            mutation,
            "SUCCESS",
            { ...target, entityId: result.entityId, citizenId: result.citizenId ?? target.citizenId },
            diff(ctx.auditKey, result.before, result.after),
          );
        } catch (error) {
          ctx.log.error("audit entry could not be written; rolling back the change", {
            mutation,
            requestId: ctx.requestId,
            error: (error as Error).message,
          });
          throw new AuditWriteError();
        }
        return result.entity;
      },
      { timeout: 15_000, maxWait: 10_000 },
    );
    ctx.monitor.auditEntryWritten("SUCCESS");
    return entity;
  } catch (error) {
    const clientError = toClientError(error);
    await recordRefusal(ctx, operation, mutation, outcomeOf(clientError), target, clientError);
    throw clientError;
  }
}

/**
 * Writes the entry of a mutation that changed nothing: denied, invalid, conflicting or failed.
 * `operation` is the GraphQL operation's name; it needs no resolver, so refusals before execution
 * (use-refused-mutations.ts) are written here too.
 */
export async function recordRefusal(
  ctx: Context,
  operation: string | null,
  mutation: AuditedMutation,
  outcome: Outcome,
  target: Target,
  error: Error,
): Promise<void> {
  const extensions = (error as { extensions?: Record<string, unknown> }).extensions ?? {};
  const note = notes.get(error);
  const reason = {
    code: extensions.code ?? "INTERNAL_SERVER_ERROR",
    field: extensions.field,
    rule: extensions.rule,
    ...(note?.finding ? { finding: note.finding } : {}),
  };
  const about = note?.citizenId ? { ...target, citizenId: note.citizenId } : target;
  try {
    await writeEntry(ctx.db, ctx, operation, mutation, outcome, about, { refused: reason });
    ctx.monitor.auditEntryWritten(outcome);
  } catch (auditError) {
    // The mutation changed nothing; losing the record of a refusal is logged loudly instead.
    ctx.log.error("audit entry of a refused mutation could not be written", {
      mutation,
      outcome,
      requestId: ctx.requestId,
      error: (auditError as Error).message,
    });
  }
}
