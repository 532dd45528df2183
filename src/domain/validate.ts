// Domain validation of mutation input, in the gateway. The database holds the same rules as
// constraints and triggers (the last line); here they become precise messages with the field path
// and the rule broken, before anything is written.
import { BadUserInputError } from "../errors.ts";
import type { Prisma, Sex } from "../generated/prisma/client.ts";
import { parseFamilyCardNumber, parseNik } from "./nik.ts";

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

function today(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export function notInFuture(field: string, date: Date): void {
  if (date.getTime() > today().getTime()) fail(field, "not_in_future", "must not be in the future.");
}

/** Money: a positive decimal with at most two places (the scalar has checked the format). */
export function positiveAmount(field: string, amount: string): void {
  if (!/^\d+(\.\d{1,2})?$/.test(amount) || /^0+(\.0+)?$/.test(amount))
    fail(field, "positive_amount", "must be a positive amount.");
}

export function notBlank(field: string, value: string, max = 200): string {
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
