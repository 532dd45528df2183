// Mutations refused before any resolver runs — a variable that cannot be coerced, a document that
// fails validation — are attempts like any other: each leaves one audit entry (outcome INVALID, no
// change), written by the caller's principal. Requests without a valid token leave none. And what
// an entry stores is bounded: a 10 MB operation name or a megabyte-long id cannot fill the
// append-only trail, and the trail still verifies afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS } from "../../src/audit/events.ts";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { OFFICERS, type OfficerName, tokenFor } from "../fixtures/officers.ts";
import { type AuditRow, verifyEveryWay } from "../support/audit.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type GraphQLResponse, type TestGateway, testConfig, testGateway } from "../support/gateway.ts";
import { citizenInput, entriesSince, lastSeq, snapshot, utcDate } from "../support/trail.ts";

type Json = Record<string, unknown>;

const TX = `mutation RecordFinancialTransaction($input: RecordFinancialTransactionInput!) {
  recordFinancialTransaction(input: $input) { id } }`;
const DOC = `mutation RegisterArchiveDocument($input: RegisterArchiveDocumentInput!) {
  registerArchiveDocument(input: $input) { id } }`;
const REGISTER = `mutation RegisterCitizen($input: RegisterCitizenInput!) { registerCitizen(input: $input) { id } }`;
const CORRECT = `mutation CorrectCitizen($input: CorrectCitizenInput!) { correctCitizen(input: $input) { id } }`;
const SERVICE = `mutation RecordService($input: RecordServiceInput!) { recordService(input: $input) { id } }`;

/** Longest operation name, id or header value an entry may hold, marker included (README, Audit trail). */
const STORED_MAX = 400;

