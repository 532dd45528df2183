// Cursors the gateway hands out are sealed: a MAC binds each one to the list it came from, the
// ordering it was issued under and the caller's scope (role, region, agency). A cursor built by hand
// from an id (a hidden citizen's, say) would otherwise page from where that row sorts, which tells
// that the row exists and, under `orderBy: birthDate`, brackets its birth date.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Principal } from "../auth/principal.ts";

/** The MAC's length in bytes: 128 bits, far beyond what anyone can guess online. */
const MAC_BYTES = 16;

/** What a cursor is bound to. `list` is the connection field (`Query.citizens`, `Citizen.taxRecords`). */
export interface CursorBinding {
  list: string;
  /** The connection's `orderBy` argument as coerced (absent: the list's fixed order). */
  orderBy: unknown;
  principal: Principal;
}

/** What a sealed cursor carries: the list's own cursor, and the key of the row it points at. */
export interface CursorContent {
  /** The cursor the schema's connection understands (Pothos's). */
  inner: string;
  /** The row's primary key (`id`, or `seq` as text), to check that the caller still sees it. */
  key: string;
}

function bindingText({ list, orderBy, principal }: CursorBinding): string {
  const order = Array.isArray(orderBy)
    ? orderBy.map((o: { field?: unknown; direction?: unknown }) => [o.field, o.direction ?? "ASC"])
    : orderBy === null || orderBy === undefined
      ? []
      : [orderBy];
  const scope = [principal.kind, principal.role, principal.regionScope ?? "", principal.agencyCode ?? ""];
  return JSON.stringify([list, order, scope]);
}

function mac(key: string, binding: CursorBinding, payload: string): Buffer {
  return createHmac("sha256", key)
    .update(`${bindingText(binding)}\n${payload}`)
    .digest()
    .subarray(0, MAC_BYTES);
}

/** The cursor a client sees: opaque text, valid only for `binding`. */
export function sealCursor(key: string, binding: CursorBinding, content: CursorContent): string {
  const payload = JSON.stringify([content.inner, content.key]);
  return `${Buffer.from(payload).toString("base64url")}.${mac(key, binding, payload).toString("base64url")}`;
}

/** The content of a cursor sealed for exactly `binding`; undefined for anything else. */
export function openCursor(key: string, binding: CursorBinding, cursor: string): CursorContent | undefined {
  const [body, tag, ...rest] = cursor.split(".");
  if (!body || !tag || rest.length > 0) return undefined;
  const payload = Buffer.from(body, "base64url").toString();
  const given = Buffer.from(tag, "base64url");
  const expected = mac(key, binding, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined; // only a cursor sealed with our key gets here, and those are JSON
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== "string" || typeof parsed[1] !== "string") return undefined;
  return { inner: parsed[0], key: parsed[1] };
}
