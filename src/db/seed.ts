// Deterministic synthetic demo data: the same `citizens` count always produces the same rows, ids
// included, so demos, screenshots and tests can name a citizen and find them again. Nothing here is
// real personal data: names are drawn from common-name lists, NIKs are valid by structure only.
//
// Determinism rules:
// - every random choice comes from the fixed-seed PRNG below, in a fixed order, so citizen N and
//   their records are the same whatever the total count or batch size (a small seed is a prefix of
//   a large one, apart from the per-agency finance rows and reports that scale with the count);
// - ids are generated here (UUIDv7-shaped, time part from the reference date, random part from the
//   PRNG) instead of the database's default;
// - dates hang off SEED_REFERENCE_DATE, never `now`. The one exception is FinancialTransaction: the
//   database refuses transaction dates further back than its window from CURRENT_DATE, so those
//   dates are relative to the day the seed runs (their amounts and references stay deterministic).
//
// Speed and safety: one INSERT per table per batch of citizens (see insertRows for why not
// createMany), all inside one transaction, so a seed that fails half-way leaves nothing behind and
// the caller can simply run it again. 100,000 citizens take about 40 s on PostgreSQL 15.
import { createHash } from "node:crypto";
import { buildFamilyCardNumber, buildNik } from "../domain/nik.ts";
import type {
  AgencyKind,
  CitizenStatus,
  Classification,
  MaritalStatus,
  PermitStatus,
  Prisma,
  PrismaClient,
  Religion,
  ServiceChannel,
  ServiceOutcome,
  Sex,
  TaxStatus,
  TaxType,
} from "../generated/prisma/client.ts";

/**
 * Births, services, payments and decisions lie before this date (or before today, should the clock
 * be earlier). Due dates and permits' validUntil may lie after it, as they would in real data.
 */
export const SEED_REFERENCE_DATE = new Date("2026-01-01T00:00:00Z");
const PRNG_SEED = 0x6e72_6267; // any constant works; changing it changes every row
const DEFAULT_BATCH_SIZE = 2_000;
const DAY_MS = 86_400_000;
/** Mean of the drawn serials (see Generator.serial): people per district, birth date and sex; cards per district and day. */
const NIK_SERIAL_MEAN = 12;
const KK_SERIAL_MEAN = 40;

export interface SeedOptions {
  /** How many citizens to create. */
  citizens: number;
  /** Called after each batch of citizens (and their records) is written. */
  onProgress?: (done: number, total: number) => void;
  /** Citizens per batch; the data does not depend on it. */
  batchSize?: number;
}

/** Rows written per table. */
export interface SeedSummary {
  regions: number;
  agencies: number;
  citizens: number;
  taxRecords: number;
  permits: number;
  socialAssistance: number;
  serviceRecords: number;
  financialTransactions: number;
  archiveDocuments: number;
}

// ---------------------------------------------------------------------------------------------
// Regions (Kemendagri codes and names; villages are a sample of each district's, not all of them)

interface VillageSeed {
  code: string;
  name: string;
}
interface DistrictSeed {
  code: string;
  name: string;
  villages: VillageSeed[];
}
interface RegencySeed {
  code: string;
  name: string;
  /** What people write as birth place and what appears on vehicle plates. */
  city: string;
  plate: string;
  districts: DistrictSeed[];
}
interface ProvinceSeed {
  code: string;
  name: string;
  regencies: RegencySeed[];
}

const v = (districtCode: string, names: string[], kind: "kelurahan" | "desa"): VillageSeed[] =>
  // Kemendagri numbers kelurahan from 1001 and desa from 2001 within a district.
  names.map((name, i) => ({ code: `${districtCode}.${(kind === "kelurahan" ? 1001 : 2001) + i}`, name }));

const PROVINCES: ProvinceSeed[] = [
  {
    code: "32",
    name: "Jawa Barat",
    regencies: [
      {
        code: "32.01",
        name: "Kabupaten Bogor",
        city: "Bogor",
        plate: "F",
        districts: [
          {
            code: "32.01.01",
            name: "Cibinong",
            villages: v("32.01.01", ["Cibinong", "Pakansari", "Nanggewer", "Sukahati"], "kelurahan"),
          },
          {
            code: "32.01.02",
            name: "Gunung Putri",
            villages: v("32.01.02", ["Wanaherang", "Bojong Kulur", "Ciangsana", "Gunung Putri"], "desa"),
          },
          {
            code: "32.01.03",
            name: "Citeureup",
            villages: v("32.01.03", ["Puspanegara", "Tarikolot", "Sanja"], "desa"),
          },
        ],
      },
      {
        code: "32.73",
        name: "Kota Bandung",
        city: "Bandung",
        plate: "D",
        districts: [
          {
            code: "32.73.01",
            name: "Sukasari",
            villages: v("32.73.01", ["Sarijadi", "Sukarasa", "Gegerkalong", "Isola"], "kelurahan"),
          },
          {
            code: "32.73.02",
            name: "Coblong",
            villages: v("32.73.02", ["Cipaganti", "Lebak Siliwangi", "Dago", "Sekeloa"], "kelurahan"),
          },
        ],
      },
    ],
  },
  {
    code: "33",
    name: "Jawa Tengah",
    regencies: [
      {
        code: "33.72",
        name: "Kota Surakarta",
        city: "Surakarta",
        plate: "AD",
        districts: [
          {
            code: "33.72.01",
            name: "Laweyan",
            villages: v("33.72.01", ["Pajang", "Laweyan", "Sriwedari"], "kelurahan"),
          },
          {
            code: "33.72.04",
            name: "Jebres",
            villages: v("33.72.04", ["Kepatihan Kulon", "Mojosongo", "Jebres", "Sudiroprajan"], "kelurahan"),
          },
          {
            code: "33.72.05",
            name: "Banjarsari",
            villages: v("33.72.05", ["Manahan", "Kadipiro", "Keprabon"], "kelurahan"),
          },
        ],
      },
      {
        code: "33.74",
        name: "Kota Semarang",
        city: "Semarang",
        plate: "H",
        districts: [
          {
            code: "33.74.01",
            name: "Semarang Tengah",
            villages: v("33.74.01", ["Pekunden", "Sekayu", "Kauman", "Miroto"], "kelurahan"),
          },
          {
            code: "33.74.10",
            name: "Tembalang",
            villages: v("33.74.10", ["Tembalang", "Bulusan", "Sendangmulyo"], "kelurahan"),
          },
          {
            code: "33.74.11",
            name: "Banyumanik",
            villages: v("33.74.11", ["Srondol Wetan", "Pedalangan", "Padangsari", "Banyumanik"], "kelurahan"),
          },
        ],
      },
    ],
  },
];

const REGENCIES = PROVINCES.flatMap((p) => p.regencies);
const DISTRICTS = REGENCIES.flatMap((r) => r.districts);
const VILLAGES = DISTRICTS.flatMap((d) => d.villages);

/** Codes of the seeded regions, by level, for tests and demos. */
export const SEED_PROVINCES: readonly string[] = PROVINCES.map((p) => p.code);
export const SEED_REGENCIES: readonly string[] = REGENCIES.map((r) => r.code);
export const SEED_DISTRICTS: readonly string[] = DISTRICTS.map((d) => d.code);
export const SEED_VILLAGES: readonly string[] = VILLAGES.map((x) => x.code);

// Regions' codes are fixed in law long before the seed; a constant keeps the rows deterministic.
const REGION_VALID_FROM = new Date("2017-01-01T00:00:00Z");

// ---------------------------------------------------------------------------------------------
// Agencies: one of every kind per regency, e.g. DUKCAPIL-3201.

