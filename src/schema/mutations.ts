// What every mutation shares: the input id/version pair and loading a row for an update inside the
// transaction, within the caller's row scope and at the version the caller read.

import type { Tx } from "../audit/transaction.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import type { AgencyKind } from "../generated/prisma/client.ts";
import { rowInScope, rowScope } from "../policy/scope.ts";
import type { Context } from "../server/context.ts";

/**
 * Loads the row an update is about. Out of scope looks exactly like missing (no existence leak);
 * a version other than the one the caller read is a CONFLICT, so no change is ever lost silently.
 */
export async function loadForUpdate<T extends { version: number }>(
  entity: string,
  id: string,
  version: number,
  find: () => Promise<T | null>,
): Promise<T> {
  const row = await find();
  if (!row) throw new NotFoundError(`No ${entity} with id ${id} in the rows your role may see.`);
  if (row.version !== version) {
    throw new ConflictError(
      `${entity} ${id} was changed by someone else since you read it (you sent version ${version}, it is now ${row.version}); reload it and try again. Nothing was changed.`,
      { field: "input.version" },
    );
  }
  return row;
}

/** Refuses creating or moving a record into rows the caller's role may not see. */
export function assertCanPlace(ctx: Context, type: string, row: Record<string, unknown>, what: string): void {
  if (!rowInScope(ctx.policy, ctx.principal, type, row))
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
export async function citizenInScope(ctx: Context, tx: Tx, id: string | number, field: string) {
  const citizen = await tx.citizen.findFirst({
    where: { AND: [{ id: String(id) }, rowScope(ctx.policy, ctx.principal, "Citizen")] },
  });
  if (!citizen) throw new NotFoundError(`${field}: no such citizen in the rows your role may see.`);
  return citizen;
}
