// What every mutation shares: the input id/version pair and loading a row for an update inside the
// transaction, within the caller's row scope and at the version the caller read.

import type { Tx } from "../audit/transaction.ts";
import type { Context } from "../context.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import type { AgencyKind } from "../generated/prisma/client.ts";
import {
  type ModelName,
  modelEntry,
  type RowOf,
  type UpdateDataOf,
  type VersionedModel,
  type WhereOf,
} from "../models.ts";
import { rowInScope, scoped } from "../policy/scope.ts";

/**
 * Loads the row a mutation is about, inside its transaction and within the caller's row scope. Out of
 * scope looks exactly like missing (no existence leak). `field` names the input that gave the id.
 */
export async function loadInScope<K extends ModelName>(
  ctx: Context,
  tx: Tx,
  model: K,
  id: string,
  field = "input.id",
): Promise<RowOf<K>> {
  const row = await modelEntry(model)
    .delegate(tx)
    .findFirst({ where: scoped(ctx, model, { id } as WhereOf<K>) });
  if (!row) throw new NotFoundError(`${field}: no ${model} with id ${id} in the rows your role may see.`);
  return row;
}

/**
 * Loads the row an update is about: within the caller's row scope, at the version the caller read.
 * A version other than the one the caller read is a CONFLICT, so no change is ever lost silently.
 * Every update of a versioned model starts here and ends in updateVersioned.
 */
export async function loadForUpdate<K extends VersionedModel>(
  ctx: Context,
  tx: Tx,
  model: K,
  id: string,
  version: number,
): Promise<RowOf<K>> {
  const row = await loadInScope(ctx, tx, model, id);
  const current = (row as { version: number }).version; // VersionedModel: every row has one
  if (current !== version) {
    throw new ConflictError(
      `${model} ${id} was changed by someone else since you read it (you sent version ${version}, it is now ${current}); reload it and try again. Nothing was changed.`,
      { field: "input.version" },
    );
  }
  return row;
}

/**
 * Updates a row loaded by loadForUpdate, only if it still has the version the caller read (a race
 * lost in between is Prisma's P2025, a CONFLICT), and bumps the version. `query` is the selection
 * Pothos asks for, so the answer comes from the same statement.
 */
export async function updateVersioned<K extends VersionedModel>(
  tx: Tx,
  model: K,
  id: string,
  version: number,
  data: UpdateDataOf<K>,
  query: object = {},
): Promise<RowOf<K>> {
  return modelEntry(model)
    .delegate(tx)
    .update({ ...query, where: { id, version }, data: { ...data, version: { increment: 1 } } });
}

/** Refuses creating or moving a record into rows the caller's role may not see. */
export function assertCanPlace<K extends ModelName>(
  ctx: Context,
  model: K,
  row: Partial<RowOf<K>>,
  what: string,
): void {
  if (!rowInScope(ctx.policy, ctx.principal, model, row))
    throw new ForbiddenError(`${what} is outside the rows your role may change.`);
}

/** The caller's own agency, for records that belong to it (tax records, transactions, documents). */
export async function ownAgency(ctx: Context, tx: Tx, kinds: readonly AgencyKind[]) {
  const code = ctx.principal.agencyCode;
  const agency = code ? await tx.agency.findUnique({ where: { code } }) : null;
  if (!agency || !kinds.includes(agency.kind)) {
    throw new ForbiddenError(
      `Your token names no ${kinds.join(" or ").toLowerCase().replace(/_/g, " ")} agency, so you cannot record this.`,
    );
  }
  return agency;
}

/** The citizen a new record is about, within the caller's row scope; out of scope reads as missing. */
export function citizenInScope(ctx: Context, tx: Tx, id: string | number, field: string) {
  return loadInScope(ctx, tx, "Citizen", String(id), field);
}