const AGENCY_KINDS: readonly { kind: AgencyKind; prefix: string; name: string }[] = [
  { kind: "CIVIL_REGISTRY", prefix: "DUKCAPIL", name: "Dinas Kependudukan dan Pencatatan Sipil" },
  { kind: "REVENUE", prefix: "BAPENDA", name: "Badan Pendapatan Daerah" },
  { kind: "SOCIAL_AFFAIRS", prefix: "DINSOS", name: "Dinas Sosial" },
  { kind: "LICENSING", prefix: "DPMPTSP", name: "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu" },
  { kind: "FINANCE", prefix: "BPKAD", name: "Badan Pengelolaan Keuangan dan Aset Daerah" },
  { kind: "ARCHIVES", prefix: "DISARPUS", name: "Dinas Perpustakaan dan Kearsipan" },
  { kind: "HEALTH", prefix: "DINKES", name: "Dinas Kesehatan" },
  { kind: "EDUCATION", prefix: "DISDIK", name: "Dinas Pendidikan" },
];

/** Agency codes per seeded regency, e.g. SEED_AGENCY_CODES["32.01"] includes "DUKCAPIL-3201". */
export const SEED_AGENCY_CODES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  REGENCIES.map((r) => [r.code, AGENCY_KINDS.map((k) => agencyCode(k.prefix, r.code))]),
);

function agencyCode(prefix: string, regencyCode: string): string {
  return `${prefix}-${regencyCode.replace(".", "")}`;
}

// ---------------------------------------------------------------------------------------------
// People: names, religions and places of first registration per ethnic group.

type Ethnicity = "SUNDANESE" | "JAVANESE" | "BATAK" | "MINANG" | "BALINESE" | "CHINESE";

interface NameBook {
  male: string[];
  female: string[];
  /** Second names by sex (not inherited). */
  maleSecond: string[];
  femaleSecond: string[];
  /** Inherited from the father (marga, family name); empty when the group has none. */
  family: string[];
  religions: [Religion, number][];
  /** Where migrants of this group were first registered: district code and city. */
  origins: [string, string][];
}

// biome-ignore format: a data table, packed so that it reads as one
const ISLAMIC_MALE = ["Muhammad Rizki", "Ahmad Fauzi", "Abdul Rahman", "Muhammad Iqbal", "Ilham", "Fajar", "Arif", "Dimas"];
// biome-ignore format: a data table, packed so that it reads as one
const ISLAMIC_FEMALE = ["Siti Aminah", "Nur Aisyah", "Fatimah", "Nurul Hidayah", "Annisa", "Indah", "Fitri", "Putri"];

// biome-ignore format: a data table, packed so that it reads as one
const NAMES: Record<Ethnicity, NameBook> = {
  SUNDANESE: {
    male: [
      "Asep", "Ujang", "Dadang", "Cecep", "Iwan", "Yayan", "Deden", "Agus", "Dede", "Ade", "Endang", "Wawan",
      ...ISLAMIC_MALE,
    ],
    female: [
      "Euis", "Neng", "Rina", "Dewi", "Nining", "Enung", "Lilis", "Imas", "Yeni", "Tati", "Cucu", ...ISLAMIC_FEMALE,
    ],
    maleSecond: [
      "Saepudin", "Supriatna", "Hidayat", "Kurniawan", "Permana", "Nugraha", "Sopandi", "Sutisna", "Mulyana",
      "Ruhiyat",
    ],
    femaleSecond: ["Komariah", "Rohaeti", "Kurniasih", "Nurhasanah", "Rahayu", "Sumiati", "Maryati", "Herawati", "Nurjanah"],
    family: [],
    religions: [["ISLAM", 97], ["PROTESTANT", 2], ["CATHOLIC", 1]],
    origins: [["32.05.01", "Garut"], ["32.78.01", "Tasikmalaya"], ["32.74.01", "Cirebon"], ["32.02.01", "Sukabumi"]],
  },
  JAVANESE: {
    male: [
      "Budi", "Slamet", "Joko", "Bambang", "Sugeng", "Eko", "Heru", "Wahyu", "Teguh", "Bagus", "Dwi", "Hadi",
      ...ISLAMIC_MALE,
    ],
    female: ["Sri", "Endang", "Wulan", "Ratna", "Dewi", "Tri", "Rini", "Ayu", "Yuni", "Sulis", ...ISLAMIC_FEMALE],
    maleSecond: ["Santoso", "Wibowo", "Susanto", "Prasetyo", "Purnomo", "Hartono", "Setiawan", "Nugroho", "Raharjo", "Saputro"],
    femaleSecond: ["Wahyuni", "Lestari", "Rahayu", "Sulastri", "Wulandari", "Handayani", "Kusumawati", "Puspitasari", "Suryani"],
    family: [],
    religions: [["ISLAM", 85], ["CATHOLIC", 7], ["PROTESTANT", 6], ["HINDU", 1], ["BUDDHIST", 1], ["OTHER", 1]],
    origins: [["34.71.01", "Yogyakarta"], ["35.78.01", "Surabaya"], ["33.71.01", "Magelang"], ["33.75.01", "Pekalongan"]],
  },
  BATAK: {
    male: ["Togar", "Parulian", "Horas", "Binsar", "Maruli", "Bonar", "Jonathan", "Daniel", "Samuel", "Robert", "Poltak"],
    female: ["Rotua", "Dameria", "Tiurma", "Lamtiar", "Sondang", "Ruth", "Maria", "Debora", "Rosmawati", "Lasma"],
    maleSecond: [],
    femaleSecond: [],
    family: [
      "Siregar", "Simanjuntak", "Nasution", "Hutapea", "Sitompul", "Panjaitan", "Simatupang", "Lubis", "Harahap",
      "Sinaga", "Situmorang", "Pardede", "Manurung", "Tampubolon",
    ],
    religions: [["PROTESTANT", 60], ["ISLAM", 30], ["CATHOLIC", 10]],
    origins: [["12.71.01", "Medan"], ["12.72.01", "Pematangsiantar"], ["12.02.01", "Tarutung"]],
  },
  MINANG: {
    male: ["Rizal", "Fadli", "Hendra", "Andri", "Yusuf", "Zulkifli", "Syahrial", "Afrizal", "Irwan", "Zulfikar", "Yuswardi"],
    female: ["Yulia", "Rahmi", "Fitri", "Nurhayati", "Yusnidar", "Rosmaniar", "Desmawati", "Elfira", "Yenni", "Nurleli"],
    maleSecond: ["Chaniago", "Tanjung", "Piliang", "Koto", "Syahputra", "Efendi", "Sikumbang"],
    femaleSecond: ["Yanti", "Putri", "Wati", "Sari", "Marlina", "Novita"],
    family: [],
    religions: [["ISLAM", 100]],
    origins: [["13.71.01", "Padang"], ["13.75.01", "Bukittinggi"], ["13.74.01", "Payakumbuh"]],
  },
  BALINESE: {
    // Balinese names start with a birth-order name, added when the name is built.
    male: ["Sudarma", "Suarjana", "Wirawan", "Astawa", "Mahendra", "Artana", "Suardika", "Adi Putra", "Budiarta"],
    female: ["Ariani", "Suastini", "Purnamasari", "Sukmawati", "Ayu Lestari", "Sri Wahyuni", "Eka Yanti", "Widiastuti"],
    maleSecond: [],
    femaleSecond: [],
    family: [],
    religions: [["HINDU", 90], ["ISLAM", 3], ["PROTESTANT", 3], ["CATHOLIC", 2], ["BUDDHIST", 2]],
    origins: [["51.71.01", "Denpasar"], ["51.08.01", "Singaraja"], ["51.03.01", "Badung"]],
  },
  CHINESE: {
    male: [
      "Hendra", "Budi", "Andi", "Kevin", "Steven", "Yohanes", "Michael", "Felix", "Rudy", "Willy", "Hengky",
      "Sugianto",
    ],
    female: [
      "Lanny", "Meiliana", "Susanti", "Lili", "Yuliana", "Cynthia", "Jessica", "Angela", "Vivian", "Melinda",
      "Mei Ling",
    ],
    maleSecond: [],
    femaleSecond: [],
    family: [
      "Wijaya", "Halim", "Salim", "Tanoto", "Gunawan", "Kusuma", "Santoso", "Tanuwidjaja", "Sutanto", "Hartanto",
      "Setiadi", "Lim", "Tan", "Liem", "Kurniadi",
    ],
    religions: [["BUDDHIST", 35], ["CATHOLIC", 25], ["PROTESTANT", 25], ["CONFUCIAN", 12], ["ISLAM", 3]],
    origins: [["31.71.01", "Jakarta"], ["12.71.01", "Medan"], ["61.71.01", "Pontianak"], ["35.78.01", "Surabaya"]],
  },
};

