// The compiled policy: the answers the request path asks, precomputed once at start-up so that
// every check during a request is a map lookup.
import { ForbiddenError } from "../errors.ts";
import type { MaskerName } from "../masking/maskers.ts";
import type { RowRule } from "../models.ts";

/** How a role sees one field: clear, or masked with a masker (possibly unlocked by a purpose). */
export type FieldAccess = { kind: "clear" } | { kind: "masked"; masker: MaskerName };

export interface RolePolicy {
  role: string;
  description: string;
  /** Source file, for messages and the matrix. */
  file: string;
  rows: Map<string, RowRule>;
  queries: Set<string>;
  mutations: Set<string>;
  /** `Type.field` → access. */
  fields: Map<string, FieldAccess>;
  /** purpose → set of `Type.field` it turns clear. */
  purposes: Map<string, Set<string>>;
}

export class Policy {
  constructor(
    readonly roles: ReadonlyMap<string, RolePolicy>,
    /** Fields deliberately unreachable for every role (`Type.field`). */
    readonly unreachable: ReadonlySet<string>,
  ) {}

  role(name: string): RolePolicy | undefined {
    return this.roles.get(name);
  }

  access(role: string, type: string, field: string): FieldAccess | undefined {
    return this.roles.get(role)?.fields.get(`${type}.${field}`);
  }

  rows(role: string, type: string): RowRule | undefined {
    return this.roles.get(role)?.rows.get(type);
  }

  /** True when `purpose` lets `role` see `Type.field` in clear. */
  unlocks(role: string, purpose: string, type: string, field: string): boolean {
    return this.roles.get(role)?.purposes.get(purpose)?.has(`${type}.${field}`) ?? false;
  }

  /**
   * Refuses filtering or sorting by a field the role does not see clear: otherwise
   * `where: { nik: { startsWith: "3201" } }` would probe the hidden digits one by one.
   */
  assertClear(role: string, type: string, fields: readonly string[], use: "filter" | "sort"): void {
    for (const field of fields) {
      const access = this.access(role, type, field);
      if (access?.kind !== "clear") {
        const why = access ? "you see it masked" : "you may not read it";
        throw new ForbiddenError(
          `You may not ${use} ${type} by "${field}": ${why}, so ${use === "filter" ? "filtering" : "sorting"} by it could reveal hidden values.`,
        );
      }
    }
  }
}
