// Policy attacks, 7: many aliases of the largest list are refused, or answered scoped and masked.
import { describe, expect, it } from "vitest";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds } from "../support/db.ts";
import { maskedNik, policyAttackFixture, STANDALONE_16 } from "../support/policy-attacks.ts";

describe.each(databaseKinds())("policy attacks on %s", (kind) => {
  const fx = policyAttackFixture(kind);

  describe("7. many aliases", () => {
    it("200 aliases of citizens(first: 500): refused, or answered with every alias scoped and masked", async () => {
      const aliases = Array.from(
        { length: 200 },
        (_, i) => `a${i}: citizens(first: 500) { edges { node { id nik } } }`,
      );
      const started = performance.now();
      const res = await fx.gw.query<Record<string, { edges: Array<{ node: { id: string; nik: string } }> } | null>>(
        `{ ${aliases.join("\n")} }`,
        { token: await tokenFor(fx.gw, "registryBogor") },
      );
      const ms = Math.round(performance.now() - started);
      const answered = Object.values(res.data ?? {}).filter((v) => v !== null).length;
      // What happens today, for the record (there is no limits plugin yet).
      console.info(
        `[policy-attacks ${kind}] 200 aliases: HTTP ${res.status}, ${answered} answered, ${res.errors?.length ?? 0} errors, ${ms} ms, ${res.text.length} bytes`,
      );
      if (answered === 0) {
        // Refused: with an error that says so, and no data.
        expect(res.errors?.length ?? 0).toBeGreaterThan(0);
        return;
      }
      expect(res.errors).toBeUndefined();
      expect(answered).toBe(200);
      const bogorIds = fx.bogor.map((c) => c.id).sort();
      for (const [alias, conn] of Object.entries(res.data ?? {})) {
        const nodes = conn?.edges.map((e) => e.node) ?? [];
        expect(nodes.map((n) => n.id).sort(), alias).toEqual(bogorIds);
        for (const n of nodes) expect(n.nik).toBe(maskedNik(fx.byId.get(n.id)?.nik ?? ""));
      }
      expect(res.text.match(STANDALONE_16) ?? []).toEqual([]);
    });
  });
});