// Single-name people are common among older Javanese; the KTP then shows just that one name.
// biome-ignore format: a data table, packed so that it reads as one
const JAVANESE_SINGLE = {
  male: ["Suparman", "Sutrisno", "Sukardi", "Wagiman", "Sumarno"],
  female: ["Sukarni", "Tukinem", "Sumini", "Painem", "Sarinah"],
};
// biome-ignore format: a data table, packed so that it reads as one
const BALINESE_ORDER = [["Wayan", "Putu", "Gede"], ["Made", "Kadek"], ["Nyoman", "Komang"], ["Ketut"]] as const;

// biome-ignore format: a data table, packed so that it reads as one
const ETHNICITY_BY_PROVINCE: Record<string, [Ethnicity, number][]> = {
  "32": [["SUNDANESE", 60], ["JAVANESE", 15], ["BATAK", 7], ["MINANG", 7], ["CHINESE", 7], ["BALINESE", 4]],
  "33": [["JAVANESE", 75], ["CHINESE", 8], ["SUNDANESE", 5], ["BATAK", 4], ["MINANG", 4], ["BALINESE", 4]],
};

// biome-ignore format: a data table, packed so that it reads as one
const STREETS = [
  "Jl. Merdeka", "Jl. Pahlawan", "Jl. Jenderal Sudirman", "Jl. Diponegoro", "Jl. Gatot Subroto", "Jl. Ahmad Yani",
  "Jl. Kartini", "Jl. Pemuda", "Jl. Veteran", "Jl. Kenanga", "Jl. Melati", "Jl. Mawar", "Jl. Flamboyan", "Jl. Cempaka",
  "Gg. Masjid", "Gg. Mangga", "Jl. Raya Pasar", "Perum Griya Asri Blok C", "Perum Bumi Indah Blok A",
];

// biome-ignore format: a data table, packed so that it reads as one
const OCCUPATIONS: [string, number][] = [
  ["Karyawan Swasta", 25], ["Wiraswasta", 20], ["Pedagang", 10], ["Buruh Harian Lepas", 10],
  ["Pegawai Negeri Sipil", 7], ["Guru", 5], ["Petani/Pekebun", 5], ["Sopir", 4], ["Perawat", 2], ["Dokter", 1],
  ["Dosen", 1], ["Karyawan BUMN", 3], ["TNI", 1], ["POLRI", 1], ["Belum/Tidak Bekerja", 5],
];

// ---------------------------------------------------------------------------------------------
// Records: taxes, permits, services, assistance, finance, archives.

// biome-ignore format: a data table, packed so that it reads as one
const TAX_TYPES: [TaxType, number][] = [
  ["LAND_AND_BUILDING", 50], ["VEHICLE", 30], ["ADVERTISEMENT", 6], ["RESTAURANT", 6], ["LAND_TRANSFER", 5],
  ["HOTEL", 3],
];
// biome-ignore format: a data table, packed so that it reads as one
const PERMIT_TYPES = [
  "Persetujuan Bangunan Gedung (PBG)", "Sertifikat Laik Fungsi (SLF)", "Izin Usaha Mikro Kecil (IUMK)",
  "Surat Izin Praktik (SIP)", "Izin Reklame", "Izin Usaha Perdagangan", "Izin Operasional Sekolah",
];
// biome-ignore format: a data table, packed so that it reads as one
const SERVICE_TYPES: Record<AgencyKind, string[]> = {
  CIVIL_REGISTRY: ["Pencetakan KTP-el", "Perubahan Kartu Keluarga", "Akta Kelahiran", "Surat Keterangan Pindah", "Akta Kematian"],
  REVENUE: ["Pembayaran PBB-P2", "Konsultasi Pajak Daerah", "Keberatan Pajak", "Pendaftaran NPWPD"],
  SOCIAL_AFFAIRS: ["Pendaftaran DTKS", "Pengaduan Bansos", "Surat Keterangan Tidak Mampu"],
  LICENSING: ["Pengajuan Perizinan", "Konsultasi Perizinan", "Pengambilan Dokumen Izin"],
  FINANCE: ["Verifikasi Hibah", "Konsultasi Pencairan Dana"],
  ARCHIVES: ["Permintaan Salinan Arsip", "Legalisasi Arsip"],
  HEALTH: ["Imunisasi", "Pemeriksaan Kesehatan", "Surat Keterangan Sehat", "Pendaftaran JKN-PBI"],
  EDUCATION: ["Legalisasi Ijazah", "Pendaftaran PPDB", "Surat Pindah Sekolah"],
};
// biome-ignore format: a data table, packed so that it reads as one
const SERVICE_AGENCY_WEIGHTS: [AgencyKind, number][] = [
  ["CIVIL_REGISTRY", 35], ["HEALTH", 20], ["REVENUE", 15], ["SOCIAL_AFFAIRS", 10], ["EDUCATION", 10], ["LICENSING", 8],
  ["ARCHIVES", 1], ["FINANCE", 1],
];
/** Bansos programs: how often they pay, and the range of one payment in rupiah. */
const ASSISTANCE_PROGRAMS: { program: string; cadence: "month" | "quarter" | "year"; min: number; max: number }[] = [
  { program: "PKH", cadence: "quarter", min: 225_000, max: 750_000 },
  { program: "BPNT", cadence: "month", min: 200_000, max: 200_000 },
  { program: "BLT-DD", cadence: "month", min: 300_000, max: 300_000 },
  { program: "PIP", cadence: "year", min: 450_000, max: 1_800_000 },
];
/** Simplified regional chart of accounts (Permendagri 90/2019 style): revenue is credit, spending debit. */
// biome-ignore format: a data table, packed so that it reads as one
const ACCOUNTS: Record<AgencyKind, [string, "DEBIT" | "CREDIT"][]> = {
  CIVIL_REGISTRY: [["5.1.01", "DEBIT"], ["5.1.02", "DEBIT"], ["5.2.02", "DEBIT"]],
  REVENUE: [["4.1.01", "CREDIT"], ["4.1.01", "CREDIT"], ["5.1.02", "DEBIT"]],
  SOCIAL_AFFAIRS: [["5.1.06", "DEBIT"], ["5.1.06", "DEBIT"], ["5.1.02", "DEBIT"]],
  LICENSING: [["4.1.02", "CREDIT"], ["5.1.02", "DEBIT"]],
  FINANCE: [["4.2.01", "CREDIT"], ["5.1.05", "DEBIT"], ["5.1.01", "DEBIT"]],
  ARCHIVES: [["5.1.02", "DEBIT"], ["5.2.02", "DEBIT"]],
  HEALTH: [["4.1.02", "CREDIT"], ["5.1.02", "DEBIT"], ["5.2.02", "DEBIT"]],
  EDUCATION: [["5.1.01", "DEBIT"], ["5.1.02", "DEBIT"], ["5.2.02", "DEBIT"]],
};
// biome-ignore format: a data table, packed so that it reads as one
const AGENCY_REPORTS = [
  "Laporan Realisasi Anggaran Semester I 2025", "Laporan Kinerja Instansi Pemerintah 2024",
  "Rencana Strategis 2025-2029", "Daftar Inventaris Barang Milik Daerah 2024",
  "Notulen Rapat Koordinasi Triwulan III 2025",
];
// biome-ignore format: a data table, packed so that it reads as one
const CITIZEN_DOCUMENTS = ["Akta Kelahiran", "Akta Perkawinan", "Kartu Keluarga (pindaian)", "Surat Keterangan Pindah"];

