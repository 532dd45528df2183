// The audit events: one per mutation, named entity + past tense, so auditors can filter by what
// happened without parsing field names. A mutation without an event here does not compile.
export const EVENTS = {
  registerCitizen: "CITIZEN_REGISTERED",
  correctCitizen: "CITIZEN_CORRECTED",
  changeCitizenAddress: "CITIZEN_ADDRESS_CHANGED",
  recordCitizenDeath: "CITIZEN_DEATH_RECORDED",
  assessTax: "TAX_ASSESSED",
  recordTaxPayment: "TAX_PAYMENT_RECORDED",
  submitPermit: "PERMIT_SUBMITTED",
  reviewPermit: "PERMIT_REVIEW_STARTED",
  approvePermit: "PERMIT_APPROVED",
  rejectPermit: "PERMIT_REJECTED",
  revokePermit: "PERMIT_REVOKED",
  enrollSocialAssistance: "SOCIAL_ASSISTANCE_ENROLLED",
  endSocialAssistance: "SOCIAL_ASSISTANCE_ENDED",
  recordFinancialTransaction: "FINANCIAL_TRANSACTION_RECORDED",
  registerArchiveDocument: "ARCHIVE_DOCUMENT_REGISTERED",
  verifyArchiveDocument: "ARCHIVE_DOCUMENT_VERIFIED",
  recordService: "SERVICE_RECORDED",
  acknowledgeSecurityAlert: "SECURITY_ALERT_ACKNOWLEDGED",
  closeSecurityAlert: "SECURITY_ALERT_CLOSED",
} as const;

export type MutationName = keyof typeof EVENTS;
export type AuditEvent = (typeof EVENTS)[MutationName];

/**
 * The `mutation` of an entry for an attempt that named a field which is no mutation (a document
 * refused by validation). The name itself is not stored: it is whatever the caller typed.
 */
export const UNKNOWN_MUTATION = "unknown";
export const UNKNOWN_MUTATION_EVENT = "UNKNOWN_MUTATION_REFUSED";

/**
 * Actions taken outside GraphQL, by an operator at the command line, that the trail records like
 * mutations (the `mutation` column holds the action, the actor is `cli:<name>`).
 */
export const SYSTEM_EVENTS = {
  openIncident: "INCIDENT_OPENED",
  reportIncident: "INCIDENT_REPORT_DRAFTED",
} as const;

export type SystemAction = keyof typeof SYSTEM_EVENTS;

/** What an entry's `mutation` column holds: a mutation of the schema, a system action, or UNKNOWN_MUTATION. */
export type AuditedMutation = MutationName | SystemAction | typeof UNKNOWN_MUTATION;

/** True for the name of a mutation with an event (own keys only: "constructor" is no mutation). */
export function isMutationName(name: string): name is MutationName {
  return Object.hasOwn(EVENTS, name);
}

export function eventOf(mutation: AuditedMutation): string {
  if (mutation === UNKNOWN_MUTATION) return UNKNOWN_MUTATION_EVENT;
  return Object.hasOwn(SYSTEM_EVENTS, mutation)
    ? SYSTEM_EVENTS[mutation as SystemAction]
    : EVENTS[mutation as MutationName];
}

/** Columns whose values never appear clear in an audit entry: they are stored as keyed hashes. */
export const SENSITIVE_COLUMNS = new Set(["nik", "familyCardNumber", "addressStreet", "addressRt", "addressRw"]);
