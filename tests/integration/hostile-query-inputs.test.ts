// Hostile text in query arguments (filters, ids, lookups): every String and ID argument of every root
// query that a role may call gets a NUL byte, a right-to-left override and an over-long value, and
// must answer BAD_USER_INPUT with the argument's path, never "Unexpected error." from the database.
// Generated from the schema and the policy, so a new query is covered without editing this file.
import {
  type GraphQLArgument,
  type GraphQLInputType,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";
import { OFFICERS, type OfficerName, tokenFor } from "../fixtures/officers.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type TestGateway, testConfig, testGateway } from "../support/gateway.ts";

const policy = loadPolicy(testConfig.policyDir, schema);

/** Paths (`where.fullName.contains`, `id`) of the String/ID leaves of one argument, one level of input objects deep. */
function textLeaves(arg: GraphQLArgument): Array<{ path: string[]; list: boolean }> {
  const unwrap = (t: GraphQLInputType) => (isNonNullType(t) ? t.ofType : t);
  const out: Array<{ path: string[]; list: boolean }> = [];
  const visit = (type: GraphQLInputType, path: string[], depth: number) => {
    const inner = unwrap(type);
    const list = isListType(inner);
    const named = getNamedType(inner);
    if (named.name === "String" || named.name === "ID") out.push({ path, list });
    else if (isInputObjectType(named) && depth < 2 && !list)
      for (const f of Object.values(named.getFields())) visit(f.type, [...path, f.name], depth + 1);
  };
  visit(arg.type, [arg.name], 0);
  return out;
}

function nest(path: string[], value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

const BAD = [
  ["a NUL byte", "ab\u0000cd", "control_character"],
  ["a right-to-left override", "ab\u202Ecd", "bidi_control"],
  ["10,001 characters", "x".repeat(10_001), "max_length"],
] as const;

describe.each(databaseKinds())("hostile text in query arguments on %s", (kind) => {
  let db: Database;
  let gw: TestGateway;
  const tokens: Partial<Record<OfficerName, string>> = {};
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: 20 });
    gw = testGateway(db);
    for (const name of Object.keys(OFFICERS) as OfficerName[]) tokens[name] = await tokenFor(gw, name);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("answers BAD_USER_INPUT with the argument's path for every text argument of every callable query", async () => {
    const fields = Object.values(schema.getQueryType()?.getFields() ?? {});
    let tried = 0;
    for (const field of fields) {
      const officer = (Object.keys(OFFICERS) as OfficerName[]).find((o) =>
        policy.role(OFFICERS[o].role)?.queries.has(field.name),
      );
      if (!officer) continue;
      for (const arg of field.args) {
        for (const leaf of textLeaves(arg)) {
          for (const [what, value, rule] of BAD) {
            const v = leaf.list ? [value] : value;
            // Required arguments of the field get a harmless value so the document validates.
            const others = field.args
              .filter((a) => a !== arg && isNonNullType(a.type))
              .map((a) => `${a.name}: ${getNamedType(a.type).name === "Int" ? 1 : '"0"'}`);
            const query = `query Q($v: ${String(arg.type)}) { ${field.name}(${[`${arg.name}: $v`, ...others].join(", ")}) { __typename } }`;
            const res = await gw.query(query, {
              token: tokens[officer],
              variables: { v: nest(leaf.path.slice(1), v) },
            });
            const what2 = `${officer} ${field.name}(${leaf.path.join(".")}) with ${what}`;
            expect(res.text, what2).not.toContain("Unexpected error");
            const error = res.errors?.[0];
            expect(error?.extensions?.code, `${what2}: ${res.text.slice(0, 300)}`).toBe("BAD_USER_INPUT");
            expect(error?.extensions?.rule, what2).toBe(rule);
            expect(String(error?.extensions?.field), what2).toContain(leaf.path.join("."));
            tried++;
          }
        }
      }
    }
    expect(tried).toBeGreaterThan(30);
  });
});
