// Masked values have their own output scalars (issue 10): "1990-**-**" is not a Date, and code
// generated from the SDL must be told so. Each scalar documents every form its maskers return.
import { GraphQLError, type GraphQLScalarType, getNamedType, isObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { MASKER_INFO, MASKERS } from "../../src/masking/maskers.ts";
import { MASKABLE } from "../../src/policy/rebuild.ts";
import { schema } from "../../src/schema/index.ts";

const scalar = (name: string) => schema.getType(name) as GraphQLScalarType;

describe("masked values have their own scalars", () => {
  it("every maskable field is typed with the scalar of its maskers, never Date or String", () => {
    for (const ref of Object.keys(MASKABLE)) {
      const [type, field] = ref.split(".") as [string, string];
      const t = schema.getType(type);
      const named = t && isObjectType(t) ? getNamedType(t.getFields()[field]?.type)?.name : undefined;
      // AuditEntry.changes is a JSON object masked or not (its masker hashes values inside it).
      if (named !== "JSON") expect(named, ref).toMatch(/^Maskable/);
      expect(
        Object.values(MASKER_INFO).some((info) => info.scalar === named),
        `${ref}: a masker returns ${named}`,
      ).toBe(true);
    }
  });

  it("each scalar's description names every masker that returns it, with its example", () => {
    for (const [name, info] of Object.entries(MASKER_INFO)) {
      if (info.scalar === "JSON") continue; // the field's own description says what `changes` shows
      expect(scalar(info.scalar).description, name).toContain(`masker \`${name}\`: ${info.returns}`);
    }
  });

  it("sends a value only in its clear or its masked form", () => {
    const date = scalar("MaskableDate");
    expect(date.serialize(new Date("1990-05-17T00:00:00Z"))).toBe("1990-05-17");
    expect(date.serialize(MASKERS.birthYear(new Date("1990-05-17T00:00:00Z")))).toBe("1990-**-**");
    expect(() => date.serialize("17/05/1990")).toThrow(/neither its clear nor its masked form/);
    const nik = scalar("MaskableNik");
    expect(nik.serialize("3201015705900007")).toBe("3201015705900007");
    expect(nik.serialize(MASKERS.nik("3201015705900007"))).toBe("32**************");
    expect(nik.serialize(MASKERS.nikKeepSerial("3201015705900007"))).toBe("32**********0007");
    expect(() => nik.serialize("32**")).toThrow(/neither/);
  });

  it("is never accepted as input", () => {
    for (const name of ["MaskableNik", "MaskableFamilyCardNumber", "MaskableAddress", "MaskableDate"]) {
      let error: unknown;
      try {
        scalar(name).parseValue("1990-**-**");
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(GraphQLError);
      expect((error as GraphQLError).extensions.code).toBe("BAD_USER_INPUT");
    }
  });
});
