// The model registry (src/models.ts) and the row scope built on it: every exposed model is in the
// registry and back, a principal without the claim its row rule needs sees no row of any model, and
// a row reached through a to-one relation is checked even when its model has no scope column.
import { isObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import type { Context } from "../../src/context.ts";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { createRateLimiter } from "../../src/limits/rate-limit.ts";
import { createLogger } from "../../src/log.ts";
import { MODEL_NAMES, modelEntry, rowRulesOf } from "../../src/models.ts";
import { NO_MONITOR } from "../../src/monitoring/monitor.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { Policy, type RolePolicy } from "../../src/policy/policy.ts";
import { relatedRowVisible, rowScope, scoped } from "../../src/policy/scope.ts";
import { schema } from "../../src/schema/index.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { testConfig } from "../support/gateway.ts";

const policy = loadPolicy(testConfig.policyDir, schema);

function principal(role: string, claims: { region?: string; agency?: string } = {}): Principal {
  return {
    subject: `test-${role}`,
    kind: "user",
    role,
    agencyCode: claims.agency,
    regionScope: claims.region,
    scopes: [],
    purposes: [],
    tokenId: undefined,
  };
}

function context(db: Database, who: Principal, withPolicy: Policy = policy): Context {
  return {
    principal: who,
    policy: withPolicy,
    db: db.prisma,
    requestId: "row-scope-test",
    monitor: NO_MONITOR,
    clientRequestId: undefined,
    purpose: undefined,
    caseRef: undefined,
    clientIp: undefined,
    reveals: [],
    lookupLimiter: createRateLimiter(testConfig.lookupRateLimit),
    auditKey: testConfig.auditKey,
    log: createLogger("silent"),
    loaders: new Map(),
  };
}

/** A policy with one role whose row rule for every model is `rule` (where the model allows it). */
function policyWithRule(rule: "region" | "agency"): Policy {
  const role: RolePolicy = {
    role: "probe",
    description: "",
    file: "test",
    rows: new Map(MODEL_NAMES.filter((m) => rowRulesOf(m).includes(rule)).map((m) => [m, rule])),
    queries: new Set(),
    mutations: new Set(),
    fields: new Map(),
    purposes: new Map(),
  };
  return new Policy(new Map([["probe", role]]), new Set());
}

describe("model registry", () => {
  it("lists exactly the Prisma models that have a GraphQL type", () => {
    const exposed = Object.values(Prisma.ModelName).filter((name) => isObjectType(schema.getType(name)));
    expect([...MODEL_NAMES].sort()).toEqual([...exposed].sort());
  });

  it("offers each model the row rules its paths allow", () => {
    expect(rowRulesOf("Region")).toEqual(["all"]);
    expect(rowRulesOf("Citizen")).toEqual(["all", "region"]);
    expect(rowRulesOf("TaxRecord")).toEqual(["all", "region", "agency"]);
    expect(rowRulesOf("AuditEntry")).toEqual(["all"]);
  });
});

describe.each(databaseKinds())("row scope from the registry (%s)", (kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: 60 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it.each(["region", "agency"] as const)(
    "a principal without the claim a %s rule needs sees no row of any model",
    async (rule) => {
      const scopedPolicy = policyWithRule(rule);
      const who = principal("probe"); // no region, no agency claim
      const ruled = MODEL_NAMES.filter((m) => scopedPolicy.rows("probe", m) === rule);
      expect(ruled.length).toBeGreaterThan(3);
      for (const model of ruled) {
        const all = await modelEntry(model).delegate(db.prisma).count({ where: {} });
        expect(all, `${model} has seeded rows`).toBeGreaterThan(0);
        // Alone and combined with a caller's (empty) filter, as every list combines them.
        const alone = await modelEntry(model)
          .delegate(db.prisma)
          .count({ where: rowScope(scopedPolicy, who, model) });
        const combined = await modelEntry(model)
          .delegate(db.prisma)
          .count({ where: scoped(context(db, who, scopedPolicy), model, {}) });
        expect([alone, combined], model).toEqual([0, 0]);
      }
    },
  );

  it("a model with no rule for the role matches no row, whatever the claims", async () => {
    const who = principal("front_office", { region: "32", agency: "DUKCAPIL-3201" });
    expect(policy.rows("front_office", "AccessEntry")).toBeUndefined();
    const citizen = await db.prisma.citizen.findFirstOrThrow();
    await db.prisma.accessEntry.create({
      data: {
        actor: "someone",
        role: "registry_officer",
        citizenId: citizen.id,
        field: "Citizen.nik",
        purpose: "court-order",
        caseRef: "PN-1/2026",
        requestId: "r1",
        // Every reveal carries its keyed hash (the database refuses one without); its value does not
        // matter to row scope.
        hash: "0".repeat(64),
      },
    });
    expect(await db.prisma.accessEntry.count()).toBe(1);
    const seen = await db.prisma.accessEntry.count({ where: scoped(context(db, who), "AccessEntry", {}) });
    expect(seen).toBe(0);
  });

  it("checks a to-one row without scope columns by id, in one query per batch", async () => {
    // TaxRecord has no agency column of its own (the agency is a relation), so the check asks the database.
    expect(modelEntry("TaxRecord").agencyOfRow).toBeUndefined();
    expect(policy.rows("tax_officer", "TaxRecord")).toBe("agency");
    const ctx = context(db, principal("tax_officer", { region: "32.01", agency: "BAPENDA-3201" }));
    const rows = await db.prisma.taxRecord.findMany({ include: { agency: true } });
    const own = rows.filter((r) => r.agency.code === "BAPENDA-3201");
    const other = rows.filter((r) => r.agency.code !== "BAPENDA-3201");
    expect(own.length).toBeGreaterThan(0);
    expect(other.length).toBeGreaterThan(0);

    const before = db.statements.count;
    const answers = await Promise.all(rows.map((row) => relatedRowVisible(ctx, "TaxRecord", row)));
    expect(db.statements.count - before).toBe(1);
    rows.forEach((row, i) => {
      expect(answers[i], row.id).toBe(row.agency.code === "BAPENDA-3201");
    });
  });

  it("checks a to-one row with scope columns from the row itself, without a query", async () => {
    const ctx = context(db, principal("tax_officer", { region: "32.01", agency: "BAPENDA-3201" }));
    const citizens = await db.prisma.citizen.findMany();
    const before = db.statements.count;
    for (const citizen of citizens) {
      expect(await relatedRowVisible(ctx, "Citizen", citizen)).toBe(citizen.domicileCode.startsWith("32.01"));
    }
    expect(db.statements.count).toBe(before);
    expect(citizens.some((c) => c.domicileCode.startsWith("32.01"))).toBe(true);
    expect(citizens.some((c) => !c.domicileCode.startsWith("32.01"))).toBe(true);
  });
});
