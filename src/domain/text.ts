// What any text a caller sends in a mutation may hold. Names, codes, numbers, places and addresses
// are shown to officers, printed on documents and compared for uniqueness: a NUL byte (which
// PostgreSQL cannot store), a zero-width space (two "equal" names that differ), a right-to-left
// override (a name that reads differently from what is stored) or a megabyte of text has no place
// in any of them. One check covers every String and ID argument of every mutation (checkTextArgs,
// run by audited() before anything else), so a new mutation is covered without a line of its own.
import {
  type GraphQLArgument,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLResolveInfo,
  getArgumentValues,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
} from "graphql";
import { BadUserInputError } from "../errors.ts";

/**
 * Longest value of each text input, by input field name, in characters (code points). Where the
 * domain knows a shape (NIK, RT/RW, period, checksum) its own rule says exactly what is wrong; the
 * length here only bounds it. An ID is at most `ID_MAX`; any other text at most `DEFAULT_TEXT_MAX`.
 */
export const TEXT_MAX: Readonly<Record<string, number>> = {
  fullName: 200,
  birthPlace: 200,
  occupation: 200,
  addressStreet: 200,
  title: 200,
  storageUri: 500,
  permitType: 100,
  serviceType: 100,
  program: 50,
  taxObjectNumber: 64,
  documentNumber: 64,
  reference: 64,
  accountCode: 64,
  nik: 16,
  familyCardNumber: 16,
  addressRt: 3,
  addressRw: 3,
  domicileCode: 13,
  period: 7,
  checksumSha256: 64,
};
export const ID_MAX = 64;
export const DEFAULT_TEXT_MAX = 1000;

/** The maximum length of the input at `field` ("input.fullName" → TEXT_MAX.fullName). */
export function textMax(field: string): number {
  return TEXT_MAX[field.slice(field.lastIndexOf(".") + 1)] ?? DEFAULT_TEXT_MAX;
}

/**
 * Characters no name or code may contain, each class with the rule a refusal names. A free-text
 * field (none exists yet) could allow line breaks and tabs, but never NUL, bidi controls or broken
 * UTF-16.
 */
const FORBIDDEN: ReadonlyArray<{ chars: RegExp; rule: string; what: string }> = [
  {
    // C0 (NUL, tab, line feed, …), DEL, C1, and the line and paragraph separators.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    chars: /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u,
    rule: "control_character",
    what: "control characters (NUL, tab, line breaks, …)",
  },
  {
    // Zero-width space, non-joiner and joiner, word joiner and invisible operators, byte-order mark.
    chars: /[\u200b-\u200d\u2060-\u2064\ufeff]/u,
    rule: "invisible_character",
    what: "invisible characters (zero-width space, joiner, byte-order mark, …)",
  },
  {
    // Marks, embeddings, overrides and isolates that change the order in which text is shown.
    chars: /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u,
    rule: "bidi_control",
    what: "bidirectional controls (right-to-left override, …)",
  },
  {
    // With the u flag a surrogate class matches only a half without its other half.
    chars: /[\ud800-\udfff]/u,
    rule: "invalid_unicode",
    what: "broken UTF-16 (a lone surrogate)",
  },
];

/** All of FORBIDDEN in one class: the common case (nothing forbidden) costs one test per value. */
const ANY_FORBIDDEN = new RegExp(FORBIDDEN.map((f) => f.chars.source).join("|"), "u");

function fail(field: string, rule: string, message: string): never {
  throw new BadUserInputError(`${field}: ${message}`, { field, rule });
}

/** Code points in `value`, counting only as far as `limit + 1`. */
function codePoints(value: string, limit: number): number {
  let n = 0;
  for (let i = 0; i < value.length && n <= limit; i++, n++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/** Refuses text that is too long or holds a character no name or code may contain. */
export function checkText(field: string, value: string, max: number): void {
  // Length first: a megabyte is refused without scanning it for characters.
  if (value.length > max && codePoints(value, max) > max)
    fail(field, "max_length", `must be at most ${max} characters.`);
  if (!ANY_FORBIDDEN.test(value)) return;
  for (const { chars, rule, what } of FORBIDDEN) {
    if (chars.test(value)) fail(field, rule, `must not contain ${what}.`);
  }
}

/** Where the text of an input type is: worked out once per type, then reused for every request. */
type Plan =
  | { kind: "text"; max: number }
  | { kind: "list"; of: Plan }
  | { kind: "object"; fields: Array<{ name: string; plan: Plan }> }
  | { kind: "none" };

const NONE: Plan = { kind: "none" };
const objectPlans = new WeakMap<GraphQLInputObjectType, Plan>();

/** The plan of an input type; `name` is the input field it belongs to (its maximum length). */
function planOf(type: GraphQLInputType, name: string): Plan {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    const of = planOf(inner.ofType, name);
    return of.kind === "none" ? NONE : { kind: "list", of };
  }
  if (isInputObjectType(inner)) {
    let plan = objectPlans.get(inner);
    if (!plan) {
      // Set before its fields are planned: an input type may contain itself.
      const fields: Array<{ name: string; plan: Plan }> = [];
      plan = { kind: "object", fields };
      objectPlans.set(inner, plan);
      for (const f of Object.values(inner.getFields())) fields.push({ name: f.name, plan: planOf(f.type, f.name) });
    }
    return plan;
  }
  const scalar = getNamedType(inner).name;
  if (scalar === "ID") return { kind: "text", max: ID_MAX };
  if (scalar === "String") return { kind: "text", max: TEXT_MAX[name] ?? DEFAULT_TEXT_MAX };
  return NONE;
}

function walk(value: unknown, plan: Plan, field: string): void {
  if (value === null || value === undefined) return;
  if (plan.kind === "text") checkText(field, String(value), plan.max);
  else if (plan.kind === "list") {
    if (Array.isArray(value)) value.forEach((v, i) => void walk(v, plan.of, `${field}.${i}`));
  } else if (plan.kind === "object") {
    const object = value as Record<string, unknown>;
    for (const f of plan.fields) if (f.plan.kind !== "none") walk(object[f.name], f.plan, `${field}.${f.name}`);
  }
}

/** Checks every String and ID in the given argument values against their definitions. */
export function checkTextInput(args: Record<string, unknown>, definitions: readonly GraphQLArgument[]): void {
  for (const def of definitions) walk(args[def.name], planOf(def.type, def.name), def.name);
}

/** checkTextInput for the field a resolver is running, with its arguments as the request gave them. */
export function checkTextArgs(info: GraphQLResolveInfo): void {
  const def = info.parentType.getFields()[info.fieldName];
  const node = info.fieldNodes[0];
  if (!def || !node) return;
  checkTextInput(getArgumentValues(def, node, info.variableValues), def.args);
}
