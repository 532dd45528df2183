// The caller's address, as the audit trail records it. Anyone can send `x-forwarded-for: 8.8.8.8`, so
// the header is believed only when the socket's peer is one of TRUSTED_PROXIES, and then only as far
// as the chain of trusted proxies goes: walking from the right (the hop nearest to us), the first
// address that is not a trusted proxy is the client. Everything left of it was written by the client.
import { BlockList, isIP } from "node:net";

export type ClientIpResolver = (peer: string | undefined, forwardedFor: string | null) => string | undefined;

/** `trusted`: addresses and CIDR ranges (validated by config.ts). */
export function clientIpResolver(trusted: readonly string[]): ClientIpResolver {
  const proxies = new BlockList();
  for (const entry of trusted) {
    const [address = "", prefix] = entry.split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) proxies.addAddress(address, family);
    else proxies.addSubnet(address, Number(prefix), family);
  }
  const isTrusted = (address: string) => proxies.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");

  /**
   * `peer`: the socket's remote address (undefined without a socket, e.g. yoga.fetch in tests).
   * Undefined when the address is unknown: no peer, or a trusted proxy forwarded something that is
   * not an address.
   */
  return (peer, forwardedFor) => {
    if (peer === undefined) return undefined;
    const hops = [...(forwardedFor ?? "").split(",").map((s) => s.trim()), peer].filter(Boolean).map(normalize);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (!isIP(hop)) return undefined;
      if (i === 0 || !isTrusted(hop)) return hop;
    }
    return undefined;
  };
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`; `1.2.3.4:5678` and `[::1]:80` lose the port. */
function normalize(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return normalize(bracketed[1] as string);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  if (v4WithPort) return v4WithPort[1] as string;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}
