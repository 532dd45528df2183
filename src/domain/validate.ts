// Domain validation of mutation input, in the gateway. The database holds the same rules as
// constraints and triggers (the last line); here they become precise messages with the field path
// and the rule broken, before anything is written.
import { BadUserInputError } from "../errors.ts";
import type { Prisma, Sex } from "../generated/prisma/client.ts";
import { parseFamilyCardNumber, parseNik } from "./nik.ts";
import { textMax } from "./text.ts";

type Tx = Prisma.TransactionClient;

function fail(field: string, rule: string, message: string): never {
  throw new BadUserInputError(`${field}: ${message}`, { field, rule });
}

async function districtExists(tx: Tx, code: string): Promise<boolean> {
  return (await tx.region.count({ where: { code, level: "DISTRICT" } })) > 0;
}

/**
 * A NIK must be 16 digits whose first six name a district that exists, whose digits 7–12 are the
 * birth date (day + 40 for women, matching `sex`), and whose serial is not 0000.
 */
export async function checkNik(tx: Tx, field: string, nik: string, birthDate: Date, sex: Sex): Promise<void> {
  const parsed = parseNik(nik);
  if (!parsed.ok) fail(field, "nik_structure", `${parsed.reason}.`);
  if (!(await districtExists(tx, parsed.districtCode))) {
    fail(field, "nik_region", "digits 1–6 must be the code of an existing district (place of first registration).");
  }
  const sameDay = (a: Date, b: Date) =>
    a.getUTCDate() === b.getUTCDate() &&
    a.getUTCMonth() === b.getUTCMonth() &&
    a.getUTCFullYear() % 100 === b.getUTCFullYear() % 100;
  if (parsed.sex !== sex)
    fail(
      field,
      "nik_sex",
      `digits 7–8 say ${parsed.sex === "FEMALE" ? "female (day + 40)" : "male"}, but sex is ${sex}.`,
    );
  if (!sameDay(parsed.birthDate, birthDate))
    fail(field, "nik_birth_date", "digits 7–12 must be the birth date (DDMMYY, day + 40 for women).");
}

/** A family-card number: 16 digits with the code of an existing district and a real issue date. */
export async function checkFamilyCard(tx: Tx, field: string, kk: string): Promise<void> {
  const parsed = parseFamilyCardNumber(kk);
  if (!parsed.ok) fail(field, "family_card_structure", `${parsed.reason}.`);
  if (!(await districtExists(tx, parsed.districtCode)))
    fail(field, "family_card_region", "digits 1–6 must be the code of an existing district.");
}

/**
 * What a number or date must be to be plausible at all, per field (the README's "Input rules" table
 * lists them). Beyond these a value is a typo or an attack, never a record: a birth date in 1824, a
 * tax period 0000, a permit valid for a thousand years.
 */
export const PLAUSIBLE = {
  /** Birth and death dates: no one on the register was born before this. */
  earliestBirthDate: "1900-01-01",
  /** Tax and assistance periods, tax due dates and payments: the electronic records start here. */
  earliestRecordYear: 2000,
  /** A period may be assessed or enrolled up to this many years ahead of the current one. */
  periodYearsAhead: 1,
  /** A tax falls due at most this many years from today. */
  dueDateYearsAhead: 5,
  /** A permit is valid for at most this many years from today. */
  validUntilYearsAhead: 50,
  /** Largest amount of a tax, a payment or a financial transaction, in rupiah (10^15). */
  maxAmount: 10n ** 15n,
  /** Largest social-assistance amount for one citizen, program and period, in rupiah. */
  maxAssistanceAmount: 100_000_000n,
  /** Largest archived file, in bytes (1 TiB). */
  maxArchiveBytes: 2n ** 40n,
  /** Retention of an archived document, in years. */
  retentionYears: { min: 1, max: 1000 },
} as const;

