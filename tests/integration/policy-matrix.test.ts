// The role × type × field matrix, generated from the policy files and checked through HTTP: for
// every role and every field of every policy-governed type, the real response must match what
// policies/ says (clear, masked with its masker, denied with FORBIDDEN at that path, or the whole
// entry point NOT_FOUND). A field added to the schema without a policy stops loadPolicy first.
import { type GraphQLObjectType, getNamedType, isObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { changeReader } from "../../src/masking/apply.ts";
import { MASKERS } from "../../src/masking/maskers.ts";
import { isModelName } from "../../src/models.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { policyTypes } from "../../src/policy/types.ts";
import { schema } from "../../src/schema/index.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type TestGateway, testConfig, testGateway } from "../support/gateway.ts";

const policy = loadPolicy(testConfig.policyDir, schema);

/** Claims per role: a province-wide region and an agency of Kabupaten Bogor, so each role has rows. */
const CLAIMS: Record<string, { region?: string; agency?: string }> = {
  front_office: { region: "32", agency: "DUKCAPIL-3201" },
  registry_officer: { region: "32", agency: "DUKCAPIL-3201" },
  tax_officer: { region: "32", agency: "BAPENDA-3201" },
  social_officer: { region: "32", agency: "DINSOS-3201" },
  licensing_officer: { region: "32", agency: "DPMPTSP-3201" },
  finance_officer: { region: "32", agency: "BPKAD-3201" },
  archivist: { region: "32", agency: "DISARPUS-3201" },
};

/** The root list field of each type (`citizens` for Citizen), found from the schema. */
function rootLists(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, field] of Object.entries(schema.getQueryType()?.getFields() ?? {})) {
    const type = getNamedType(field.type);
    if (!isObjectType(type) || !type.name.endsWith("Connection")) continue;
    const edge = getNamedType(type.getFields().edges?.type ?? type) as GraphQLObjectType;
    const node = getNamedType(edge.getFields().node?.type ?? edge);
    out.set(node.name, name);
  }
  return out;
}

function selection(type: GraphQLObjectType, field: string): string {
  const named = getNamedType(type.getFields()[field]?.type ?? type);
  if (!isObjectType(named)) return field;
  if (named.name.endsWith("Connection")) return `${field}(first: 1) { pageInfo { hasNextPage } }`;
  return `${field} { __typename }`;
}

type GqlError = { path?: Array<string | number>; extensions?: { code?: string }; message: string };

