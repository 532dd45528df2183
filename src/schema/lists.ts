// The shape every root list and lookup shares: cursor connections with a capped page size, a typed
// `where` and `orderBy`, and a `totalCount`. One place, so the row-scope and filter checks of the
// policy layer attach to every list at once instead of to eight copies.
import type { InputObjectRef } from "@pothos/core";
import type { Db } from "../db/database.ts";
import { BadUserInputError, NotFoundError } from "../errors.ts";
import type PrismaTypes from "../generated/pothos-types.ts";
import { rowScope } from "../policy/scope.ts";
import type { Context } from "../server/context.ts";
import { builder, PAGE_SIZE } from "./builder.ts";

type ModelName = keyof PrismaTypes & string;

/** The Prisma delegate calls a list needs (findMany/findFirst/count of one model). */
export interface ListDelegate {
  findMany(args: object): Promise<unknown[]>;
  findFirst(args: object): Promise<unknown>;
  count(args: object): Promise<number>;
}

export const SortDirection = builder.enumType("SortDirection", { values: ["ASC", "DESC"] as const });

export const StringFilter = builder.inputType("StringFilter", {
  description: "Conditions on a text field; all given conditions must hold.",
  fields: (t) => ({
    equals: t.string(),
    in: t.stringList(),
    startsWith: t.string(),
    contains: t.string({ description: "Case-insensitive substring." }),
  }),
});

export const DateFilter = builder.inputType("DateFilter", {
  fields: (t) => ({
    equals: t.field({ type: "Date" }),
    gte: t.field({ type: "Date" }),
    lte: t.field({ type: "Date" }),
  }),
});

export const DecimalFilter = builder.inputType("DecimalFilter", {
  fields: (t) => ({
    equals: t.field({ type: "Decimal" }),
    gte: t.field({ type: "Decimal" }),
    lte: t.field({ type: "Decimal" }),
  }),
});

/**
 * The Prisma `where` for a GraphQL `where` argument. Keys are GraphQL field names that match the
 * model's column names; a list means "one of"; filter objects map operator for operator.
 */
export function toPrismaWhere(where: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(where ?? {})) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      out[field] = { in: value };
      continue;
    }
    const ops: Record<string, unknown> = {};
    for (const [op, operand] of Object.entries(value as Record<string, unknown>)) {
      if (operand === null || operand === undefined) continue;
      ops[op] = operand;
      if (op === "contains") ops.mode = "insensitive";
    }
    out[field] = ops;
  }
  return out;
}

/**
 * The GraphQL field a filter or sort key stands for: itself, or the relation a foreign key points
 * along (`citizenId` → `citizen`, `regionCode` → `region`). The policy decides on that field.
 */
function policyField(key: string, fields: Record<string, unknown>): string {
  return key in fields ? key : key.replace(/(Id|Code)$/, "");
}

/** Refuses filters and sort keys on fields the caller does not see clear (see Policy.assertClear). */
function checkFilterAndSort(ctx: Context, model: string, args: Record<string, unknown>): void {
  const fields = ctx.policy.role(ctx.principal.role)?.fields ?? new Map();
  const known = Object.fromEntries(
    [...fields.keys()].filter((k) => k.startsWith(`${model}.`)).map((k) => [k.slice(model.length + 1), true]),
  );
  const where = Object.entries((args.where as Record<string, unknown> | null) ?? {})
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k]) => policyField(k, known));
  const order = ((args.orderBy as OrderArg[] | null) ?? []).map((o) => policyField(o.field, known));
  ctx.policy.assertClear(ctx.principal.role, model, where, "filter");
  ctx.policy.assertClear(ctx.principal.role, model, order, "sort");
}

/** The caller's filter AND the caller's row scope: the database never returns an out-of-scope row. */
function scopedWhere(ctx: Context, model: string, where: unknown): Record<string, unknown> {
  return { AND: [toPrismaWhere(where as Record<string, unknown>), rowScope(ctx.policy, ctx.principal, model)] };
}

/** Options of a nested list (citizen → taxRecords): paged like root lists and limited to the row scope. */
export function scopedRelation(model: ModelName) {
  return {
    cursor: "id",
    ...pageSize,
    query: (_args: unknown, ctx: Context) => ({
      where: rowScope(ctx.policy, ctx.principal, model),
      orderBy: { id: "asc" as const },
    }),
  } as const;
}

