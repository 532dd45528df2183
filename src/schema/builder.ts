// The Pothos builder and its plugins. No types are defined here: each domain type has its own file.
import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import type { Context } from "../context.ts";
import type PrismaTypes from "../generated/pothos-types.ts";
import { getDatamodel } from "../generated/pothos-types.ts";

export type Scalars = {
  /** Calendar date, `YYYY-MM-DD`. */
  Date: { Input: Date; Output: Date };
  /** Instant, ISO 8601 with time zone. */
  DateTime: { Input: Date; Output: Date };
  /** Exact decimal as a string (money is never a float). */
  Decimal: { Input: string; Output: { toString(): string } | string };
  /** 64-bit integer as a string. */
  BigInt: { Input: bigint; Output: bigint };
  /** Arbitrary JSON, output only (audit change sets). */
  JSON: { Input: never; Output: unknown };
  /** Output only: values a policy may mask (src/schema/scalars.ts says what each masker returns). */
  MaskableNik: { Input: never; Output: string };
  MaskableFamilyCardNumber: { Input: never; Output: string };
  MaskableAddress: { Input: never; Output: string };
  MaskableDate: { Input: never; Output: Date | string };
};

/** The builder's type parameters, for helpers that take Pothos refs (schema/lists.ts). */
export type SchemaTypes = PothosSchemaTypes.ExtendDefaultTypes<{
  PrismaTypes: PrismaTypes;
  Context: Context;
  Scalars: Scalars;
}>;

export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: Context;
  Scalars: Scalars;
}>({
  plugins: [PrismaPlugin, RelayPlugin],
  // Fields stay nullable (the Pothos default): a field the policy denies resolves to null with a
  // FORBIDDEN error at its path, and must not take its parent object down with it.
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    // The generic node(id)/nodes(ids) lookups would bypass each type's row scope: leave them out.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
});

builder.queryType({});
builder.mutationType({});
