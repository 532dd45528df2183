// Row scope as a Prisma `where`, so that the database never returns a row outside the caller's
// region or agency: pagination and counts stay right, and nothing is filtered after loading.
// The paths from a row to its region and agency are the model registry's (src/models.ts).
import DataLoader from "dataloader";
import type { Principal } from "../auth/principal.ts";
import type { Context } from "../context.ts";
import { type ModelName, modelEntry, type RowOf, type WhereOf } from "../models.ts";
import type { Policy } from "./policy.ts";

/**
 * Matches no row: for a role without a rule, or a token without the claim the rule needs. (An empty
 * `OR: []` is not "false" in Prisma 7: it matched every row; a key in an empty list is.)
 */
function nothing<K extends ModelName>(model: K): WhereOf<K> {
  return { [modelEntry(model).key ?? "id"]: { in: [] } } as WhereOf<K>;
}

/** The `where` that limits `model` to what `principal` may see; `{}` when unrestricted. */
export function rowScope<K extends ModelName>(policy: Policy, principal: Principal, model: K): WhereOf<K> {
  const rule = policy.rows(principal.role, model);
  const entry = modelEntry(model);
  if (rule === "all") return {} as WhereOf<K>;
  if (rule === "region" && entry.region && principal.regionScope) return entry.region(principal.regionScope);
  if (rule === "agency" && entry.agency && principal.agencyCode) return entry.agency(principal.agencyCode);
  return nothing(model);
}

/** `{ AND: [where, scope] }`: the caller's condition and the row scope, for any query of `model`. */
export function scoped<K extends ModelName>(ctx: Context, model: K, where: WhereOf<K>): WhereOf<K> {
  return { AND: [where, rowScope(ctx.policy, ctx.principal, model)] } as WhereOf<K>;
}

/**
 * The same decision for a row in memory, from the registry's row columns (regionOfRow, agencyOfRow).
 * Undefined when the model has no such column for the rule: then only the database can tell.
 */
function rowInScopeFromColumns<K extends ModelName>(
  policy: Policy,
  principal: Principal,
  model: K,
  row: Partial<RowOf<K>>,
): boolean | undefined {
  const rule = policy.rows(principal.role, model);
  if (rule === "all") return true;
  const entry = modelEntry(model);
  if (rule === "region") {
    if (!entry.regionOfRow) return undefined;
    const region = entry.regionOfRow(row);
    // An empty scope sees nothing (as in rowScope), rather than every region.
    return Boolean(principal.regionScope && region?.startsWith(principal.regionScope));
  }
  if (rule === "agency") {
    if (!entry.agencyOfRow) return undefined;
    const agency = entry.agencyOfRow(row);
    return Boolean(principal.agencyCode && agency === principal.agencyCode);
  }
  return false; // no rule: the model is invisible to this role
}

/** True when a row about to be created or moved lies inside the caller's rows (checked from its columns). */
export function rowInScope<K extends ModelName>(
  policy: Policy,
  principal: Principal,
  model: K,
  row: Partial<RowOf<K>>,
): boolean {
  return rowInScopeFromColumns(policy, principal, model, row) ?? false;
}

/**
 * Per request and model: which ids are visible, asked of the database in one query per batch. Used
 * for rows reached through a to-one relation whose model has no region/agency column of its own.
 */
function visibilityLoader(ctx: Context, model: ModelName): DataLoader<string, boolean> {
  const key = `visible:${model}`;
  let loader = ctx.loaders.get(key) as DataLoader<string, boolean> | undefined;
  if (!loader) {
    loader = new DataLoader<string, boolean>(async (ids) => {
      const rows = (await modelEntry(model)
        .delegate(ctx.db)
        .findMany({
          where: scoped(ctx, model, { id: { in: [...ids] } } as WhereOf<typeof model>),
          select: { id: true },
        })) as {
        id: string;
      }[];
      const visible = new Set(rows.map((r) => r.id));
      return ids.map((id) => visible.has(id));
    });
    ctx.loaders.set(key, loader);
  }
  return loader;
}

/**
 * Whether a row loaded through a to-one relation (taxRecord → citizen) may be shown: Prisma cannot
 * filter a required to-one include, so the related row is checked before it is shown. From its own
 * columns when the registry names them (no query), otherwise by id through a batched query.
 */
export function relatedRowVisible<K extends ModelName>(
  ctx: Context,
  model: K,
  row: Partial<RowOf<K>> & { id?: unknown },
): boolean | Promise<boolean> {
  const fromColumns = rowInScopeFromColumns(ctx.policy, ctx.principal, model, row);
  if (fromColumns !== undefined) return fromColumns;
  return typeof row.id === "string" ? visibilityLoader(ctx, model).load(row.id) : false;
}
