// NIK (Nomor Induk Kependudukan) and No. KK (family-card number): building and structural checks.
// Pure functions, no I/O, so validation, masking, the seed and tests can all share one definition.
//
// NIK, 16 digits:  PP RR DD  DDMMYY  SSSS
//   PP RR DD  province, regency, district (kecamatan) of the place of *first registration*;
//             it never changes when the person moves, so it says nothing about the domicile.
//   DDMMYY    birth date; women have 40 added to the day (a woman born on the 5th has "45").
//   SSSS      serial from 0001 among people of that district, birth date and sex.
// No. KK, 16 digits: PP RR DD  DDMMYY (issue date, no +40)  SSSS.
// A number that is valid by structure may still not exist: only the registry knows that.

import type { Sex } from "../generated/prisma/client.ts";

/** Added to the day of birth of women in a NIK. */
export const NIK_FEMALE_DAY_OFFSET = 40;

export interface NikParts {
  /** District of first registration, dotted Kemendagri form: "32.01.01". */
  districtCode: string;
  /** Midnight UTC of the birth date. */
  birthDate: Date;
  sex: Sex;
  serial: number;
}

export type NikParseResult = ({ ok: true } & NikParts) | { ok: false; reason: string };

export interface FamilyCardParts {
  districtCode: string;
  /** Midnight UTC of the issue date. */
  issueDate: Date;
  serial: number;
}

export type FamilyCardParseResult = ({ ok: true } & FamilyCardParts) | { ok: false; reason: string };

const DISTRICT_CODE = /^(\d{2})\.(\d{2})\.(\d{2})$/;
const SIXTEEN_DIGITS = /^\d{16}$/;

/**
 * Builds a NIK. Throws a RangeError on input that cannot form a valid NIK (a bad district code, a
 * serial outside 1–9999, an invalid date), so a caller can never produce one that parseNik rejects.
 * The birth date is read in UTC.
 */
export function buildNik(input: { districtCode: string; birthDate: Date; sex: Sex; serial: number }): string {
  const district = districtDigits(input.districtCode);
  const { day, month, year } = utcParts(input.birthDate, "birthDate");
  const nikDay = input.sex === "FEMALE" ? day + NIK_FEMALE_DAY_OFFSET : day;
  return district + pad2(nikDay) + pad2(month) + pad2(year % 100) + serialDigits(input.serial);
}

/**
 * Checks a NIK's structure and decodes it. `today` resolves the two-digit year: the century chosen is
 * the one that gives the latest birth date not after `today` (so "010130" is 1930 in 2026, not 2030).
 * People over 100 years old are therefore read a century too late; the NIK itself cannot tell.
 */
export function parseNik(nik: string, today: Date = new Date()): NikParseResult {
  if (typeof nik !== "string" || !SIXTEEN_DIGITS.test(nik)) {
    return { ok: false, reason: "a NIK is exactly 16 digits" };
  }
  const district = parseDistrict(nik);
  if (!district.ok) return district;
  let day = Number(nik.slice(6, 8));
  let sex: Sex = "MALE";
  if (day > NIK_FEMALE_DAY_OFFSET) {
    day -= NIK_FEMALE_DAY_OFFSET;
    sex = "FEMALE";
  }
  const date = resolveDate(day, Number(nik.slice(8, 10)), Number(nik.slice(10, 12)), today);
  if (!date.ok) return { ok: false, reason: `digits 7–12 are not a birth date: ${date.reason}` };
  const serial = Number(nik.slice(12, 16));
  if (serial === 0) return { ok: false, reason: "the serial (digits 13–16) starts at 0001" };
  return { ok: true, districtCode: district.code, birthDate: date.date, sex, serial };
}

/** True when `nik` is a structurally valid NIK (see parseNik). */
export function isValidNik(nik: string, today: Date = new Date()): boolean {
  return parseNik(nik, today).ok;
}

/** Builds a No. KK (family-card number). Throws a RangeError on invalid input, like buildNik. */
export function buildFamilyCardNumber(input: { districtCode: string; issueDate: Date; serial: number }): string {
  const district = districtDigits(input.districtCode);
  const { day, month, year } = utcParts(input.issueDate, "issueDate");
  return district + pad2(day) + pad2(month) + pad2(year % 100) + serialDigits(input.serial);
}

/** Checks a No. KK's structure; `today` resolves the century as in parseNik. */
export function parseFamilyCardNumber(kk: string, today: Date = new Date()): FamilyCardParseResult {
  if (typeof kk !== "string" || !SIXTEEN_DIGITS.test(kk)) {
    return { ok: false, reason: "a family-card number is exactly 16 digits" };
  }
  const district = parseDistrict(kk);
  if (!district.ok) return district;
  const date = resolveDate(Number(kk.slice(6, 8)), Number(kk.slice(8, 10)), Number(kk.slice(10, 12)), today);
  if (!date.ok) return { ok: false, reason: `digits 7–12 are not an issue date: ${date.reason}` };
  const serial = Number(kk.slice(12, 16));
  if (serial === 0) return { ok: false, reason: "the serial (digits 13–16) starts at 0001" };
  return { ok: true, districtCode: district.code, issueDate: date.date, serial };
}

// ---------------------------------------------------------------------------------------------

function districtDigits(code: string): string {
  const m = DISTRICT_CODE.exec(code);
  if (!m || m[1] === "00" || m[2] === "00" || m[3] === "00") {
    throw new RangeError(`districtCode must look like "32.01.01" with no 00 part, got ${JSON.stringify(code)}`);
  }
  return `${m[1]}${m[2]}${m[3]}`;
}

// Kemendagri numbers every level from 01: a 00 province, regency or district does not exist.
function parseDistrict(digits: string): { ok: true; code: string } | { ok: false; reason: string } {
  const province = digits.slice(0, 2);
  const regency = digits.slice(2, 4);
  const district = digits.slice(4, 6);
  if (province === "00" || regency === "00" || district === "00") {
    return { ok: false, reason: "digits 1–6 are not a district code (no part may be 00)" };
  }
  return { ok: true, code: `${province}.${regency}.${district}` };
}

function serialDigits(serial: number): string {
  if (!Number.isInteger(serial) || serial < 1 || serial > 9999) {
    throw new RangeError(`serial must be an integer from 1 to 9999, got ${serial}`);
  }
  return String(serial).padStart(4, "0");
}

function utcParts(date: Date, name: string): { day: number; month: number; year: number } {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new RangeError(`${name} is not a valid date`);
  return { day: date.getUTCDate(), month: date.getUTCMonth() + 1, year: date.getUTCFullYear() };
}

function resolveDate(
  day: number,
  month: number,
  yy: number,
  today: Date,
): { ok: true; date: Date } | { ok: false; reason: string } {
  if (month < 1 || month > 12) return { ok: false, reason: `month ${month} does not exist` };
  if (day < 1) return { ok: false, reason: `day ${day} does not exist` };
  // Compare calendar dates as YYYYMMDD numbers, so the time of day of `today` plays no part.
  const todayKey = today.getUTCFullYear() * 10000 + (today.getUTCMonth() + 1) * 100 + today.getUTCDate();
  let year = Math.floor(today.getUTCFullYear() / 100) * 100 + yy;
  if (year * 10000 + month * 100 + day > todayKey) year -= 100;
  // Check the day only once the century is known: 29 February exists in 2000 but not in 1900.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return { ok: false, reason: `day ${day} does not exist in ${year}-${pad2(month)}` };
  return { ok: true, date: new Date(Date.UTC(year, month - 1, day)) };
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
