// The alert rules file is checked like the role files: a mistake stops the start with every problem
// named. And the log scrub: no 16-digit number and no JWT survives into a log line.
import { describe, expect, it } from "vitest";
import { createLogger, scrub } from "../../src/log.ts";
import { parseAlertRules } from "../../src/monitoring/rules.ts";
import { signature } from "../../src/monitoring/webhook.ts";

const RULE = `
rules:
  bulk_reveals:
    description: Too many clear values revealed by one principal.
    counts: reveal
    threshold: 200
    window: 10m
    severity: critical
    response: suspend_reveals
`;

function problems(text: string): string {
  try {
    parseAlertRules(text);
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

describe("alert rules", () => {
  it("reads a rule with its window in seconds", () => {
    expect(parseAlertRules(RULE)).toMatchObject([
      { name: "bulk_reveals", counts: "reveal", threshold: 200, windowSeconds: 600, severity: "critical" },
    ]);
  });

  it("refuses unknown signals, keys, windows and severities, naming each", () => {
    const bad = RULE.replace("counts: reveal", "counts: reveals")
      .replace("window: 10m", "window: 10 minutes")
      .replace("severity: critical", "severity: urgent\n    thresold: 3");
    const message = problems(bad);
    expect(message).toContain("rules.bulk_reveals.counts");
    expect(message).toContain("rules.bulk_reveals.window");
    expect(message).toContain("rules.bulk_reveals.severity");
    expect(message).toContain("thresold");
  });

  it("refuses rules that could never fire or do not say what they are for", () => {
    expect(problems(RULE.replace("threshold: 200", "threshold: 0"))).toContain("threshold");
    expect(problems(RULE.replace(/description: .*/, "description: x"))).toContain("description");
    expect(problems(RULE.replace("counts: reveal", "counts: security_event"))).toContain("names its events");
    expect(problems(RULE.replace("counts: reveal", "counts: write_outside_hours"))).toContain("needs officeHours");
    expect(problems(RULE.replace("counts: reveal", "counts: mutation"))).toContain("suspend_reveals");
    expect(problems("rules: [1, 2]")).toContain("rules");
    expect(problems("rules:\n  a: {\n")).toContain("alerts.yaml");
  });

  it("office hours: a Jakarta working day, and nights and weekends outside it", () => {
    const [rule] = parseAlertRules(`
rules:
  night_writes:
    description: A change outside office hours.
    counts: write_outside_hours
    threshold: 1
    window: 1h
    severity: medium
    officeHours: { roles: [front_office], days: [mon, tue, wed, thu, fri], from: "07:00", to: "18:00", timezone: Asia/Jakarta }
`);
    const hours = rule?.officeHours;
    expect(hours?.outside(new Date("2026-11-25T03:00:00Z"))).toBe(false); // Wed 10:00 WIB
    expect(hours?.outside(new Date("2026-11-25T00:00:00Z"))).toBe(false); // Wed 07:00 WIB
    expect(hours?.outside(new Date("2026-11-24T23:59:00Z"))).toBe(true); // Wed 06:59 WIB
    expect(hours?.outside(new Date("2026-11-25T11:00:00Z"))).toBe(true); // Wed 18:00 WIB
    expect(hours?.outside(new Date("2026-11-28T03:00:00Z"))).toBe(true); // Sat 10:00 WIB
    expect(
      problems(
        RULE.replace(
          "counts: reveal",
          "counts: write_outside_hours\n    officeHours: { roles: [a], days: [mon], from: '7', to: '18:00', timezone: Mars/Olympus }",
        ),
      ),
    ).toMatch(/from[\s\S]*timezone/);
  });
});

describe("log scrub", () => {
  it("hides 16-digit numbers (with or without separators) and JWTs, and keeps the rest", () => {
    expect(scrub("nik 3201010101900001 seen")).toBe("nik [16 digits] seen");
    expect(scrub("kk 3201-0101-0190-0001")).toBe("kk [16 digits]");
    expect(scrub("id 12345678901234567")).toBe("id 12345678901234567"); // 17 digits: not a NIK
    expect(scrub("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abc-def_1")).toBe("Bearer [token]");
    expect(scrub("request 0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b")).toBe("request 0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b");
  });
});

describe("webhook signature", () => {
  it("covers the time and the exact body", () => {
    const a = signature("secret", '{"a":1}', 1_700_000_000);
    expect(a).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(signature("secret", '{"a":2}', 1_700_000_000)).not.toBe(a);
    expect(signature("secret", '{"a":1}', 1_700_000_001)).not.toBe(a);
    expect(signature("other", '{"a":1}', 1_700_000_000)).not.toBe(a);
  });
});

describe("log redaction", () => {
  it("replaces the values of secret-bearing keys at any depth", () => {
    const lines: string[] = [];
    const log = createLogger("info", (line) => lines.push(line));
    log.info("x", { authorization: "Bearer abc", nested: { deeper: { token: "t0k", nik: "a" } }, variables: { a: 1 } });
    const line = JSON.parse(lines[0] as string);
    expect(line).toMatchObject({
      msg: "x",
      authorization: "[redacted]",
      nested: { deeper: { token: "[redacted]", nik: "[redacted]" } },
      variables: "[redacted]",
    });
  });
});
