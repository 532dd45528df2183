// The client address the audit trail records: x-forwarded-for is believed only from trusted proxies,
// and only up to the first hop that is not one.
import { describe, expect, it } from "vitest";
import { clientIpResolver } from "../../src/server/client-ip.ts";

describe("client address", () => {
  it("is the socket's peer when no proxy is trusted, whatever x-forwarded-for says", () => {
    const ip = clientIpResolver([]);
    expect(ip("192.0.2.10", "8.8.8.8")).toBe("192.0.2.10");
    expect(ip("::ffff:192.0.2.10", null)).toBe("192.0.2.10");
    expect(ip("2001:db8::1", "8.8.8.8")).toBe("2001:db8::1");
  });

  it("is unknown without a socket (yoga.fetch)", () => {
    expect(clientIpResolver(["127.0.0.1"])(undefined, "8.8.8.8")).toBeUndefined();
  });

  it("is the nearest hop that is not a trusted proxy", () => {
    const ip = clientIpResolver(["10.0.0.0/8", "192.0.2.1", "fd00::/8"]);
    expect(ip("10.1.2.3", "203.0.113.9")).toBe("203.0.113.9");
    // The client wrote 1.1.1.1 itself; our proxies saw 203.0.113.9.
    expect(ip("10.1.2.3", "1.1.1.1, 203.0.113.9, 192.0.2.1")).toBe("203.0.113.9");
    expect(ip("::ffff:10.1.2.3", "203.0.113.9")).toBe("203.0.113.9");
    expect(ip("fd00::5", "2001:db8::7")).toBe("2001:db8::7");
    expect(ip("10.1.2.3", "203.0.113.9:51234")).toBe("203.0.113.9");
    expect(ip("10.1.2.3", "[2001:db8::7]:443")).toBe("2001:db8::7");
    // Only trusted hops: the farthest one is all we know.
    expect(ip("10.1.2.3", "10.9.9.9")).toBe("10.9.9.9");
    expect(ip("10.1.2.3", null)).toBe("10.1.2.3");
    // A peer outside the trusted ranges is the client, even if it forwards.
    expect(ip("198.51.100.1", "203.0.113.9")).toBe("198.51.100.1");
  });

  it("is unknown when a trusted proxy forwards something that is not an address", () => {
    const ip = clientIpResolver(["127.0.0.1"]);
    expect(ip("127.0.0.1", "not-an-address")).toBeUndefined();
    expect(ip("127.0.0.1", "8.8.8.8 , <script>")).toBeUndefined();
    // Garbage the client wrote beyond an untrusted hop is never reached.
    expect(ip("127.0.0.1", "<script>, 8.8.8.8")).toBe("8.8.8.8");
  });
});
