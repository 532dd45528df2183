// The one text check every mutation argument goes through (src/domain/text.ts): the rule each
// kind of character breaks, lengths in characters (not UTF-16 units), and the walk that finds every
// String and ID in nested inputs and lists, naming its path.
import { GraphQLID, GraphQLInputObjectType, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLString } from "graphql";
import { describe, expect, it } from "vitest";
import { checkText, checkTextInput, DEFAULT_TEXT_MAX, ID_MAX, TEXT_MAX, textMax } from "../../src/domain/text.ts";

function refusal(run: () => void): { field?: unknown; rule?: unknown; code?: unknown } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { extensions: Record<string, unknown> }).extensions;
  }
}

describe("checkText", () => {
  it("passes real names in any script, with apostrophes, hyphens and characters beyond the BMP", () => {
    for (const name of ["Siti Nur'aini", "Made Wiryawan-Putra", "Đặng Thị Hương", "李小龍", "𠀋 Tan", "O’Brien"])
      expect(
        refusal(() => checkText("input.fullName", name, 200)),
        name,
      ).toBeUndefined();
  });

  it.each([
    ["\u0000", "control_character"],
    ["\t", "control_character"],
    ["\u0085", "control_character"],
    ["\u2028", "control_character"],
    ["\u200b", "invisible_character"],
    ["\ufeff", "invisible_character"],
    ["\u2063", "invisible_character"],
    ["\u202e", "bidi_control"],
    ["\u2067", "bidi_control"],
    ["\u061c", "bidi_control"],
    ["\udc00", "invalid_unicode"],
  ])("refuses %j as %s, naming the field", (char, rule) => {
    expect(refusal(() => checkText("input.fullName", `Dewi${char}`, 200))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "input.fullName",
      rule,
    });
  });

  it("counts characters, not UTF-16 units", () => {
    expect(refusal(() => checkText("f", "😀".repeat(200), 200))).toBeUndefined();
    expect(refusal(() => checkText("f", "😀".repeat(201), 200))).toMatchObject({ rule: "max_length" });
  });

  it("refuses ten megabytes by its length before scanning its characters", () => {
    // Every character is a NUL: a scan would answer control_character. max_length means the length
    // was judged first, without walking ten million characters. (Speed belongs in bench/, not here.)
    expect(refusal(() => checkText("f", "\u0000".repeat(10_000_000), 1000))).toMatchObject({ rule: "max_length" });
  });

  it("takes the maximum from the field's name, with defaults for the rest", () => {
    expect(textMax("input.fullName")).toBe(TEXT_MAX.fullName);
    expect(textMax("input.somethingNew")).toBe(DEFAULT_TEXT_MAX);
  });
});

describe("checkTextInput", () => {
  const Line = new GraphQLInputObjectType({
    name: "Line",
    fields: { code: { type: GraphQLString }, count: { type: GraphQLInt } },
  });
  const Input = new GraphQLInputObjectType({
    name: "Input",
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID) },
      fullName: { type: GraphQLString },
      lines: { type: new GraphQLList(new GraphQLNonNull(Line)) },
      tags: { type: new GraphQLList(GraphQLString) },
    },
  });
  const args = [{ name: "input", type: new GraphQLNonNull(Input) }] as never;

  it("finds every String and ID, in nested objects and lists, and names its path", () => {
    const ok = { id: "1", fullName: "Dewi", lines: [{ code: "A", count: 1 }], tags: ["x", null] };
    expect(refusal(() => checkTextInput({ input: ok }, args))).toBeUndefined();
    expect(refusal(() => checkTextInput({ input: { ...ok, id: "1".repeat(ID_MAX + 1) } }, args))).toMatchObject({
      field: "input.id",
      rule: "max_length",
    });
    expect(
      refusal(() => checkTextInput({ input: { ...ok, lines: [{ code: "A" }, { code: "B\u202e" }] } }, args)),
    ).toMatchObject({ field: "input.lines.1.code", rule: "bidi_control" });
    expect(refusal(() => checkTextInput({ input: { ...ok, tags: ["x", "y\u0000"] } }, args))).toMatchObject({
      field: "input.tags.1",
      rule: "control_character",
    });
  });

  it("plans an input type that contains itself once, and walks its values as deep as they go", () => {
    const Node: GraphQLInputObjectType = new GraphQLInputObjectType({
      name: "Node",
      fields: () => ({ label: { type: GraphQLString }, children: { type: new GraphQLList(Node) } }),
    });
    const nodeArgs = [{ name: "tree", type: Node }] as never;
    const tree = { label: "a", children: [{ label: "b", children: [{ label: "c\u200b" }] }] };
    expect(refusal(() => checkTextInput({ tree }, nodeArgs))).toMatchObject({
      field: "tree.children.0.children.0.label",
      rule: "invisible_character",
    });
  });
});
