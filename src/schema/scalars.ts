// Custom scalars. Inputs are checked strictly: a malformed date or amount is BAD_USER_INPUT.
import { GraphQLError, Kind, type ValueNode } from "graphql";
import { MASKER_INFO, type MaskedScalar } from "../masking/maskers.ts";
import { builder } from "./builder.ts";

function bad(message: string, rule: string): never {
  // The field path is added where the variable is coerced (server/errors.ts): a scalar does not know it.
  throw new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", rule } });
}

function literalString(node: ValueNode, scalar: string): string {
  if (node.kind !== Kind.STRING) bad(`${scalar} must be given as a string.`, `${scalar.toLowerCase()}_format`);
  return node.value;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Year 0000 parses in JavaScript (1 BC) but PostgreSQL has no year zero: it would fail in the
// database as "Unexpected error.". Plausible ranges per field are the domain's (validate.ts).
const YEAR_ZERO = /^0000-/;

export function parseDate(value: unknown): Date {
  if (typeof value !== "string" || !DATE.test(value)) bad("Date must be a string YYYY-MM-DD.", "date_format");
  if (YEAR_ZERO.test(value)) bad("Date must be in the years 0001 to 9999.", "date_range");
  const date = new Date(`${value}T00:00:00.000Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    bad(`${value} is not a real date.`, "real_date");
  return date;
}

builder.scalarType("Date", {
  description: "Calendar date, YYYY-MM-DD.",
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value)),
  parseValue: parseDate,
  parseLiteral: (node) => parseDate(literalString(node, "Date")),
});

function parseDateTime(value: unknown): Date {
  if (typeof value !== "string") bad("DateTime must be an ISO 8601 string.", "datetime_format");
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime()))
    bad("DateTime must be an ISO 8601 string.", "datetime_format");
  if (YEAR_ZERO.test(value) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999)
    bad("DateTime must be in the years 0001 to 9999.", "date_range");
  return date;
}

builder.scalarType("DateTime", {
  description: "Instant, ISO 8601 (UTC on output).",
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(literalString(node, "DateTime")),
});

const DECIMAL = /^-?\d+(\.\d{1,2})?$/;
/** Integer digits the money columns hold (numeric(18, 2)). */
const DECIMAL_DIGITS = 16;

function parseDecimal(value: unknown): string {
  if (typeof value !== "string" || !DECIMAL.test(value)) {
    bad('Decimal must be a string with at most 2 decimals, e.g. "150000.00".', "decimal_format");
  }
  const integerDigits = value.replace(/^-?0*/, "").split(".")[0] ?? "";
  if (integerDigits.length > DECIMAL_DIGITS)
    bad(`Decimal must have at most ${DECIMAL_DIGITS} digits before the point.`, "decimal_range");
  return value;
}

builder.scalarType("Decimal", {
  description: 'Exact decimal as a string, e.g. "150000.00". Money is never a float.',
  serialize: (value) => (typeof value === "string" ? value : value.toString()),
  parseValue: parseDecimal,
  parseLiteral: (node) => parseDecimal(literalString(node, "Decimal")),
});

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

function parseBigInt(value: unknown): bigint {
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) bad("BigInt must be a string of digits.", "bigint_format");
  // Checked before BigInt() so that a megabyte of digits is not converted first.
  const n = value.replace(/^-?0*/, "").length <= 19 ? BigInt(value) : undefined;
  if (n === undefined || n < INT64.min || n > INT64.max)
    bad("BigInt must fit in 64 bits (-9223372036854775808 to 9223372036854775807).", "bigint_range");
  return n;
}

builder.scalarType("BigInt", {
  description: "64-bit integer as a string of digits.",
  serialize: (value) => value.toString(),
  parseValue: parseBigInt,
  parseLiteral: (node) => parseBigInt(literalString(node, "BigInt")),
});

// ---------------------------------------------------------------------------------------------
// Values a policy may mask. A masked value keeps its shape (frontends keep working) but is not the
// clear type: "1990-**-**" is not a Date, and code generated from the SDL must not parse it as one.
// Each scalar names the clear form and every masked form its maskers return (MASKER_INFO); a value
// of neither form is never sent (serialize throws, which the client sees as "Unexpected error.").

/** The masked forms a scalar can carry, from the masker catalogue, for its description. */
function maskedForms(scalar: MaskedScalar): string {
  return Object.entries(MASKER_INFO)
    .filter(([, info]) => info.scalar === scalar)
    .map(([name, info]) => `masker \`${name}\`: ${info.returns}`)
    .join("; ");
}

function outputOnly(scalar: MaskedScalar): never {
  bad(`${scalar} is an output type only: send the clear value as a String or Date.`, "output_only");
}

function maskedScalar(
  name: MaskedScalar,
  clear: string,
  format: RegExp,
  toText: (value: unknown) => string = (value) => String(value),
) {
  builder.scalarType(name, {
    description: `${clear} Masked forms (policies/ chooses one per role): ${maskedForms(name)}. Output only.`,
    serialize: (value) => {
      const text = toText(value);
      if (!format.test(text)) throw new Error(`${name}: a value in neither its clear nor its masked form`);
      return text;
    },
    parseValue: () => outputOnly(name),
    parseLiteral: () => outputOnly(name),
  });
}

maskedScalar(
  "MaskableNik",
  "NIK: 16 digits in clear, 16 characters always; a `*` stands for each hidden digit.",
  /^[0-9*]{16}$/,
);
maskedScalar(
  "MaskableFamilyCardNumber",
  "No. KK (family-card number): 16 digits in clear, 16 characters always; a `*` stands for each hidden digit.",
  /^[0-9*]{16}$/,
);
maskedScalar(
  "MaskableAddress",
  "Address in clear: `street, RT rrr/RW www, village, district, regency, province`.",
  /^[^\n]*$/,
);
maskedScalar(
  "MaskableDate",
  "Date in clear: `YYYY-MM-DD`. A hidden part is written with `*` (`1990-**-**`): check for `*` before parsing.",
  /^\d{4}-(\d{2}|\*\*)-(\d{2}|\*\*)$/,
  (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value)),
);
