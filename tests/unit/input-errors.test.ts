// How a variable that failed coercion becomes BAD_USER_INPUT with the input's path: the message
// graphql-js writes is the only place the path is, and the rejected value inside it is the caller's.
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { withInputPath } from "../../src/errors.ts";

const extensionsOf = (message: string, extensions: Record<string, unknown> = {}) =>
  withInputPath(new GraphQLError(message, { extensions })).extensions;

describe("withInputPath", () => {
  it("names the path inside the variable and keeps the scalar's own rule", () => {
    expect(
      extensionsOf('Variable "$input" got invalid value "1e5" at "input.amount"; Decimal must be a string.', {
        code: "BAD_USER_INPUT",
        rule: "decimal_format",
      }),
    ).toEqual({ code: "BAD_USER_INPUT", field: "input.amount", rule: "decimal_format" });
  });

  it("gives errors of graphql-js itself the code and rule input_type", () => {
    expect(
      extensionsOf('Variable "$input" got invalid value "ROBOT" at "input.sex"; Value "ROBOT" does not exist.'),
    ).toEqual({ code: "BAD_USER_INPUT", field: "input.sex", rule: "input_type" });
  });

  it("is not fooled by '; ' or ' at \"' inside the rejected value", () => {
    const value = '"x; at \\"input.fake\\"; y"';
    expect(
      extensionsOf(`Variable "$input" got invalid value ${value} at "input.accountCode"; String cannot represent…`)
        .field,
    ).toBe("input.accountCode");
  });

  it("names list elements and whole variables", () => {
    expect(extensionsOf('Variable "$ids" got invalid value "x" at "ids[1]"; Expected ID.').field).toBe("ids[1]");
    expect(extensionsOf('Variable "$n" got invalid value "x"; Int cannot represent non-integer value: "x"').field).toBe(
      "n",
    );
  });

  it("leaves other errors as they are", () => {
    const error = new GraphQLError("Cannot query field nope on type Query.");
    expect(withInputPath(error)).toBe(error);
  });
});