function today(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** Today (UTC) moved by whole years, for windows like "at most 5 years ahead". */
export function yearsFromToday(years: number): Date {
  const t = today();
  return new Date(Date.UTC(t.getUTCFullYear() + years, t.getUTCMonth(), t.getUTCDate()));
}

const day = (date: Date) => date.toISOString().slice(0, 10);

export function notInFuture(field: string, date: Date): void {
  if (date.getTime() > today().getTime()) fail(field, "not_in_future", "must not be in the future.");
}

/** A date (or instant) within [earliest, latest]; either end may be left open. */
export function dateInRange(field: string, date: Date, earliest: Date | string | null, latest: Date | null): void {
  const from = typeof earliest === "string" ? new Date(`${earliest}T00:00:00.000Z`) : earliest;
  if ((from && date.getTime() < from.getTime()) || (latest && date.getTime() > latest.getTime())) {
    const range =
      from && latest
        ? `between ${day(from)} and ${day(latest)}`
        : from
          ? `on or after ${day(from)}`
          : `on or before ${day(latest as Date)}`;
    fail(field, "date_range", `must be ${range}.`);
  }
}

/** A tax or assistance period, YYYY or YYYY-MM, from 2000 to next year. */
export function checkPeriod(field: string, period: string): void {
  const match = /^(\d{4})(-(0[1-9]|1[0-2]))?$/.exec(period);
  if (!match) fail(field, "period_format", "must be YYYY or YYYY-MM.");
  const year = Number(match[1]);
  const last = today().getUTCFullYear() + PLAUSIBLE.periodYearsAhead;
  if (year < PLAUSIBLE.earliestRecordYear || year > last)
    fail(field, "period_range", `must be a period from ${PLAUSIBLE.earliestRecordYear} to ${last}.`);
}

/** A decimal string ("150000.5") as whole cents, for exact comparison. */
function cents(amount: string): bigint {
  const [whole = "0", fraction = ""] = amount.split(".");
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0") || "0");
}

/**
 * Money: a positive decimal with at most two places (the scalar has checked the format), and at
 * most `max` rupiah.
 */
export function positiveAmount(field: string, amount: string, max: bigint = PLAUSIBLE.maxAmount): void {
  if (!/^\d+(\.\d{1,2})?$/.test(amount) || /^0+(\.0+)?$/.test(amount))
    fail(field, "positive_amount", "must be a positive amount.");
  if (cents(amount) > max * 100n) fail(field, "amount_range", `must be at most ${max.toLocaleString("en")}.00.`);
}

/** Trimmed, not empty, and at most as long as the field allows (TEXT_MAX in text.ts by default). */
export function notBlank(field: string, value: string, max = textMax(field)): string {
  const v = value.trim();
  if (v.length === 0) fail(field, "required", "must not be empty.");
  if (v.length > max) fail(field, "max_length", `must be at most ${max} characters.`);
  return v;
}

export function threeDigits(field: string, value: string): void {
  if (!/^\d{3}$/.test(value)) fail(field, "rt_rw_format", "must be 3 digits, e.g. 003.");
}

/** The village a domicile names must exist and be a village. */
export async function checkVillage(tx: Tx, field: string, code: string): Promise<void> {
  const village = await tx.region.findUnique({ where: { code }, select: { level: true, validUntil: true } });
  if (village?.level !== "VILLAGE")
    fail(field, "domicile_village", "must be the code of an existing village, e.g. 32.01.01.1001.");
  if ((village.validUntil?.getTime() ?? Number.POSITIVE_INFINITY) < Date.now())
    fail(field, "domicile_current", "names a village that no longer exists (split or merged).");
}

/** Financial transactions may not be back-dated beyond the window the database also enforces. */
export async function checkBackdateWindow(tx: Tx, field: string, date: Date): Promise<void> {
  notInFuture(field, date);
  const setting = await tx.setting.findUnique({ where: { key: "finance.backdate_window_days" } });
  const days = Number(setting?.value ?? 30);
  if (date.getTime() < today().getTime() - days * 86_400_000)
    fail(field, "backdate_window", `must not be more than ${days} days in the past.`);
}

export { fail as rejectInput };
