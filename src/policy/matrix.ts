// The role × field matrix that policy reviewers sign off: every field of every type, and what each
// role gets (clear, masked with which masker and which purposes unlock it, or denied).
import type { GraphQLSchema } from "graphql";
import type { Policy } from "./policy.ts";
import { policyTypes } from "./types.ts";

export interface MatrixRow {
  field: string;
  cells: string[];
}

export function policyMatrix(policy: Policy, schema: GraphQLSchema): { roles: string[]; rows: MatrixRow[] } {
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
  for (const [type, fields] of [...policyTypes(schema)].sort(([a], [b]) => a.localeCompare(b))) {
    rows.push({ field: `${type} (rows)`, cells: roles.map((r) => policy.rows(r, type) ?? "none") });
    for (const field of [...fields].sort())
      rows.push({ field: `${type}.${field}`, cells: roles.map((r) => cell(r, type, field)) });
  }
  return { roles, rows };
}

export function matrixMarkdown(m: { roles: string[]; rows: MatrixRow[] }): string {
  const head = `| field | ${m.roles.join(" | ")} |\n|---|${m.roles.map(() => "---").join("|")}|`;
  return `${head}\n${m.rows.map((r) => `| ${r.field} | ${r.cells.join(" | ")} |`).join("\n")}\n`;
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function matrixHtml(m: { roles: string[]; rows: MatrixRow[] }): string {
  const color = (c: string) =>
    c.startsWith("clear") || c === "allowed" || c === "all"
      ? "#d9f2d9"
      : c.startsWith("masked") || c === "region" || c === "agency"
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
`;
}