function checkPageSize(args: { first?: number | null | undefined; last?: number | null | undefined }): number {
  for (const [name, value] of [
    ["first", args.first],
    ["last", args.last],
  ] as const) {
    if (value !== null && value !== undefined && (value < 0 || value > PAGE_SIZE.max)) {
      throw new BadUserInputError(`"${name}" must be between 0 and ${PAGE_SIZE.max} (got ${value}).`, {
        field: name,
        rule: "page_size",
      });
    }
  }
  return PAGE_SIZE.max;
}

/** Connection size options for every connection, root or nested. */
export const pageSize = { defaultSize: PAGE_SIZE.default, maxSize: checkPageSize } as const;

export interface ListOptions {
  /** Root field names: `citizen` and `citizens`. */
  one: string;
  many: string;
  model: ModelName;
  delegate: (db: Db) => ListDelegate;
  where: InputObjectRef<PothosSchemaTypes.ExtendDefaultTypes<never>, unknown>;
  /** Columns a caller may sort by, besides the id that always breaks ties. */
  orderFields: readonly string[];
  /** Argument name and GraphQL type of the single lookup (default `id: ID!`). */
  key?: { name: string; column: string };
}

type OrderArg = { field: string; direction: "ASC" | "DESC" };

function toPrismaOrder(orderBy: readonly OrderArg[] | null | undefined): Record<string, "asc" | "desc">[] {
  const order = (orderBy ?? []).map((o) => ({ [o.field]: o.direction === "DESC" ? "desc" : "asc" }) as const);
  return [...order, { id: "asc" }];
}

/** Adds `one(id)` and `many(first, after, last, before, where, orderBy)` root fields for a model. */
export function addRootQueries(opts: ListOptions): void {
  const OrderField = builder.enumType(`${opts.model}OrderField`, { values: opts.orderFields });
  const Order = builder.inputType(`${opts.model}Order`, {
    fields: (t) => ({
      field: t.field({ type: OrderField, required: true }),
      direction: t.field({ type: SortDirection, required: true, defaultValue: "ASC" }),
    }),
  });
  const key = opts.key ?? { name: "id", column: "id" };

  builder.queryFields((t) => ({
    [opts.one]: t.prismaField({
      type: opts.model as never,
      nullable: true,
      args: { [key.name]: t.arg.id({ required: true }) },
      resolve: async (query: object, _root: unknown, args: Record<string, unknown>, ctx: Context) => {
        const row = await opts.delegate(ctx.db).findFirst({
          ...query,
          where: { AND: [{ [key.column]: String(args[key.name]) }, rowScope(ctx.policy, ctx.principal, opts.model)] },
        });
        if (!row) throw new NotFoundError(`No ${opts.model} with ${key.name} ${String(args[key.name])}.`);
        return row as never;
      },
    } as never),
    [opts.many]: t.prismaConnection(
      {
        type: opts.model as never,
        cursor: "id" as never,
        ...pageSize,
        args: {
          where: t.arg({ type: opts.where as never }),
          orderBy: t.arg({ type: [Order], description: "Sort keys in order; ties are broken by id." }),
        },
        // Checked here too: a query that selects only totalCount never runs `resolve`, and counting
        // by a masked field would reveal it digit by digit just as listing would.
        totalCount: (_parent: unknown, args: Record<string, unknown>, ctx: Context) => {
          checkFilterAndSort(ctx, opts.model, args);
          return opts.delegate(ctx.db).count({ where: scopedWhere(ctx, opts.model, args.where) });
        },
        resolve: (query: object, _root: unknown, args: Record<string, unknown>, ctx: Context) => {
          checkFilterAndSort(ctx, opts.model, args);
          return opts.delegate(ctx.db).findMany({
            ...query,
            where: scopedWhere(ctx, opts.model, args.where),
            orderBy: toPrismaOrder(args.orderBy as OrderArg[]),
            relationLoadStrategy: "join",
          }) as never;
        },
      } as never,
      {},
      {},
    ),
  }));
}