// Weights of the random choices: [value, relative weight].
// biome-ignore format: a data table, packed so that it reads as one
const HOUSEHOLD_SIZES: [number, number][] = [[1, 15], [2, 20], [3, 25], [4, 25], [5, 15]];
// biome-ignore format: a data table, packed so that it reads as one
const PERMITS_PER_CITIZEN: [number, number][] = [[0, 50], [1, 35], [2, 15]];
// biome-ignore format: a data table, packed so that it reads as one
const PERMIT_STATUSES: [PermitStatus, number][] = [
  ["APPROVED", 50], ["SUBMITTED", 15], ["UNDER_REVIEW", 15], ["REJECTED", 12], ["REVOKED", 8],
];
// biome-ignore format: a data table, packed so that it reads as one
const TAX_STATUSES: [TaxStatus, number][] = [["PAID", 60], ["ASSESSED", 25], ["PARTIALLY_PAID", 10], ["CANCELLED", 5]];
// biome-ignore format: a data table, packed so that it reads as one
const SERVICE_CHANNELS: [ServiceChannel, number][] = [["COUNTER", 55], ["ONLINE", 35], ["MOBILE", 10]];
// biome-ignore format: a data table, packed so that it reads as one
const SERVICE_OUTCOMES: [ServiceOutcome, number][] = [["COMPLETED", 80], ["PENDING", 8], ["REJECTED", 5], ["REFERRED", 7]];
// biome-ignore format: a data table, packed so that it reads as one
const REPORT_CLASSIFICATIONS: [Classification, number][] = [["PUBLIC", 50], ["INTERNAL", 40], ["CONFIDENTIAL", 8], ["SECRET", 2]];

/**
 * The bytes of a seeded archive document. Its checksum and size in ArchiveDocument are computed
 * from this, so an archive store for demos can serve it and checksum verification succeeds.
 */
export function seedArchiveContent(storageUri: string): Buffer {
  return Buffer.from(`Gerbang synthetic archive document\n${storageUri}\nThis file contains no real data.\n`, "utf8");
}

// ---------------------------------------------------------------------------------------------
// The seed

export async function seed(prisma: PrismaClient, opts: SeedOptions): Promise<SeedSummary> {
  const total = opts.citizens;
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`citizens must be a whole number >= 0, got ${total}`);
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);

  // Events must not lie in the future even if the clock is before the reference date.
  const today = startOfUtcDay(new Date());
  const anchor = new Date(Math.min(SEED_REFERENCE_DATE.getTime(), today.getTime()));
  const gen = new Generator(anchor, today);

  return prisma.$transaction(
    async (tx) => {
      const existing = await tx.citizen.count();
      if (existing > 0) {
        throw new Error(
          `refusing to seed: the database already has ${existing} citizens. The seed only fills an empty database; use a fresh one.`,
        );
      }
      const summary: SeedSummary = {
        regions: 0,
        agencies: 0,
        citizens: 0,
        taxRecords: 0,
        permits: 0,
        socialAssistance: 0,
        serviceRecords: 0,
        financialTransactions: 0,
        archiveDocuments: 0,
      };
      summary.regions += await insertRows(tx, "Region", gen.regions());
      summary.agencies += await insertRows(tx, "Agency", gen.agencies());

      let done = 0;
      while (done < total) {
        const b = gen.citizenBatch(Math.min(batchSize, total - done));
        summary.citizens += await insertRows(tx, "Citizen", b.citizens);
        summary.taxRecords += await insertRows(tx, "TaxRecord", b.taxRecords);
        summary.permits += await insertRows(
          tx,
          "Permit",
          b.permits.map((p) => p.row),
        );
        await advancePermits(tx, b.permits);
        summary.socialAssistance += await insertRows(tx, "SocialAssistance", b.socialAssistance);
        summary.serviceRecords += await insertRows(tx, "ServiceRecord", b.serviceRecords);
        summary.archiveDocuments += await insertRows(tx, "ArchiveDocument", b.archiveDocuments);
        done += b.citizens.length;
        opts.onProgress?.(done, total);
      }

      // Per-agency rows come last so that they never shift the citizens' random stream.
      const perAgency = 10 + Math.floor(total / 1000);
      summary.financialTransactions += await insertRows(
        tx,
        "FinancialTransaction",
        gen.financialTransactions(perAgency),
      );
      summary.archiveDocuments += await insertRows(tx, "ArchiveDocument", gen.agencyReports());
      return summary;
    },
    // One transaction for the whole seed: 100,000 citizens take a minute or two, far beyond the defaults.
    { maxWait: 60_000, timeout: 60 * 60_000 },
  );
}

/**
 * Inserts rows of one table in a single statement: the whole batch travels as one JSON parameter and
 * PostgreSQL turns it into typed rows (json_populate_recordset casts each value with the column's
 * own type, so enums, dates, decimals and bigints arrive exact). Why not createMany: Prisma 7 spends
 * about 0.1 ms of CPU per row compiling and interpreting a createMany (measured: 10,000 two-column
 * rows took 1.2 s, of which the INSERT itself 0.14 s), which would put 100,000 citizens and their
 * ~600,000 rows at five minutes. The rows are still typed as Prisma's CreateManyInput, so the
 * compiler catches a renamed or retyped column; the database checks constraints and runs triggers
 * exactly as for any other INSERT. A column that no row of the batch names gets its default; one
 * that only some rows name is NULL in the others, so the generator gives every row of a table the
 * same non-nullable columns.
 */
