// The `changes` masker: an audit entry's values through the reader's own read policy for the entity
// (clear stays clear, masked gets the field's masker, anything else a keyed hash), with the columns
// stored hashed left as they are and the gateway's own refusal words untouched.
import { describe, expect, it } from "vitest";
import type { ChangeReader } from "../../src/masking/changes.ts";
import { MASKERS } from "../../src/masking/maskers.ts";

/** A reader that sees Citizen.fullName clear, the birth date as a year, occupation through a masker that needs the row. */
const reader: ChangeReader = {
  access: (type, field) =>
    type !== "Citizen"
      ? undefined
      : field === "fullName"
        ? { kind: "clear" }
        : field === "birthDate"
          ? { kind: "masked", masker: "birthYear" }
          : field === "occupation"
            ? { kind: "masked", masker: "address" }
            : undefined,
  mask: (masker, value) => (masker === "birthYear" ? `${value.slice(0, 4)}-**-**` : undefined),
  hash: (value) => `hmac:${value.length}`,
};

const mask = (changes: unknown, entityType: string | null = "Citizen") =>
  MASKERS.changes(changes, { entityType }, reader);

describe("the changes masker", () => {
  it("shows each value as the reader's policy shows the field", () => {
    expect(
      mask({
        fullName: { before: "Siti", after: "Siti Rahma" },
        birthDate: { before: null, after: "1988-02-14T00:00:00.000Z" },
        religion: { before: "CATHOLIC", after: "ISLAM" },
        domicileCode: { before: "32.01.01.1003", after: "32.01.01.1004" },
      }),
    ).toEqual({
      fullName: { before: "Siti", after: "Siti Rahma" },
      birthDate: { before: null, after: "1988-**-**" },
      religion: { before: "hmac:8", after: "hmac:5" },
      domicileCode: { before: "hmac:13", after: "hmac:13" },
    });
  });

  it("leaves the columns stored as keyed hashes, and refusals, as they are", () => {
    const stored = { nik: { before: null, after: "hmac:0123" }, addressStreet: { before: "hmac:a", after: "hmac:b" } };
    expect(mask(stored)).toEqual(stored);
    const refused = { refused: { code: "CONFLICT", field: "input.nik", rule: "contact_registry" } };
    expect(mask(refused)).toEqual(refused);
  });

  it("hashes every value of an entity the reader may not read, or of no entity", () => {
    expect(mask({ amount: { before: "1.00", after: "2.00" } }, "TaxRecord")).toEqual({
      amount: { before: "hmac:4", after: "hmac:4" },
    });
    expect(mask({ fullName: { before: "A", after: "B" } }, null)).toEqual({
      fullName: { before: "hmac:1", after: "hmac:1" },
    });
  });

  it("a masker that needs more than the value hashes it instead; no reader, nothing", () => {
    expect(mask({ occupation: { before: "Guru", after: "Petani" } })).toEqual({
      occupation: { before: "hmac:4", after: "hmac:6" },
    });
    expect(MASKERS.changes({ fullName: { before: "A", after: "B" } }, { entityType: "Citizen" })).toBeNull();
    expect(mask("not an object")).toBeNull();
  });
});