describe.each(databaseKinds())("role × field matrix on %s", (kind) => {
  let db: Database;
  let gw: TestGateway;
  const lists = rootLists();

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: 150 });
    gw = testGateway(db, testConfig);
    // Give the auditor's types rows: one audited change and one clear reveal.
    const registry = await gw.token("registry_officer", { region: "32", agency: "DUKCAPIL-3201" });
    const some = await gw.query<{ citizens: { edges: Array<{ node: { id: string; version: number } }> } }>(
      "{ citizens(first: 1) { edges { node { id version nik } } } }",
      { token: registry, headers: { "x-purpose": "court-order", "x-case-ref": "MATRIX-1" } },
    );
    const citizen = some.data?.citizens.edges[0]?.node;
    const changed = await gw.query(
      'mutation($id: ID!, $v: Int!) { correctCitizen(input: { id: $id, version: $v, occupation: "Petani" }) { id } }',
      { token: registry, variables: { id: citizen?.id, v: citizen?.version } },
    );
    expect(changed.errors).toBeUndefined();
    // And one security alert for the auditor and the admin to list.
    await db.query(
      `insert into "SecurityAlert" (id, rule, severity, key, details) values ('0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b', 'matrix', 'low', 'x', '{}')`,
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  // Stored types are reached through their root list. Result types (ArchiveVerification,
  // CitizenAccessEvent) only exist as answers of one field; their tests are with that field.
  const stored = [...policyTypes(schema)].filter(([type]) => isModelName(type));

  it("covers every stored policy type with a root list", () => {
    expect(stored.length).toBeGreaterThanOrEqual(11);
    for (const [type] of stored) expect(lists.has(type), type).toBe(true);
  });

  for (const role of policy.roles.keys()) {
    for (const [typeName, fields] of stored) {
      // Twice: once naming every field (denied ones included: the shielded path), once naming only
      // the granted ones (the path without per-field shield). Both must answer as the policy says.
      it.each([
        ["every field", false],
        ["granted fields only", true],
      ] as const)(`${role} × ${typeName}: %s`, async (_label, grantedOnly) => {
        const type = schema.getType(typeName) as GraphQLObjectType;
        const list = lists.get(typeName) as string;
        const id = "id" in type.getFields() ? "id" : "__typename";
        const asked = [...fields].filter((f) => !grantedOnly || policy.access(role, typeName, f));
        if (grantedOnly && (asked.length === 0 || !policy.role(role)?.queries.has(list))) return; // nothing granted to ask for
        const query = `{ ${list}(first: 5) { edges { node { ${id === "id" ? "" : "__typename "}${asked.map((f) => selection(type, f)).join(" ")} } } } }`;
        const res = await gw.query<Record<string, { edges: Array<{ node: Record<string, unknown> }> } | null>>(query, {
          token: await gw.token(role, { subject: `matrix-${role}`, ...CLAIMS[role] }),
        });
        const errors = (res.errors ?? []) as GqlError[];

        if (!policy.role(role)?.queries.has(list)) {
          // The entry point itself is closed: nothing of the type is reachable, and nothing says whether rows exist.
          expect(res.data?.[list]).toBeNull();
          expect(errors.map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([[list, "NOT_FOUND"]]);
          return;
        }
        const nodes = res.data?.[list]?.edges.map((e) => e.node) ?? [];
        expect(nodes.length, `${role} sees some ${typeName} rows`).toBeGreaterThan(0);
        const errorAt = (i: number, field: string) =>
          errors.filter((e) => e.path?.join(".") === `${list}.edges.${i}.node.${field}`);

        for (const field of asked) {
          const access = policy.access(role, typeName, field);
          for (const [i, node] of nodes.entries()) {
            const at = errorAt(i, field);
            if (!access) {
              expect(node[field], `${role} ${typeName}.${field}`).toBeNull();
              expect(
                at.map((e) => e.extensions?.code),
                `${role} ${typeName}.${field}`,
              ).toEqual(["FORBIDDEN"]);
              continue;
            }
            // A readable to-one relation may still point at a row outside the caller's scope.
            const outOfScope =
              at.length === 1 && at[0]?.extensions?.code === "FORBIDDEN" && /outside the rows/.test(at[0].message);
            if (!outOfScope) expect(at, `${role} ${typeName}.${field} has no error`).toEqual([]);
            if (access.kind === "masked" && node[field] !== null && typeName === "AuditEntry") {
              // The values of an entry's changes, through the role's own read policy (masker `changes`).
              const row = await db.prisma.auditEntry.findUniqueOrThrow({ where: { seq: BigInt(String(node.seq)) } });
              const who = { principal: { role } as Principal, auditKey: testConfig.auditKey };
              const expected = MASKERS[access.masker](row[field as "changes"], row, changeReader(policy, who));
              expect(node[field], `${role} ${typeName}.${field} masked`).toEqual(expected);
            } else if (access.kind === "masked" && node[field] !== null) {
              const row = await db.prisma.citizen.findUniqueOrThrow({
                where: { id: String(node.id) },
                include: { domicile: { include: { parent: { include: { parent: { include: { parent: true } } } } } } },
              });
              const clear = (row as unknown as Record<string, unknown>)[field];
              expect(node[field], `${role} ${typeName}.${field} masked`).toBe(MASKERS[access.masker](clear, row));
              expect(node[field]).not.toBe(clear instanceof Date ? clear.toISOString().slice(0, 10) : clear);
            }
          }
        }
        // No error other than the ones the policy explains.
        for (const e of errors) {
          const field = String(e.path?.[4]);
          const access = policy.access(role, typeName, field);
          expect(e.extensions?.code, `${e.path?.join(".")}: ${e.message}`).toBe("FORBIDDEN");
          if (access) expect(e.message).toMatch(/outside the rows/);
        }
      });
    }
  }
});