describe.each(databaseKinds())("mutations refused before execution on %s", (kind) => {
  let db: Database;
  let gw: TestGateway;
  const tokens = {} as Record<OfficerName, string>;
  let citizenId: string;
  let reference = 0;

  const tx = (over: Json = {}): Json => ({
    accountCode: "5.1.02.01",
    amount: "150000.00",
    direction: "DEBIT",
    transactionDate: utcDate(-1),
    reference: `BKU-R-${++reference}`,
    ...over,
  });
  const doc = (over: Json = {}): Json => ({
    title: "SK Bupati",
    classification: "PUBLIC",
    retentionYears: 10,
    checksumSha256: "ab".repeat(32),
    sizeBytes: "2048",
    storageUri: "s3://arsip/sk.pdf",
    ...over,
  });

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: 30 });
    // The size limits (src/limits) refuse oversized names and values before parsing; this file tests
    // the audit layer's own bounds behind them (defence in depth), so it lifts the size limits.
    // tests/integration/hostile-limits.test.ts holds the limits themselves.
    gw = testGateway(db, undefined, {
      limits: {
        maxBodyBytes: 32 * 1024 * 1024,
        maxDocumentBytes: 16 * 1024 * 1024,
        maxVariablesBytes: 16 * 1024 * 1024,
        maxOperationNameLength: 16 * 1024 * 1024,
        parseCacheChars: 64 * 1024 * 1024,
      },
    });
    for (const name of Object.keys(OFFICERS) as OfficerName[]) tokens[name] = await tokenFor(gw, name);
    const [row] = await db.query<{ id: string }>(
      `SELECT "id" FROM "Citizen" WHERE "domicileCode" LIKE '32.01.%' AND "status" = 'ALIVE' ORDER BY "id" LIMIT 1`,
    );
    citizenId = row?.id ?? "";
    expect(citizenId).not.toBe("");
  });
  afterAll(async () => {
    await db?.close();
  });

  async function send(
    officer: OfficerName | null,
    query: string,
    variables?: Json,
    operationName?: string,
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<Json>> {
    // gw.query sends no operationName: for the cases that need one, the body is built here.
    if (operationName === undefined)
      return gw.query<Json>(query, {
        token: officer ? tokens[officer] : undefined,
        variables: variables ?? {},
        headers,
      });
    const response = await gw.gateway.fetch("http://gerbang.test/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(officer ? { authorization: `Bearer ${tokens[officer]}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables, operationName }),
    });
    return { status: response.status, headers: response.headers, text: "", ...((await response.json()) as Json) };
  }

  interface Expected {
    officer: OfficerName;
    /** The root mutation fields the attempt names, one entry each ("unknown" for names that are no mutation). */
    mutations: string[];
    operation: string | null;
    code: string;
    field?: string;
    rule?: string;
  }

  /** The attempt is refused, changes nothing, and leaves exactly one INVALID entry per mutation it names. */
  async function expectAuditedRefusal(
    attempt: () => Promise<GraphQLResponse<Json>>,
    expected: Expected,
  ): Promise<AuditRow[]> {
    const before = await snapshot(db);
    const seq = await lastSeq(db);
    const res = await attempt();
    const label = `${expected.mutations.join("+")} ${expected.field ?? expected.code}`;
    expect(res.errors?.length, `${label}: ${JSON.stringify(res.errors)}`).toBeGreaterThan(0);
    for (const value of Object.values(res.data ?? {})) expect(value, label).toBeNull();
    const first = res.errors?.[0]?.extensions ?? {};
    expect(first.code, `${label}: ${res.errors?.[0]?.message}`).toBe(expected.code);
    if (expected.field !== undefined) expect(first.field, label).toBe(expected.field);
    if (expected.rule !== undefined) expect(first.rule, label).toBe(expected.rule);
    expect(await snapshot(db), `${label} changed a row`).toEqual(before);
    const entries = await entriesSince(db, seq);
    expect(entries.map((e) => e.mutation).sort(), `${label}: ${JSON.stringify(entries).slice(0, 1500)}`).toEqual(
      [...expected.mutations].sort(),
    );
    const { role, agency } = OFFICERS[expected.officer] as { role: string; agency?: string };
    for (const entry of entries) {
      expect(entry, label).toMatchObject({
        outcome: "INVALID",
        actor: expected.officer,
        role,
        agencyCode: agency ?? null,
        operation: expected.operation,
        event:
          entry.mutation === "unknown" ? "UNKNOWN_MUTATION_REFUSED" : EVENTS[entry.mutation as keyof typeof EVENTS],
      });
      expect(entry.requestId, label).toMatch(/\S/);
      expect(entry.changes, label).toEqual({
        refused: {
          code: expected.code,
          ...(expected.field !== undefined ? { field: expected.field } : {}),
          ...(expected.rule !== undefined ? { rule: expected.rule } : {}),
        },
      });
    }
    return entries;
  }

  // ---------------------------------------------------------------------------------------------

  describe("variables that cannot be coerced", () => {
    const cases: Array<[string, OfficerName, string, string, () => Json, string, string]> = [
      [
        '"1e5" as an amount',
        "financeBogor",
        TX,
        "recordFinancialTransaction",
        () => tx({ amount: "1e5" }),
        "input.amount",
        "decimal_format",
      ],
      [
        "a JSON number as an amount",
        "financeBogor",
        TX,
        "recordFinancialTransaction",
        () => tx({ amount: 100000 }),
        "input.amount",
        "decimal_format",
      ],
      [
        "an amount beyond the column's 16 integer digits",
        "financeBogor",
        TX,
        "recordFinancialTransaction",
        () => tx({ amount: "12345678901234567.00" }),
        "input.amount",
        "decimal_range",
      ],
      [
        "a size one beyond 64 bits",
        "archivistBogor",
        DOC,
        "registerArchiveDocument",
        () => doc({ sizeBytes: "9223372036854775808" }),
        "input.sizeBytes",
        "bigint_range",
      ],
      [
        "a size of 30 digits",
        "archivistBogor",
        DOC,
        "registerArchiveDocument",
        () => doc({ sizeBytes: "1".repeat(30) }),
        "input.sizeBytes",
        "bigint_range",
      ],
      [
        "a size that is no number",
        "archivistBogor",
        DOC,
        "registerArchiveDocument",
        () => doc({ sizeBytes: "12kB" }),
        "input.sizeBytes",
        "bigint_format",
      ],
      [
        "year 0000",
        "registryBogor",
        REGISTER,
        "registerCitizen",
        () => citizenInput({ birthDate: "0000-01-01" }),
        "input.birthDate",
        "date_range",
      ],
      [
        "a wrong enum value",
        "registryBogor",
        REGISTER,
        "registerCitizen",
        () => citizenInput({ sex: "ROBOT" }),
        "input.sex",
        "input_type",
      ],
      [
        "a string for an Int",
        "registryBogor",
        CORRECT,
        "correctCitizen",
        () => ({ id: citizenId, version: "one" }),
        "input.version",
        "input_type",
      ],
      [
        "a required field left out",
        "registryBogor",
        REGISTER,
        "registerCitizen",
        () => {
          const { nik: _nik, ...rest } = citizenInput();
          return rest;
        },
        "input",
        "input_type",
      ],
    ];
    for (const [name, officer, document, mutation, input, field, rule] of cases) {
      it(`${name}: BAD_USER_INPUT ${field} (${rule}), one INVALID entry, no change`, async () => {
        const operation = mutation.charAt(0).toUpperCase() + mutation.slice(1);
        await expectAuditedRefusal(() => send(officer, document, { input: input() }), {
          officer,
          mutations: [mutation],
          operation,
          code: "BAD_USER_INPUT",
          field,
          rule,
        });
      });
    }

    it("a role that may not call the mutation is recorded too (INVALID: it was refused before the policy ran)", async () => {
      await expectAuditedRefusal(() => send("frontOfficeBogor", TX, { input: tx({ amount: "1e5" }) }), {
        officer: "frontOfficeBogor",
        mutations: ["recordFinancialTransaction"],
        operation: "RecordFinancialTransaction",
        code: "BAD_USER_INPUT",
        field: "input.amount",
        rule: "decimal_format",
      });
    });

    it("an operation with two mutations and one bad variable: one entry for each", async () => {
      const document = `mutation Two($a: RecordServiceInput!, $b: RecordFinancialTransactionInput!) {
        recordService(input: $a) { id } recordFinancialTransaction(input: $b) { id } }`;
      await expectAuditedRefusal(
        () =>
          send("financeBogor", document, {
            a: { citizenId, serviceType: "KTP", channel: "COUNTER", outcome: "COMPLETED" },
            b: tx({ amount: "1e5" }),
          }),
        {
          officer: "financeBogor",
          mutations: ["recordFinancialTransaction", "recordService"],
          operation: "Two",
          code: "BAD_USER_INPUT",
          field: "b.amount",
          rule: "decimal_format",
        },
      );
    });
  });

  describe("documents that fail validation", () => {
    it("an unknown argument", async () => {
      const document = `mutation RegisterCitizen($input: RegisterCitizenInput!) {
        registerCitizen(input: $input, force: true) { id } }`;
      await expectAuditedRefusal(() => send("registryBogor", document, { input: citizenInput() }), {
        officer: "registryBogor",
        mutations: ["registerCitizen"],
        operation: "RegisterCitizen",
        code: "GRAPHQL_VALIDATION_FAILED",
      });
    });

    it("a literal of the wrong type, in an anonymous operation", async () => {
      const document = `mutation { recordFinancialTransaction(input: { accountCode: "5.1", amount: 1e5, direction: DEBIT,
        transactionDate: "${utcDate(-1)}", reference: "BKU-LIT" }) { id } }`;
      // The scalar's own refusal is the validation error here, with its code and rule.
      await expectAuditedRefusal(() => send("financeBogor", document), {
        officer: "financeBogor",
        mutations: ["recordFinancialTransaction"],
        operation: null,
        code: "BAD_USER_INPUT",
        rule: "decimal_format",
      });
    });

    it("the same invalid document twice is two attempts (Yoga's validation cache hides neither)", async () => {
      const document = `mutation Twice($input: RecordServiceInput!) { recordService(input: $input, force: 1) { id } }`;
      const input = { citizenId, serviceType: "KTP", channel: "COUNTER", outcome: "COMPLETED" };
      for (let i = 0; i < 2; i++)
        await expectAuditedRefusal(() => send("frontOfficeBogor", document, { input }), {
          officer: "frontOfficeBogor",
          mutations: ["recordService"],
          operation: "Twice",
          code: "GRAPHQL_VALIDATION_FAILED",
        });
    });

    it("a wrong enum literal reached through a fragment on Mutation", async () => {
      const document = `mutation Frag { ...M } fragment M on Mutation {
        recordService(input: { citizenId: "${citizenId}", serviceType: "KTP", channel: FAX, outcome: COMPLETED }) { id } }`;
      await expectAuditedRefusal(() => send("frontOfficeBogor", document), {
        officer: "frontOfficeBogor",
        mutations: ["recordService"],
        operation: "Frag",
        code: "GRAPHQL_VALIDATION_FAILED",
      });
    });

    it('a field that is no mutation is stored as "unknown", once however often it is named', async () => {
      const names = Array.from({ length: 300 }, (_, i) => `drop${i % 3}`).join(" ");
      const entries = await expectAuditedRefusal(() => send("auditor", `mutation Drop { ${names} }`), {
        officer: "auditor",
        mutations: ["unknown"],
        operation: "Drop",
        code: "GRAPHQL_VALIDATION_FAILED",
      });
      expect(entries[0]?.entityType).toBeNull();
    });

    it("two mutation operations and no operation name: refused before any operation is chosen, no entry", async () => {
      // Yoga refuses this while parsing (OPERATION_RESOLUTION_FAILURE): no operation was attempted,
      // so there is nothing to name in an entry. The README says so.
      const document = `mutation A($input: RecordServiceInput!) { recordService(input: $input) { id } }
        mutation B($input: RecordServiceInput!) { recordService(input: $input) { id } }`;
      const seq = await lastSeq(db);
      const res = await send("frontOfficeBogor", document, {
        input: { citizenId, serviceType: "KTP", channel: "COUNTER", outcome: "COMPLETED" },
      });
      expect(res.errors?.[0]?.extensions?.code).toBe("OPERATION_RESOLUTION_FAILURE");
      expect(await entriesSince(db, seq)).toEqual([]);
    });
  });

  describe("what is not a refused mutation leaves no entry, and nothing is recorded twice", () => {
    it("queries with bad variables or failing validation", async () => {
      const seq = await lastSeq(db);
      const a = await send("registryBogor", `query Q($n: Int) { citizens(first: $n) { totalCount } }`, { n: "x" });
      expect(a.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      const b = await send("registryBogor", `query Q { citizens { nope } }`);
      expect(b.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      // The operation chosen is a query: the mutation beside it is not attempted.
      const c = await send(
        "registryBogor",
        `query Q { citizens(first: 1) { totalCount } } mutation M { registerCitizen(input: {}) { id } }`,
        {},
        "Q",
      );
      expect(c.errors?.length).toBeGreaterThan(0);
      expect(await entriesSince(db, seq)).toEqual([]);
    });

    it("no token, or a bad one: 401 and no entry", async () => {
      const seq = await lastSeq(db);
      for (const token of [undefined, "not-a-token", `${tokens.financeBogor}x`]) {
        const res = await gw.query(TX, { token, variables: { input: tx({ amount: "1e5" }) } });
        expect(res.status).toBe(401);
        const bad = await gw.query(`mutation { nope }`, { token });
        expect(bad.status).toBe(401);
      }
      expect(await entriesSince(db, seq)).toEqual([]);
    });

    it("a refusal by the resolver is recorded once, by the resolver", async () => {
      const before = await snapshot(db);
      const seq = await lastSeq(db);
      const res = await send("financeBogor", TX, { input: tx({ accountCode: "abc" }) });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", rule: "account_code_format" });
      const entries = await entriesSince(db, seq);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ outcome: "INVALID", mutation: "recordFinancialTransaction" });
      expect(await snapshot(db)).toEqual(before);
    });

    it("a refusal by the policy is recorded once, as DENIED", async () => {
      const seq = await lastSeq(db);
      const res = await send("frontOfficeBogor", TX, { input: tx() });
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const entries = await entriesSince(db, seq);
      expect(entries.map((e) => e.outcome)).toEqual(["DENIED"]);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe("stored strings are bounded", () => {
    const service = () => ({ citizenId, serviceType: "Legalisir KK", channel: "COUNTER", outcome: "COMPLETED" });

    it("a 10 MB operation name is never stored whole", async () => {
      const name = `Op${"A".repeat(10 * 1024 * 1024)}`;
      const seq = await lastSeq(db);
      const res = await send(
        "frontOfficeBogor",
        `mutation ${name}($input: RecordServiceInput!) {
        recordService(input: $input) { id } }`,
        { input: service() },
      );
      const entries = await entriesSince(db, seq);
      if (res.data?.recordService) expect(entries).toHaveLength(1);
      else expect(entries.length).toBeLessThanOrEqual(1); // refused for its size: at most the refusal
      for (const entry of entries) {
        expect(entry.operation?.length ?? 0).toBeLessThanOrEqual(STORED_MAX);
        expect(entry.operation).toMatch(/^OpAAAA.*…\[truncated, \d+ characters\]$/);
      }
    });

    it("a 20 kB operation name is stored cut, with a marker saying how long it was", async () => {
      const name = `Op${"B".repeat(20_000)}`;
      const seq = await lastSeq(db);
      const res = await send(
        "frontOfficeBogor",
        `mutation ${name}($input: RecordServiceInput!) {
        recordService(input: $input) { id } }`,
        { input: service() },
      );
      expect(res.errors).toBeUndefined();
      const [entry] = await entriesSince(db, seq);
      expect(entry?.outcome).toBe("SUCCESS");
      expect(entry?.operation?.length ?? 0).toBeLessThanOrEqual(STORED_MAX);
      expect(entry?.operation).toMatch(/^OpBBBB/);
      expect(entry?.operation).toContain(`…[truncated, ${name.length} characters]`);
    });

    it("a 1 MB account code is refused (max_length) and not stored", async () => {
      const entries = await expectAuditedRefusal(
        () => send("financeBogor", TX, { input: tx({ accountCode: "5".repeat(1024 * 1024) }) }),
        {
          officer: "financeBogor",
          mutations: ["recordFinancialTransaction"],
          operation: "RecordFinancialTransaction",
          code: "BAD_USER_INPUT",
          field: "input.accountCode",
          rule: "max_length",
        },
      );
      expect(JSON.stringify(entries).length).toBeLessThan(5_000);
    });

    it("a 1 MB id is refused, and the entry names it cut (allowed role and denied role alike)", async () => {
      const id = "9".repeat(1024 * 1024);
      for (const officer of ["registryBogor", "frontOfficeBogor"] as const) {
        const seq = await lastSeq(db);
        const res = await send(officer, CORRECT, { input: { id, version: 1, fullName: "X" } });
        expect(res.errors?.[0]?.extensions?.code).toBe(officer === "registryBogor" ? "BAD_USER_INPUT" : "FORBIDDEN");
        const entries = await entriesSince(db, seq);
        expect(entries, officer).toHaveLength(1);
        expect(entries[0]?.entityId?.length ?? 0, officer).toBeLessThanOrEqual(STORED_MAX);
        expect(entries[0]?.entityId, officer).toMatch(/^9999.*…\[truncated, 1048576 characters\]$/);
      }
    });

    it("an id holding NUL or cut inside an emoji is stored readable, and the entry is not lost", async () => {
      for (const [id, stored] of [
        ["ab\u0000cd", "ab\ufffdcd"],
        ["x\ud800y", "x\ufffdy"],
        ["😀".repeat(200), `${"😀".repeat(128)}…[truncated, 400 characters]`],
      ] as const) {
        const seq = await lastSeq(db);
        const res = await send("registryBogor", CORRECT, { input: { id, version: 1, fullName: "X" } });
        expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
        const entries = await entriesSince(db, seq);
        expect(entries.map((e) => e.entityId)).toEqual([stored]);
      }
    });

    it("huge purpose and case-reference headers are stored cut", async () => {
      const seq = await lastSeq(db);
      const res = await send("frontOfficeBogor", SERVICE, { input: service() }, undefined, {
        "x-purpose": "p".repeat(50_000),
        "x-case-ref": "c".repeat(50_000),
      });
      expect(res.errors).toBeUndefined();
      const [entry] = await entriesSince(db, seq);
      expect(entry?.purpose?.length ?? 0).toBeLessThanOrEqual(STORED_MAX);
      expect(entry?.caseRef?.length ?? 0).toBeLessThanOrEqual(STORED_MAX);
      expect(entry?.purpose).toContain("…[truncated, 50000 characters]");
    });

    it("the trail still verifies after all of the above", async () => {
      const report = await verifyEveryWay(db, testConfig.auditKey);
      expect(report.firstProblem).toBeUndefined();
      expect(report.intact).toBe(true);
      expect(report.entries).toBeGreaterThan(20);
    });
  });
});
