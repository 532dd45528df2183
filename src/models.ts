// The registry of the Prisma models the API exposes: one row per model, keyed by Prisma's own model
// names (a typo does not compile). Everything the gateway needs to know about a model's rows lives
// here: which row rules the policy may give it, how each rule becomes part of a Prisma `where`, how
// to check a row already loaded through a to-one relation, and which Prisma delegate reads it.
// Adding a type is one row here, its schema file and its policy lines (README: "Add a type").
import type { Db } from "./db/database.ts";
import type { Prisma } from "./generated/prisma/client.ts";

/** Which rows of a model a role sees: all of them, those of its region, or those of its agency. */
export type RowRule = "all" | "region" | "agency";

type TypeMap = Prisma.TypeMap["model"];

/** A stored row of model K (its scalar columns). */
export type RowOf<K extends Prisma.ModelName> = TypeMap[K]["payload"]["scalars"];

/** The Prisma `where` of model K. */
export type WhereOf<K extends Prisma.ModelName> = NonNullable<TypeMap[K]["operations"]["findMany"]["args"]["where"]>;

/** The `data` of an update of model K. */
export type UpdateDataOf<K extends Prisma.ModelName> = TypeMap[K]["operations"]["update"]["args"]["data"];

/** A database handle: the client, or the transaction client a mutation runs in. */
export type DbOrTx = Db | Prisma.TransactionClient;

/** The delegate calls shared code makes on any model (lists, lookups, scope checks, versioned updates). */
export interface ModelDelegate<K extends Prisma.ModelName> {
  findMany(args: object): Promise<unknown[]>;
  findFirst(args: { where: WhereOf<K> }): Promise<RowOf<K> | null>;
  count(args: { where: WhereOf<K> }): Promise<number>;
  update(args: { where: object; data: object }): Promise<RowOf<K>>;
}

export interface ModelEntry<K extends Prisma.ModelName> {
  /** The primary-key column when it is not `id` (the audit trails count by `seq`). */
  key?: "seq";
  /** `region` rule: the rows whose region code starts with the principal's scope prefix. */
  region?: (prefix: string) => WhereOf<K>;
  /** `agency` rule: the rows of the principal's own agency (by agency code). */
  agency?: (code: string) => WhereOf<K>;
  /**
   * For a row reached through a to-one relation (taxRecord → citizen): its region and agency code, read
   * from the loaded row itself. A model without them is checked with one batched query instead (see
   * policy/scope.ts), so no to-one relation can skip the row rule.
   */
  regionOfRow?: (row: Partial<RowOf<K>>) => string | undefined;
  agencyOfRow?: (row: Partial<RowOf<K>>) => string | undefined;
  delegate: (db: DbOrTx) => ModelDelegate<K>;
}

const startsWith = (prefix: string) => ({ startsWith: prefix });

/** Models whose rows the API exposes. Models not listed (seals, settings, clients) have no GraphQL type. */
export const MODELS = {
  Region: { delegate: (db) => db.region },
  Agency: {
    region: (p) => ({ regionCode: startsWith(p) }),
    agency: (code) => ({ code }),
    regionOfRow: (row) => row.regionCode,
    agencyOfRow: (row) => row.code,
    delegate: (db) => db.agency,
  },
  // The DOMICILE village: the NIK prefix is the place of first registration and never changes.
  Citizen: {
    region: (p) => ({ domicileCode: startsWith(p) }),
    regionOfRow: (row) => row.domicileCode,
    delegate: (db) => db.citizen,
  },
  TaxRecord: {
    region: (p) => ({ citizen: { domicileCode: startsWith(p) } }),
    agency: (code) => ({ agency: { code } }),
    delegate: (db) => db.taxRecord,
  },
  Permit: {
    region: (p) => ({ applicant: { domicileCode: startsWith(p) } }),
    agency: (code) => ({ agency: { code } }),
    delegate: (db) => db.permit,
  },
  SocialAssistance: {
    region: (p) => ({ citizen: { domicileCode: startsWith(p) } }),
    delegate: (db) => db.socialAssistance,
  },
  FinancialTransaction: {
    region: (p) => ({ agency: { regionCode: startsWith(p) } }),
    agency: (code) => ({ agency: { code } }),
    delegate: (db) => db.financialTransaction,
  },
  ArchiveDocument: {
    region: (p) => ({ agency: { regionCode: startsWith(p) } }),
    agency: (code) => ({ agency: { code } }),
    delegate: (db) => db.archiveDocument,
  },
  ServiceRecord: {
    region: (p) => ({ citizen: { domicileCode: startsWith(p) } }),
    agency: (code) => ({ agency: { code } }),
    delegate: (db) => db.serviceRecord,
  },
  AuditEntry: { key: "seq", delegate: (db) => db.auditEntry },
  AccessEntry: { key: "seq", delegate: (db) => db.accessEntry },
  SecurityAlert: { delegate: (db) => db.securityAlert },
} satisfies { [K in Prisma.ModelName]?: ModelEntry<K> };

/** The name of a model the API exposes. */
export type ModelName = keyof typeof MODELS;

/** Models with a `version` column: updated only through the versioned helpers of schema/mutations.ts. */
export type VersionedModel = {
  [K in ModelName]: RowOf<K> extends { version: number } ? K : never;
}[ModelName];

export function isModelName(name: string): name is ModelName {
  return Object.hasOwn(MODELS, name);
}

/** The registry row of `model`, typed for it (MODELS[model] alone widens to a union of rows). */
export function modelEntry<K extends ModelName>(model: K): ModelEntry<K> {
  // TypeScript cannot correlate MODELS[K] with ModelEntry<K> for a generic K; the `satisfies` clause
  // above has checked every row against exactly that type.
  return MODELS[model] as unknown as ModelEntry<K>;
}

/** The row rules a policy may give `model`: `all`, plus `region`/`agency` where the model has a path. */
export function rowRulesOf(model: ModelName): RowRule[] {
  const entry: ModelEntry<ModelName> = modelEntry(model);
  return ["all", ...(entry.region ? (["region"] as const) : []), ...(entry.agency ? (["agency"] as const) : [])];
}

/** Every exposed model, in registry order. */
export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];
