// The per-request check that picks the path without per-field shield: it must say "granted" only
// when every field the document names is granted, wherever the field hides (fragments, aliases).
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { documentFullyGranted } from "../../src/policy/enforce.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";

const policy = loadPolicy("policies", schema);
const granted = (role: string, query: string) => documentFullyGranted(policy, schema, parse(query), role);

describe("documentFullyGranted", () => {
  it("is true for a document of granted fields only, including masked ones and relay plumbing", () => {
    expect(
      granted(
        "front_office",
        "{ citizens(first: 5) { totalCount edges { cursor node { id nik address __typename } } pageInfo { hasNextPage } } }",
      ),
    ).toBe(true);
    expect(
      granted("tax_officer", "{ citizens { edges { node { taxRecords { edges { node { agency { code } } } } } } } }"),
    ).toBe(true);
  });

  it("is false when any field is not granted, also inside fragments and aliases", () => {
    expect(granted("front_office", "{ citizens { edges { node { taxRecords { totalCount } } } } }")).toBe(false);
    expect(
      granted(
        "front_office",
        "{ citizens { edges { node { ...F } } } } fragment F on Citizen { id taxRecords { totalCount } }",
      ),
    ).toBe(false);
    expect(
      granted("front_office", "{ citizens { edges { node { ... on Citizen { x: taxRecords { totalCount } } } } } }"),
    ).toBe(false);
    expect(granted("front_office", "{ taxRecords { totalCount } }")).toBe(false);
    expect(granted("front_office", "mutation { registerCitizen(input: {}) { id } }")).toBe(false);
  });

  it("is false for introspection, unknown fields and unknown roles", () => {
    expect(granted("front_office", "{ __schema { types { name } } }")).toBe(false);
    expect(granted("front_office", "{ citizens { edges { node { password } } } }")).toBe(false);
    expect(granted("superuser", "{ regions { totalCount } }")).toBe(false);
  });
});
