// The role × field matrix that policy reviewers sign off: every field of every type, and what each
// role gets (clear, masked with which masker and which purposes unlock it, or denied).
import type { GraphQLSchema } from "graphql";
import { PART_NAMES } from "../domain/parts.ts";
import { MASKER_INFO } from "../masking/maskers.ts";
import type { Policy } from "./policy.ts";
import { MASKABLE, partsSummary } from "./rebuild.ts";
import { policyTypes } from "./types.ts";

export interface MatrixRow {
  field: string;
  cells: string[];
}

export interface Matrix {
  roles: string[];
  rows: MatrixRow[];
  /** Plain-language notes printed under the table: the masking rule and what each masker returns. */
  notes: string[];
}

/** The rule the loader applies to masks, in the words policies/README.md uses. */
export const MASK_RULE =
  "Masks are judged together, per role: a role may not learn every part of a value it sees masked, " +
  "from the mask itself or from its other fields. The rows '(parts known)' show, per role, which parts " +
  "of each maskable value it can learn and which stay hidden; the gateway refuses to start when nothing stays hidden.";

export function policyMatrix(policy: Policy, schema: GraphQLSchema): Matrix {
  const roles = [...policy.roles.keys()];
  const rows: MatrixRow[] = [];
  const cell = (role: string, type: string, field: string): string => {
    const access = policy.access(role, type, field);
    if (!access) return "denied";
    if (access.kind === "clear") return "clear";
    const purposes = [...(policy.role(role)?.purposes ?? [])]
      .filter(([, refs]) => refs.has(`${type}.${field}`))
      .map(([p]) => p);
    return purposes.length
      ? `masked (${access.masker}); clear for ${purposes.join(", ")}`
      : `masked (${access.masker})`;
  };
  for (const q of Object.keys(schema.getQueryType()?.getFields() ?? {}).sort()) {
    rows.push({
      field: `Query.${q}`,
      cells: roles.map((r) => (policy.role(r)?.queries.has(q) ? "allowed" : "denied")),
    });
  }
  for (const m of Object.keys(schema.getMutationType()?.getFields() ?? {}).sort()) {
    rows.push({
      field: `Mutation.${m}`,
      cells: roles.map((r) => (policy.role(r)?.mutations.has(m) ? "allowed" : "denied")),
    });
  }
  // What a role learns of each maskable value it sees masked: the parts it can put together.
  const parts = (role: string, ref: string): string => {
    const access = policy.role(role)?.fields.get(ref);
    if (!access) return "denied";
    if (access.kind === "clear") return "clear";
    const { known, hidden } = partsSummary(ref, policy.role(role)?.fields ?? new Map(), MASKER_INFO);
    const names = (ps: readonly string[]) => ps.map((p) => PART_NAMES[p as keyof typeof PART_NAMES]).join(", ");
    return `${known.length ? `knows ${names(known)}; ` : ""}hidden: ${names(hidden)}`;
  };
  for (const [type, fields] of [...policyTypes(schema)].sort(([a], [b]) => a.localeCompare(b))) {
    rows.push({ field: `${type} (rows)`, cells: roles.map((r) => policy.rows(r, type) ?? "none") });
    for (const field of [...fields].sort()) {
      rows.push({ field: `${type}.${field}`, cells: roles.map((r) => cell(r, type, field)) });
      const ref = `${type}.${field}`;
      if (MASKABLE[ref]) rows.push({ field: `${ref} (parts known)`, cells: roles.map((r) => parts(r, ref)) });
    }
  }
  const notes = [
    MASK_RULE,
    ...Object.entries(MASKER_INFO).map(([name, info]) => `Masker ${name} (${info.scalar}): ${info.returns}.`),
  ];
  return { roles, rows, notes };
}

export function matrixMarkdown(m: Matrix): string {
  const head = `| field | ${m.roles.join(" | ")} |\n|---|${m.roles.map(() => "---").join("|")}|`;
  const notes = m.notes.map((n) => `- ${n}`).join("\n");
  return `${head}\n${m.rows.map((r) => `| ${r.field} | ${r.cells.join(" | ")} |`).join("\n")}\n\n${notes}\n`;
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function matrixHtml(m: Matrix): string {
  const color = (c: string) =>
    c.startsWith("clear") || c === "allowed" || c === "all"
      ? "#d9f2d9"
      : c.startsWith("masked") || c.startsWith("knows") || c.startsWith("hidden") || c === "region" || c === "agency"
        ? "#fff3cd"
        : "#f8d7da";
  const rows = m.rows
    .map(
      (r) =>
        `<tr><th>${escapeHtml(r.field)}</th>${r.cells.map((c) => `<td style="background:${color(c)}">${escapeHtml(c)}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<!doctype html><meta charset="utf-8"><title>Gerbang policy matrix</title>
<style>body{font:13px sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}</style>
<h1>Gerbang: role × field matrix</h1>
<table><tr><th>field</th>${m.roles.map((r) => `<th>${escapeHtml(r)}</th>`).join("")}</tr>
${rows}
</table>
<ul>${m.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>
`;
}
