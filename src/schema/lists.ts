// The shape every root list and lookup shares: cursor connections with a capped page size, a typed
// `where` and `orderBy`, and a `totalCount`. One place, so the row-scope and filter checks of the
// policy layer attach to every list at once instead of to eight copies.
import type { InputObjectRef } from "@pothos/core";
import type { Context } from "../context.ts";
import { BadUserInputError, ForbiddenError, NotFoundError } from "../errors.ts";
import { PAGE_SIZE } from "../limits/limits.ts";
import { isIdentifierField } from "../masking/lookup.ts";
import { type ModelName, modelEntry, type RowOf, type WhereOf } from "../models.ts";
import { rowScope, scoped } from "../policy/scope.ts";
import { builder, type SchemaTypes } from "./builder.ts";

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

type OrderArg = { field: string; direction: "ASC" | "DESC" };

/** The `where` and `orderBy` arguments every root list takes. */
interface ListArgs {
  where?: Record<string, unknown> | null | undefined;
  orderBy?: readonly OrderArg[] | null | undefined;
}

/** Refuses filters and sort keys on fields the caller does not see clear (see Policy.assertClear). */
function checkFilterAndSort(ctx: Context, model: string, args: ListArgs): void {
  const fields = ctx.policy.role(ctx.principal.role)?.fields ?? new Map();
  const known = Object.fromEntries(
    [...fields.keys()].filter((k) => k.startsWith(`${model}.`)).map((k) => [k.slice(model.length + 1), true]),
  );
  const where = Object.entries(args.where ?? {})
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k]) => policyField(k, known));
  const order = (args.orderBy ?? []).map((o) => policyField(o.field, known));
  ctx.policy.assertClear(ctx.principal.role, model, where, "filter");
  ctx.policy.assertClear(ctx.principal.role, model, order, "sort");
  // Even a role that sees it clear: a filter by a full NIK is a lookup without its purpose, budget
  // and access entry, and sorting by one brackets a hidden number between known ones.
  for (const [use, fields] of [
    ["filter", where],
    ["sort", order],
  ] as const) {
    const identifier = fields.find((f) => isIdentifierField(model, f));
    if (identifier) {
      throw new ForbiddenError(
        `You may not ${use} ${model} lists by "${identifier}": it identifies one person. A lookup by a full NIK is citizenByNik, with a stated purpose.`,
      );
    }
  }
}

/** The caller's filter AND the caller's row scope: the database never returns an out-of-scope row. */
function scopedWhere<K extends ModelName>(ctx: Context, model: K, where: unknown): WhereOf<K> {
  // toPrismaWhere maps a GraphQL `where` whose fields were declared for this model one to one.
  return scoped(ctx, model, toPrismaWhere(where as Record<string, unknown> | null) as WhereOf<K>);
}

/** Options of a nested list (citizen → taxRecords): paged like root lists and limited to the row scope. */
export function scopedRelation<K extends ModelName>(model: K) {
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

/** The `where` input type of a root list (declared in the model's schema file). */
type WhereInput = InputObjectRef<SchemaTypes, Record<string, unknown>>;

export interface ListOptions<K extends ModelName> {
  /** Root field names: `citizen` and `citizens`. */
  one: string;
  many: string;
  /** The model, by Prisma's name; its delegate and row rules come from the registry (src/models.ts). */
  model: K;
  where: WhereInput;
  /** Columns a caller may sort by, besides the id that always breaks ties. */
  orderFields: readonly string[];
  /** Argument name and GraphQL type of the single lookup (default `id: ID!`). */
  key?: { name: string; column: string };
}

function toPrismaOrder(orderBy: readonly OrderArg[] | null | undefined): Record<string, "asc" | "desc">[] {
  const order = (orderBy ?? []).map((o) => ({ [o.field]: o.direction === "DESC" ? "desc" : "asc" }) as const);
  return [...order, { id: "asc" }];
}

/** Adds `one(id)` and `many(first, after, last, before, where, orderBy)` root fields for a model. */
export function addRootQueries<K extends ModelName>(opts: ListOptions<K>): void {
  const name: string = opts.model;
  const OrderField = builder.enumType(`${name}OrderField`, { values: opts.orderFields });
  const Order = builder.inputType(`${name}Order`, {
    fields: (t) => ({
      field: t.field({ type: OrderField, required: true }),
      direction: t.field({ type: SortDirection, required: true, defaultValue: "ASC" }),
    }),
  });
  const key = opts.key ?? { name: "id", column: "id" };
  const delegate = (ctx: Context) => modelEntry(opts.model).delegate(ctx.db);
  // Pothos types a prisma field by its literal model name; for a model name that is a type parameter
  // its option types do not resolve, so the two field definitions below are typed for "Region" and
  // handed over as such (the runtime value is the real model). Everything inside is checked.
  const type = opts.model as "Region";

  builder.queryFields((t) => ({
    [opts.one]: t.prismaField({
      type,
      nullable: true,
      args: { [key.name]: t.arg.id({ required: true }) },
      resolve: async (query, _root, args, ctx) => {
        const lookup = { [key.column]: String(args[key.name]) } as WhereOf<K>;
        const row = await delegate(ctx).findFirst({ ...query, where: scoped(ctx, opts.model, lookup) });
        if (!row) throw new NotFoundError(`No ${opts.model} with ${key.name} ${String(args[key.name])}.`);
        return row as RowOf<"Region">;
      },
    }),
    [opts.many]: t.prismaConnection(
      {
        type,
        cursor: "id",
        ...pageSize,
        args: {
          where: t.arg({ type: opts.where }),
          orderBy: t.arg({ type: [Order], description: "Sort keys in order; ties are broken by id." }),
        },
        // Checked here too: a query that selects only totalCount never runs `resolve`, and counting
        // by a masked field would reveal it digit by digit just as listing would.
        totalCount: (_parent, args, ctx) => {
          checkFilterAndSort(ctx, opts.model, args);
          return delegate(ctx).count({ where: scopedWhere(ctx, opts.model, args.where) });
        },
        resolve: async (query, _root, args, ctx) => {
          checkFilterAndSort(ctx, opts.model, args);
          const rows = await delegate(ctx).findMany({
            ...query,
            where: scopedWhere(ctx, opts.model, args.where),
            orderBy: toPrismaOrder(args.orderBy),
            relationLoadStrategy: "join",
          });
          return rows as RowOf<"Region">[];
        },
      },
      {},
      {},
    ),
  }));
}
