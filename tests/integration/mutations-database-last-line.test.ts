// The database is the last line: the concurrent-duplicate race runs for real on PostgreSQL, and the
// unique index answers like the gateway's own check.
import { describe, expect, it } from "vitest";
import { databaseKinds } from "../support/db.ts";
import { mutationFixture } from "../support/mutations.ts";

describe.each(databaseKinds())("mutations on %s", (kind) => {
  const fx = mutationFixture(kind);
  const { citizenInput, call, lastSeq, entriesSince } = fx;

  describe("the database is the last line", () => {
    it.skipIf(kind !== "postgres")(
      "concurrent registrations of one new NIK: exactly one SUCCESS, the others a clean CONFLICT",
      async () => {
        const ROUNDS = 5;
        const CONCURRENT = 8;
        for (let round = 1; round <= ROUNDS; round++) {
          const input = citizenInput();
          const seq = await lastSeq();
          const ids = Array.from({ length: CONCURRENT }, (_, i) => `race-${round}-${i}-${Date.now()}`);
          const results = await Promise.all(
            ids.map((requestId, i) =>
              call(
                "registryBogor",
                "registerCitizen",
                { ...input, fullName: `Racer ${round}.${i}` },
                { "x-request-id": requestId },
              ),
            ),
          );
          const codes = results.map((r) => (r.errors ? String(r.errors[0]?.extensions?.code) : "OK"));
          expect(
            codes.filter((c) => c === "OK"),
            `round ${round}: ${codes.join(",")}`,
          ).toHaveLength(1);
          expect(
            codes.filter((c) => c === "CONFLICT"),
            `round ${round}: ${codes.join(",")}`,
          ).toHaveLength(CONCURRENT - 1);
          for (const r of results.filter((x) => x.errors)) {
            expect(r.errors).toHaveLength(1);
            expect(r.errors?.[0]?.extensions?.code).toBe("CONFLICT");
            // The same answer whether the gateway's check or the unique index caught the duplicate.
            expect.soft(r.errors?.[0]?.extensions?.field, r.errors?.[0]?.message).toBe("input.nik");
            expect(r.errors?.[0]?.message).toMatch(/NIK/i);
          }
          expect(await fx.db.query(`SELECT 1 FROM "Citizen" WHERE "nik" = $1`, [input.nik])).toHaveLength(1);
          const rows = await entriesSince(seq);
          expect(rows).toHaveLength(CONCURRENT);
          // Matched by the x-request-id each request sent, kept beside the gateway's own id.
          expect(rows.map((r) => r.clientRequestId).sort()).toEqual([...ids].sort());
          expect(rows.filter((r) => r.outcome === "SUCCESS")).toHaveLength(1);
          expect(rows.filter((r) => r.outcome === "CONFLICT")).toHaveLength(CONCURRENT - 1);
        }
      },
    );
  });
});
