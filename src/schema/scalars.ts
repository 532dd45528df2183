// Custom scalars. Inputs are checked strictly: a malformed date or amount is BAD_USER_INPUT.
import { GraphQLError, Kind, type ValueNode } from "graphql";
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

export function parseDate(value: unknown): Date {
  if (typeof value !== "string" || !DATE.test(value)) bad("Date must be a string YYYY-MM-DD.", "date_format");
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
  return date;
}

builder.scalarType("DateTime", {
  description: "Instant, ISO 8601 (UTC on output).",
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(literalString(node, "DateTime")),
});

const DECIMAL = /^-?\d{1,16}(\.\d{1,2})?$/;

function parseDecimal(value: unknown): string {
  if (typeof value !== "string" || !DECIMAL.test(value)) {
    bad('Decimal must be a string with at most 2 decimals, e.g. "150000.00".', "decimal_format");
  }
  return value;
}

builder.scalarType("Decimal", {
  description: 'Exact decimal as a string, e.g. "150000.00". Money is never a float.',
  serialize: (value) => (typeof value === "string" ? value : value.toString()),
  parseValue: parseDecimal,
  parseLiteral: (node) => parseDecimal(literalString(node, "Decimal")),
});

function parseBigInt(value: unknown): bigint {
  if (typeof value !== "string" || !/^-?\d{1,19}$/.test(value))
    bad("BigInt must be a string of digits.", "bigint_format");
  return BigInt(value);
}

builder.scalarType("BigInt", {
  description: "64-bit integer as a string of digits.",
  serialize: (value) => value.toString(),
  parseValue: parseBigInt,
  parseLiteral: (node) => parseBigInt(literalString(node, "BigInt")),
});