async function insertRows<T extends keyof SeededRows>(
  tx: Prisma.TransactionClient,
  table: T,
  rows: readonly SeededRows[T][],
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  const list = [...columns].map((c) => `"${c}"`).join(", ");
  // BigInt (sizeBytes) has no JSON form; as a string PostgreSQL parses it exactly.
  const json = JSON.stringify(rows, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  return tx.$executeRawUnsafe(
    `INSERT INTO "${table}" (${list}) SELECT ${list} FROM json_populate_recordset(NULL::"${table}", $1::json)`,
    json,
  );
}

/** Each seeded table with the row type the compiler checks its rows against. */
interface SeededRows {
  Region: Prisma.RegionCreateManyInput;
  Agency: Prisma.AgencyCreateManyInput;
  Citizen: Prisma.CitizenCreateManyInput;
  TaxRecord: Prisma.TaxRecordCreateManyInput;
  Permit: Prisma.PermitCreateManyInput;
  SocialAssistance: Prisma.SocialAssistanceCreateManyInput;
  ServiceRecord: Prisma.ServiceRecordCreateManyInput;
  FinancialTransaction: Prisma.FinancialTransactionCreateManyInput;
  ArchiveDocument: Prisma.ArchiveDocumentCreateManyInput;
}

/** The tables the seed fills; the record lists each one once, so the compiler checks the list is whole. */
export const SEEDED_TABLES = Object.keys({
  Region: true,
  Agency: true,
  Citizen: true,
  TaxRecord: true,
  Permit: true,
  SocialAssistance: true,
  ServiceRecord: true,
  FinancialTransaction: true,
  ArchiveDocument: true,
} satisfies Record<keyof SeededRows, true>);

/** A permit row (inserted SUBMITTED) and the status it is to end in. */
interface SeededPermit {
  row: Prisma.PermitCreateManyInput;
  status: PermitStatus;
}

/** The workflow steps from SUBMITTED to each status, as the permit trigger allows them. */
const PERMIT_PATH: Record<PermitStatus, PermitStatus[]> = {
  SUBMITTED: [],
  UNDER_REVIEW: ["UNDER_REVIEW"],
  APPROVED: ["UNDER_REVIEW", "APPROVED"],
  REJECTED: ["UNDER_REVIEW", "REJECTED"],
  REVOKED: ["UNDER_REVIEW", "APPROVED", "REVOKED"],
};

/**
 * Moves freshly inserted permits to their target status. One updateMany per workflow step (not per
 * permit) keeps this to at most four statements per batch.
 */
async function advancePermits(tx: Prisma.TransactionClient, permits: SeededPermit[]): Promise<void> {
  for (let step = 0; step < 3; step++) {
    const byStatus = new Map<PermitStatus, string[]>();
    for (const p of permits) {
      const next = PERMIT_PATH[p.status][step];
      if (next === undefined || p.row.id === undefined) continue;
      const ids = byStatus.get(next) ?? [];
      ids.push(p.row.id);
      byStatus.set(next, ids);
    }
    for (const [status, ids] of byStatus) {
      await tx.permit.updateMany({ where: { id: { in: ids } }, data: { status } });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Generation (pure: only the PRNG and the two dates fixed at the start)

interface Batch {
  citizens: Prisma.CitizenCreateManyInput[];
  taxRecords: Prisma.TaxRecordCreateManyInput[];
  permits: SeededPermit[];
  socialAssistance: Prisma.SocialAssistanceCreateManyInput[];
  serviceRecords: Prisma.ServiceRecordCreateManyInput[];
  archiveDocuments: Prisma.ArchiveDocumentCreateManyInput[];
}

interface SeededAgency {
  id: string;
  code: string;
  kind: AgencyKind;
  regency: RegencySeed;
  /** NIPs (civil-servant numbers) of the officers who serve and decide there. */
  officers: string[];
}

interface Person {
  sex: Sex;
  birthDate: Date;
  fullName: string;
  maritalStatus: MaritalStatus;
  /** District of first registration, with the city written as birth place. */
  origin: [string, string];
}

const MIN_BIRTH = Date.UTC(1940, 0, 1);
const MAX_BIRTH = Date.UTC(2008, 11, 31);

class Generator {
  private readonly rng = new Sfc32(PRNG_SEED);
  // A separate stream for ids, so that adding a column with random data changes no id.
  private readonly idRng = new Sfc32(PRNG_SEED ^ 0x5eed);
  // Serials have their own stream too, so that how they are drawn changes no other column.
  private readonly serialRng = new Sfc32(PRNG_SEED ^ 0x5e41);
  private idCounter = 0;
  private readonly nikSerials = new Map<string, Set<number>>();
  private readonly kkSerials = new Map<string, Set<number>>();
  private readonly sequences = new Map<string, number>();
  private readonly seededAgencies: SeededAgency[] = [];
  private readonly agencyIndex = new Map<string, SeededAgency>();
  /** Households are cut across batches: the unfinished one carries over. */
  private pending: Person[] = [];
  private pendingHome: Home | undefined;

  constructor(
    /** Latest moment for events: the reference date (or today, if the clock is behind it). */
    private readonly anchor: Date,
    /** Start of the current UTC day, for financial transactions only. */
    private readonly today: Date,
  ) {}

  regions(): Prisma.RegionCreateManyInput[] {
    const rows: Prisma.RegionCreateManyInput[] = [];
    const add = (code: string, name: string, level: Prisma.RegionCreateManyInput["level"], parentCode: string | null) =>
      rows.push({ id: this.id(), code, name, level, parentCode, validFrom: REGION_VALID_FROM });
    for (const p of PROVINCES) {
      add(p.code, p.name, "PROVINCE", null);
      for (const r of p.regencies) {
        add(r.code, r.name, "REGENCY", p.code);
        for (const d of r.districts) {
          add(d.code, d.name, "DISTRICT", r.code);
          for (const village of d.villages) add(village.code, village.name, "VILLAGE", d.code);
        }
      }
    }
    return rows;
  }

  agencies(): Prisma.AgencyCreateManyInput[] {
    const rows: Prisma.AgencyCreateManyInput[] = [];
    for (const regency of REGENCIES) {
      for (const k of AGENCY_KINDS) {
        const agency: SeededAgency = {
          id: this.id(),
          code: agencyCode(k.prefix, regency.code),
          kind: k.kind,
          regency,
          officers: [this.nip(), this.nip(), this.nip()],
        };
        this.seededAgencies.push(agency);
        this.agencyIndex.set(`${regency.code}|${k.kind}`, agency);
        rows.push({
          id: agency.id,
          code: agency.code,
          name: `${k.name} ${regency.name}`,
          kind: k.kind,
          regionCode: regency.code,
        });
      }
    }
    return rows;
  }

  citizenBatch(size: number): Batch {
    const batch: Batch = {
      citizens: [],
      taxRecords: [],
      permits: [],
      socialAssistance: [],
      serviceRecords: [],
      archiveDocuments: [],
    };
    while (batch.citizens.length < size) {
      if (this.pending.length === 0) {
        const { home, members } = this.household();
        this.pendingHome = home;
        this.pending = members;
      }
      const person = this.pending.shift();
      const home = this.pendingHome;
      if (!person || !home) throw new Error("unreachable: empty household");
      this.citizen(person, home, batch);
    }
    return batch;
  }

  // -- households and citizens ---------------------------------------------------------------

  private household(): { home: Home; members: Person[] } {
    const r = this.rng;
    const village = r.pick(VILLAGES);
    const district = districtOf(village.code);
    const regency = regencyOf(village.code);
    const ethnicity = r.weighted<Ethnicity>(ETHNICITY_BY_PROVINCE[village.code.slice(0, 2)] ?? [["JAVANESE", 1]]);
    const book = NAMES[ethnicity];
    const home: Home = {
      village,
      district,
      regency,
      ethnicity,
      religion: r.weighted(book.religions),
      street: `${r.pick(STREETS)} No. ${r.int(1, 250)}`,
      rt: pad(r.int(1, 15), 3),
      rw: pad(r.int(1, 12), 3),
      familyName: book.family.length > 0 ? r.pick(book.family) : undefined,
      familyCardNumber: "",
    };
    const size = r.weighted(HOUSEHOLD_SIZES);
    const members: Person[] = [];
    const headOrigin = this.origin(home);

    if (size === 1) {
      const sex: Sex = r.chance(0.55) ? "MALE" : "FEMALE";
      const birthDate = this.birthDate(1940, 2000);
      const age = yearsBetween(birthDate, this.anchor);
      const maritalStatus: MaritalStatus =
        age < 30
          ? "SINGLE"
          : r.weighted<MaritalStatus>([
              ["SINGLE", 30],
              ["WIDOWED", age > 55 ? 50 : 10],
              ["DIVORCED", 20],
            ]);
      members.push({ sex, birthDate, maritalStatus, origin: headOrigin, fullName: this.name(home, sex, 0) });
    } else {
      const headIsMan = r.chance(0.88);
      const headBirth = this.birthDate(1940, 1985);
      const headSex: Sex = headIsMan ? "MALE" : "FEMALE";
      const headYear = headBirth.getUTCFullYear();
      // A woman heading the family card is usually widowed or divorced (no husband on the card).
      members.push({
        sex: headSex,
        birthDate: headBirth,
        maritalStatus: headIsMan ? "MARRIED" : r.chance(0.6) ? "WIDOWED" : "DIVORCED",
        origin: headOrigin,
        fullName: this.name(home, headSex, 0),
      });
      if (headIsMan) {
        const wifeYear = clamp(headYear + r.int(-2, 8), 1940, 1990);
        members.push({
          sex: "FEMALE",
          birthDate: this.birthDate(wifeYear, wifeYear),
          maritalStatus: "MARRIED",
          origin: r.chance(0.7) ? headOrigin : this.origin(home),
          // A wife keeps her own name; in groups with family names she keeps her father's.
          fullName: this.name(
            { ...home, familyName: book.family.length > 0 ? r.pick(book.family) : undefined },
            "FEMALE",
            0,
          ),
        });
      }
      // Children are born when the younger parent is 20 to 40.
      const parentsYear = Math.max(...members.map((m) => m.birthDate.getUTCFullYear()));
      const firstChild = clamp(parentsYear + 20, 1960, 2008);
      const lastChild = clamp(parentsYear + 40, firstChild, 2008);
      for (let order = 1; members.length < size; order++) {
        const sex: Sex = r.chance(0.5) ? "MALE" : "FEMALE";
        const year = r.int(firstChild, lastChild);
        const birthDate = this.birthDate(year, year);
        // Children born after the family settled were registered where they live.
        const origin: [string, string] = r.chance(0.85) ? [home.district.code, home.regency.city] : headOrigin;
        members.push({ sex, birthDate, maritalStatus: "SINGLE", origin, fullName: this.name(home, sex, order) });
      }
    }

    const youngest = Math.max(...members.map((m) => m.birthDate.getTime()));
    const issueDate = this.day(Math.max(youngest + DAY_MS, Date.UTC(2010, 0, 1)), this.anchor.getTime() - DAY_MS);
    home.familyCardNumber = buildFamilyCardNumber({
      districtCode: district.code,
      issueDate,
      serial: this.serial(this.kkSerials, `${district.code}|${issueDate.getTime()}`, KK_SERIAL_MEAN),
    });
    return { home, members };
  }

  /** District of first registration: usually where they live; people also move in from elsewhere. */
  private origin(home: Home): [string, string] {
    const r = this.rng;
    const roll = r.float();
    if (roll < 0.8) return [home.district.code, home.regency.city];
    if (roll < 0.92) {
      const district = r.pick(DISTRICTS);
      return [district.code, regencyOf(district.code).city];
    }
    return r.pick(NAMES[home.ethnicity].origins);
  }

  private name(home: Pick<Home, "ethnicity" | "familyName">, sex: Sex, childOrder: number): string {
    const r = this.rng;
    const book = NAMES[home.ethnicity];
    const given = r.pick(sex === "MALE" ? book.male : book.female);
    switch (home.ethnicity) {
      case "BALINESE": {
        const orderNames = BALINESE_ORDER[((childOrder > 0 ? childOrder : r.int(1, 4)) - 1) % 4] ?? BALINESE_ORDER[0];
        return `${sex === "MALE" ? "I" : "Ni"} ${r.pick(orderNames)} ${given}`;
      }
      case "BATAK":
      case "CHINESE": {
        const family = home.familyName ?? r.pick(book.family);
        // Batak daughters are often written "br." (boru) before the marga.
        if (home.ethnicity === "BATAK" && sex === "FEMALE" && r.chance(0.4)) return `${given} br. ${family}`;
        return `${given} ${family}`;
      }
      case "JAVANESE":
        if (r.chance(0.12)) return r.pick(sex === "MALE" ? JAVANESE_SINGLE.male : JAVANESE_SINGLE.female);
        return `${given} ${r.pick(sex === "MALE" ? book.maleSecond : book.femaleSecond)}`;
      default:
        if (r.chance(0.1)) return given;
        return `${given} ${r.pick(sex === "MALE" ? book.maleSecond : book.femaleSecond)}`;
    }
  }

  private citizen(person: Person, home: Home, batch: Batch): void {
    const r = this.rng;
    const id = this.id();
    const age = yearsBetween(person.birthDate, this.anchor);
    const birthPlace = r.chance(0.85) ? person.origin[1] : r.pick(NAMES[home.ethnicity].origins)[1];
    const nikDistrict = person.origin[0];
    const nikPrefix = buildNik({
      districtCode: nikDistrict,
      birthDate: person.birthDate,
      sex: person.sex,
      serial: 1,
    }).slice(0, 12);
    const nik = buildNik({
      districtCode: nikDistrict,
      birthDate: person.birthDate,
      sex: person.sex,
      serial: this.serial(this.nikSerials, nikPrefix, NIK_SERIAL_MEAN),
    });
    const status: CitizenStatus = r.weighted<CitizenStatus>([
      ["DECEASED", age >= 70 ? 25 : 2],
      ["MOVED", 3],
      ["ALIVE", age >= 70 ? 72 : 95],
    ]);
    const createdAt = this.instant(Math.max(person.birthDate.getTime(), Date.UTC(2019, 0, 1)), this.anchor.getTime());
    batch.citizens.push({
      id,
      nik,
      familyCardNumber: home.familyCardNumber,
      fullName: person.fullName,
      birthPlace,
      birthDate: person.birthDate,
      sex: person.sex,
      religion: home.religion,
      maritalStatus: person.maritalStatus,
      occupation: this.occupation(age, person),
      addressStreet: home.street,
      addressRt: home.rt,
      addressRw: home.rw,
      domicileCode: home.village.code,
      status,
      createdAt,
      updatedAt: createdAt,
    });

    const agency = (kind: AgencyKind) => this.agencyOf(home.regency, kind);
    for (let i = r.int(1, 3); i > 0; i--) batch.taxRecords.push(this.taxRecord(id, home, agency("REVENUE")));
    for (let i = r.weighted(PERMITS_PER_CITIZEN); i > 0; i--) {
      batch.permits.push(this.permit(id, agency("LICENSING")));
    }
    for (let i = r.int(1, 3); i > 0; i--) {
      const a = agency(r.weighted(SERVICE_AGENCY_WEIGHTS));
      batch.serviceRecords.push({
        id: this.id(),
        citizenId: id,
        agencyId: a.id,
        serviceType: r.pick(SERVICE_TYPES[a.kind]),
        channel: r.weighted(SERVICE_CHANNELS),
        servedBy: r.pick(a.officers),
        servedAt: this.officeHours(Math.max(person.birthDate.getTime(), Date.UTC(2019, 0, 1))),
        outcome: r.weighted(SERVICE_OUTCOMES),
      });
    }
    // Bansos goes to living citizens only (the database enforces it too).
    if (status === "ALIVE" && r.chance(0.3)) this.assistance(id, age, batch);
    // Some citizens have scanned civil documents in the archive; every death leaves a death certificate.
    if (status === "DECEASED" ? r.chance(0.8) : r.chance(0.03)) {
      const title = status === "DECEASED" ? "Akta Kematian" : r.pick(CITIZEN_DOCUMENTS);
      const registry = agency("CIVIL_REGISTRY");
      batch.archiveDocuments.push(
        this.archiveDocument(
          registry,
          `${title} No. ${pad(this.sequence(`doc|${registry.code}`), 6)}`,
          "CONFIDENTIAL",
          30,
          id,
        ),
      );
    }
  }

  private occupation(age: number, person: Person): string {
    const r = this.rng;
    if (age <= 22 && r.chance(0.8)) return "Pelajar/Mahasiswa";
    if (age >= 60 && r.chance(0.5)) return "Pensiunan";
    if (person.sex === "FEMALE" && person.maritalStatus === "MARRIED" && r.chance(0.4)) return "Mengurus Rumah Tangga";
    return r.weighted(OCCUPATIONS);
  }

  // -- records ---------------------------------------------------------------------------------

  private taxRecord(citizenId: string, home: Home, agency: SeededAgency): Prisma.TaxRecordCreateManyInput {
    const r = this.rng;
    const taxType = r.weighted(TAX_TYPES);
    const year = r.int(2023, 2025);
    let taxObjectNumber: string;
    let period: string;
    let dueDate: Date;
    let amount: number;
    switch (taxType) {
      case "LAND_AND_BUILDING":
      case "LAND_TRANSFER": {
        // NOP: province.regency.district(3).village(3).block(3)-number(4).code(1); block and number
        // come from a counter so that every object number is unique.
        const seq = this.sequence("nop");
        const [p, rg, d, vil] = home.village.code.split(".");
        taxObjectNumber = `${p}.${rg}.0${d}.${(vil ?? "").slice(1)}.${pad(Math.floor(seq / 9999) + 1, 3)}-${pad((seq % 9999) + 1, 4)}.0`;
        if (taxType === "LAND_AND_BUILDING") {
          period = String(year);
          dueDate = utcDate(year, 8, 31); // PBB falls due at the end of August
          amount = r.int(50_000, 2_500_000);
        } else {
          const month = r.int(1, 12);
          period = `${year}-${pad(month, 2)}`;
          dueDate = utcDate(year, month + 1, 15);
          amount = r.int(200, 7_500) * 10_000;
        }
        break;
      }
      case "VEHICLE": {
        // Plate "F 1234 AB": the counter is spread over 1–9999 (7919 is coprime to 9999, so each
        // block of 9999 plates is a permutation) and then over the two-letter suffix.
        const n = this.sequence("plate") - 1;
        const suffix = Math.floor(n / 9999);
        const letters = String.fromCharCode(65 + (Math.floor(suffix / 26) % 26), 65 + (suffix % 26));
        taxObjectNumber = `${home.regency.plate} ${(((n % 9999) * 7919) % 9999) + 1} ${letters}`;
        period = String(year);
        dueDate = this.day(utcDate(year, 1, 1).getTime(), utcDate(year, 12, 31).getTime());
        amount = r.int(150, 5_000) * 1_000;
        break;
      }
      default: {
        // NPWPD of a business (restaurant, hotel, billboard owner): monthly self-assessed taxes.
        const seq = this.sequence("npwpd");
        taxObjectNumber = `P.2.${pad(seq, 7)}.${home.district.code.slice(3)}`;
        const month = r.int(1, 12);
        period = `${year}-${pad(month, 2)}`;
        dueDate = utcDate(year, month + 1, 15);
        amount = taxType === "HOTEL" ? r.int(1_000, 50_000) * 1_000 : r.int(200, 20_000) * 1_000;
      }
    }
    const status = r.weighted(TAX_STATUSES);
    let paid = 0;
    let paidAt: Date | null = null;
    if (status === "PAID" || status === "PARTIALLY_PAID") {
      paid = status === "PAID" ? amount : Math.floor((amount * r.int(20, 80)) / 100);
      // Paid some weeks before the due date, sometimes late, never after the anchor.
      const periodStart = utcDate(year, Number(period.slice(5, 7) || "1"), 1).getTime();
      const latest = Math.min(dueDate.getTime() + 30 * DAY_MS, this.anchor.getTime() - DAY_MS);
      paidAt = this.instant(Math.min(periodStart, latest), latest);
    }
    return {
      id: this.id(),
      citizenId,
      agencyId: agency.id,
      taxType,
      taxObjectNumber,
      period,
      assessedAmount: money(amount),
      paidAmount: money(paid),
      status,
      dueDate,
      paidAt,
    };
  }

  private permit(applicantId: string, agency: SeededAgency): SeededPermit {
    const r = this.rng;
    const status = r.weighted(PERMIT_STATUSES);
    const anchor = this.anchor.getTime();
    const base = {
      id: this.id(),
      applicantId,
      agencyId: agency.id,
      permitType: r.pick(PERMIT_TYPES),
      status: "SUBMITTED" as const,
    };
    // The row is inserted SUBMITTED (the database insists) and then walked along the workflow, one
    // update per step, as the application would; `version` counts those updates.
    const version = 1 + PERMIT_PATH[status].length;
    if (status === "SUBMITTED" || status === "UNDER_REVIEW") {
      // Still open, so submitted recently.
      return { row: { ...base, version, submittedAt: this.officeHours(anchor - 60 * DAY_MS) }, status };
    }
    const submittedAt = this.officeHours(Date.UTC(2021, 0, 1), anchor - 60 * DAY_MS);
    const decidedAt = new Date(submittedAt.getTime() + r.int(3, 45) * DAY_MS + r.int(0, 3_600_000));
    const decided = { ...base, version, submittedAt, decidedBy: r.pick(agency.officers), decidedAt };
    if (status === "REJECTED") return { row: decided, status };
    // Approved and revoked permits keep the document number they were issued with.
    const year = decidedAt.getUTCFullYear();
    return {
      row: {
        ...decided,
        documentNumber: `503/${pad(this.sequence(`permit|${agency.code}|${year}`), 5)}/${agency.code}/${year}`,
        validUntil: utcDate(year + r.int(1, 5), decidedAt.getUTCMonth() + 1, decidedAt.getUTCDate()),
      },
      status,
    };
  }

  private assistance(citizenId: string, age: number, batch: Batch): void {
    const r = this.rng;
    const taken = new Set<string>();
    for (let i = r.int(1, 2); i > 0; i--) {
      const programs = ASSISTANCE_PROGRAMS.filter((p) => p.program !== "PIP" || age <= 22);
      const p = r.pick(programs);
      const year = r.int(2024, 2025);
      const period =
        p.cadence === "year"
          ? String(year)
          : p.cadence === "quarter"
            ? `${year}-Q${r.int(1, 4)}`
            : `${year}-${pad(r.int(1, 12), 2)}`;
      if (taken.has(`${p.program}|${period}`)) continue; // one citizen, one program, one period
      taken.add(`${p.program}|${period}`);
      // The latest period of each program (2025, 2025-Q4, the last quarter's months) is still running.
      const current =
        p.cadence === "year"
          ? period === "2025"
          : p.cadence === "quarter"
            ? period === "2025-Q4"
            : period >= "2025-10" && period <= "2025-12";
      batch.socialAssistance.push({
        id: this.id(),
        citizenId,
        program: p.program,
        period,
        amount: money(r.int(p.min / 1_000, p.max / 1_000) * 1_000),
        status: current ? "ACTIVE" : "ENDED",
      });
    }
  }

  financialTransactions(perAgency: number): Prisma.FinancialTransactionCreateManyInput[] {
    const r = this.rng;
    const rows: Prisma.FinancialTransactionCreateManyInput[] = [];
    for (const agency of this.seededAgencies) {
      for (let i = 0; i < perAgency; i++) {
        const [accountCode, direction] = r.pick(ACCOUNTS[agency.kind]);
        // Within the last 20 days, never today: the database refuses back-dating beyond its window.
        const transactionDate = new Date(this.today.getTime() - r.int(1, 20) * DAY_MS);
        const doc = direction === "CREDIT" ? "STS" : "SP2D"; // deposit slip / disbursement order
        rows.push({
          id: this.id(),
          agencyId: agency.id,
          accountCode,
          amount: money(r.int(1_000, 500_000) * 1_000),
          direction,
          transactionDate,
          recordedAt: new Date(transactionDate.getTime() + r.int(1, 10) * 3_600_000 + r.int(0, 3_599_999)),
          reference: `${doc}/${agency.code}/${pad(this.sequence(`fin|${agency.code}`), 6)}`,
        });
      }
    }
    return rows;
  }

  agencyReports(): Prisma.ArchiveDocumentCreateManyInput[] {
    const r = this.rng;
    return this.seededAgencies.flatMap((agency) =>
      AGENCY_REPORTS.map((title) =>
        this.archiveDocument(agency, title, r.weighted(REPORT_CLASSIFICATIONS), r.pick([5, 10, 25]), null),
      ),
    );
  }

  private archiveDocument(
    agency: SeededAgency,
    title: string,
    classification: Classification,
    retentionYears: number,
    citizenId: string | null,
  ): Prisma.ArchiveDocumentCreateManyInput {
    const id = this.id();
    const registeredAt = this.instant(Date.UTC(2020, 0, 1), this.anchor.getTime());
    const storageUri = `archive://${agency.code}/${registeredAt.getUTCFullYear()}/${id}.txt`;
    const content = seedArchiveContent(storageUri);
    return {
      id,
      agencyId: agency.id,
      title,
      classification,
      retentionYears,
      checksumSha256: createHash("sha256").update(content).digest("hex"),
      sizeBytes: BigInt(content.length),
      storageUri,
      citizenId,
      registeredAt,
    };
  }

  // -- small helpers ---------------------------------------------------------------------------

  private agencyOf(regency: RegencySeed, kind: AgencyKind): SeededAgency {
    const agency = this.agencyIndex.get(`${regency.code}|${kind}`);
    if (!agency) throw new Error(`no seeded ${kind} agency for ${regency.code}: agencies() must run first`);
    return agency;
  }

  /** A NIP (civil-servant number): birth date, appointment month, sex digit, serial. */
  private nip(): string {
    const r = this.rng;
    const birth = this.birthDate(1965, 1995);
    const appointed = clamp(birth.getUTCFullYear() + r.int(22, 30), 1990, 2024);
    return `${birth.toISOString().slice(0, 10).replaceAll("-", "")}${appointed}${pad(r.int(1, 12), 2)}${r.int(1, 2)}${pad(r.int(1, 20), 3)}`;
  }

  /**
   * A serial not yet used under `key` (NIK: district + birth date + sex; No. KK: district + issue
   * date). A real serial counts everyone registered under that key before, most of whom the demo does
   * not hold: so it is drawn, mostly low and now and then in the tens or hundreds, rather than counted
   * from 0001 (which made every demo NIK end in 0001 and every masked NIK look alike).
   */
  private serial(used: Map<string, Set<number>>, key: string, mean: number): number {
    const taken = used.get(key) ?? new Set<number>();
    used.set(key, taken);
    for (let attempt = 0; attempt < 20; attempt++) {
      const drawn = Math.min(9999, 1 + Math.floor(-Math.log(1 - this.serialRng.float()) * mean));
      if (!taken.has(drawn)) {
        taken.add(drawn);
        return drawn;
      }
    }
    const next = Math.max(...taken) + 1;
    // 9,999 people of one key: far beyond what this seed creates.
    if (next > 9999) throw new Error(`seed ran out of serials for ${key}`);
    taken.add(next);
    return next;
  }

  /** 1, 2, 3, … per key: unique numbers for documents, plates and object numbers. */
  private sequence(key: string): number {
    const next = (this.sequences.get(key) ?? 0) + 1;
    this.sequences.set(key, next);
    return next;
  }

  /** Birth date: a day of a year drawn from [fromYear, toYear], within 1940–2008. */
  private birthDate(fromYear: number, toYear: number): Date {
    const lo = Math.max(Date.UTC(Math.min(fromYear, toYear), 0, 1), MIN_BIRTH);
    const hi = Math.min(Date.UTC(Math.max(fromYear, toYear), 11, 31), MAX_BIRTH);
    return this.day(lo, Math.max(lo, hi));
  }

  /** A midnight-UTC date between two instants, inclusive. */
  private day(from: number, to: number): Date {
    const first = Math.ceil(from / DAY_MS);
    const last = Math.max(first, Math.floor(to / DAY_MS));
    return new Date(this.rng.int(first, last) * DAY_MS);
  }

  /** An instant in [from, to), to the millisecond. */
  private instant(from: number, to: number): Date {
    return new Date(from + Math.floor(this.rng.float() * Math.max(1, to - from)));
  }

  /** An instant during office hours in Western Indonesia (08:00–15:00 WIB = 01:00–08:00 UTC). */
  private officeHours(from: number, to: number = this.anchor.getTime() - DAY_MS): Date {
    const day = this.day(from, to);
    return new Date(day.getTime() + 3_600_000 + this.rng.int(0, 7 * 3_600_000 - 1));
  }

  /** UUIDv7-shaped: 48-bit time from the reference date plus a counter, 74 random bits from the PRNG. */
  private id(): string {
    const time = SEED_REFERENCE_DATE.getTime() + this.idCounter++;
    const high = hex32(Math.floor(time / 0x1_0000_0000)).slice(4); // 16 bits: time < 2^48
    const low = hex32(time >>> 0);
    const r = this.idRng;
    const a = hex32(r.next());
    const b = hex32(r.next());
    const c = hex32(r.next());
    // Version nibble 7, variant bits 10.
    return `${high}${low.slice(0, 4)}-${low.slice(4)}-7${a.slice(0, 3)}-${HEX_DIGITS[8 + (r.next() & 3)]}${a.slice(3, 6)}-${b}${c.slice(0, 4)}`;
  }
}

const HEX_DIGITS = "0123456789abcdef";
const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Eight hex digits; a lookup table because ids are generated by the hundred thousand. */
function hex32(n: number): string {
  return `${HEX_BYTES[n >>> 24]}${HEX_BYTES[(n >>> 16) & 255]}${HEX_BYTES[(n >>> 8) & 255]}${HEX_BYTES[n & 255]}`;
}

interface Home {
  village: VillageSeed;
  district: DistrictSeed;
  regency: RegencySeed;
  ethnicity: Ethnicity;
  religion: Religion;
  street: string;
  rt: string;
  rw: string;
  familyName: string | undefined;
  familyCardNumber: string;
}

function districtOf(villageCode: string): DistrictSeed {
  const district = DISTRICTS.find((d) => villageCode.startsWith(`${d.code}.`));
  if (!district) throw new Error(`no seeded district for ${villageCode}`);
  return district;
}

function regencyOf(code: string): RegencySeed {
  const regency = REGENCIES.find((r) => code.startsWith(`${r.code}.`));
  if (!regency) throw new Error(`no seeded regency for ${code}`);
  return regency;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter): tiny, fast, and good enough for demo data. */
class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next(); // mix the seed through the state
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.next() / 4_294_967_296;
  }

  /** A uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.float() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let roll = this.float() * total;
    for (const [item, w] of items) {
      roll -= w;
      if (roll < 0) return item;
    }
    const last = items[items.length - 1];
    if (last === undefined) throw new Error("weighted pick from an empty list");
    return last[0];
  }
}

/** Whole rupiah as a Decimal string with two places; integers only, so no float rounding. */
function money(rupiah: number): string {
  if (!Number.isSafeInteger(rupiah) || rupiah < 0) throw new RangeError(`not a whole rupiah amount: ${rupiah}`);
  return `${rupiah}.00`;
}

function utcDate(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day)); // month 13 rolls into January of the next year
}

function startOfUtcDay(d: Date): Date {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
}

function yearsBetween(from: Date, to: Date): number {
  let years = to.getUTCFullYear() - from.getUTCFullYear();
  if (
    to.getUTCMonth() < from.getUTCMonth() ||
    (to.getUTCMonth() === from.getUTCMonth() && to.getUTCDate() < from.getUTCDate())
  )
    years--;
  return years;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
