// GraphiQL as a newcomer meets it, in an air-gapped data centre: the page served by a real gateway on
// a local port, opened in Debian's chromium with every request beyond localhost refused, a token pasted
// into the header editor, and the README's first query run. The query and the token command are read
// from README.md, so the quick start cannot drift from what this test proves.
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueDevToken } from "../../src/auth/dev-token.ts";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { createLogger } from "../../src/log.ts";
import { createGateway } from "../../src/server/yoga.ts";
import { openTestDatabase } from "../support/db.ts";
import { testConfig } from "../support/gateway.ts";

/** Debian's package; never a browser downloaded by Playwright. .ci/run installs it when it can. */
const CHROMIUM = "/usr/bin/chromium";
const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`GraphiQL browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

/** The quick start's first query and the `gerbang token` arguments it is run with. */
function readmeFirstQuery(): { query: string; role: string; region: string } {
  const readme = fs.readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.split("### A first query")[1]?.split(/\n#{2,3} /)[0] ?? "";
  const query = /```graphql\n([\s\S]*?)```/.exec(section)?.[1];
  const command = /npx gerbang token (.*)/.exec(section)?.[1] ?? "";
  const role = /--role (\S+)/.exec(command)?.[1];
  const region = /--region (\S+)/.exec(command)?.[1];
  if (!query || !role || !region) throw new Error("README.md: 'A first query' lost its token command or query");
  return { query, role, region };
}

/** A masked NIK as the README shows it (32**************); Monaco renders the space as a no-break space. */
const MASKED_NIK = /"nik":\s"\d{2}\*{14}"/;

async function startGateway(db: Database): Promise<{ server: Server; url: string }> {
  const server = createServer(createGateway({ config: testConfig, db, log: createLogger("silent") }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

describe("GraphiQL page", () => {
  let db: Database;
  let gateway: { server: Server; url: string };

  beforeAll(async () => {
    db = await openTestDatabase("pglite");
    gateway = await startGateway(db);
  });
  afterAll(async () => {
    gateway?.server.close();
    await db?.close();
  });

  it("is served from the installed packages: no script, style, font or image from outside", async () => {
    const res = await fetch(gateway.url, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    // The bundle's code mentions URLs in strings (docs links, XML namespaces); what matters is that
    // nothing is loaded from one: no src/href attribute, CSS url() or @import pointing off the page.
    const loads = [...html.matchAll(/(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)(https?:)?\/\//gi)];
    expect(loads.map((m) => html.slice(m.index, m.index + 80))).toEqual([]);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr\.net|esm\.sh|cdnjs|fonts\.googleapis|fonts\.gstatic/);
    // The header hint is the README's command, complete with a region, so it works as pasted.
    const { role, region } = readmeFirstQuery();
    expect(html).toContain(`npx gerbang token --role ${role} --region ${region}`);
  });
});

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? "GraphiQL in a headless browser, offline"
    : `GraphiQL in a headless browser (SKIPPED: ${CHROMIUM} is not installed; apt-get install -y chromium)`,
  () => {
    let db: Database;
    let gateway: { server: Server; url: string };
    let browser: Browser;
    /** Every request the page tried beyond localhost (all of them refused). */
    const outside: string[] = [];

    beforeAll(async () => {
      db = await openTestDatabase("pglite");
      await seed(db.prisma, { citizens: 20 });
      gateway = await startGateway(db);
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
      gateway?.server.close();
      await db?.close();
    });

    async function openGraphiQL(): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      // The token goes in the way a person puts it there: pasted. (Typing into the editor would
      // auto-close brackets and quotes and garble the JSON.)
      await context.grantPermissions(["clipboard-read", "clipboard-write"]);
      await context.route("**/*", (route) => {
        const { hostname } = new URL(route.request().url());
        if (hostname === "127.0.0.1" || hostname === "localhost") return route.continue();
        outside.push(route.request().url());
        return route.abort("internetdisconnected");
      });
      const page = await context.newPage();
      await page.goto(gateway.url);
      return page;
    }

    async function pasteInto(page: Page, editor: string, text: string): Promise<void> {
      await page.locator(editor).click();
      await page.evaluate((t) => navigator.clipboard.writeText(t), text);
      await page.keyboard.press("Control+A");
      await page.keyboard.press("Control+V");
    }

    it("loads, takes a token in the header editor and runs the README's first query with masked NIKs", async () => {
      const { query, role, region } = readmeFirstQuery();
      const token = await issueDevToken(testConfig, { role, region });
      const page = await openGraphiQL();
      const queryEditor = ".graphiql-query-editor .monaco-editor";
      await page
        .locator(queryEditor)
        .waitFor({ timeout: 30_000 })
        .catch(() => {
          throw new Error(`GraphiQL did not start; requests refused beyond localhost: ${outside.join(", ") || "none"}`);
        });

      await pasteInto(
        page,
        ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor",
        JSON.stringify({ Authorization: `Bearer ${token}` }),
      );
      await pasteInto(page, queryEditor, query);
      const answer = page.waitForResponse(
        (r) => r.request().method() === "POST" && (r.request().postData() ?? "").includes("citizens"),
      );
      await page.locator(".graphiql-execute-button").click();
      const response = await answer;
      expect(response.status()).toBe(200);
      const body = (await response.json()) as { data?: { citizens?: { totalCount: number } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.citizens?.totalCount).toBeGreaterThan(0);

      const panel = page.locator(".graphiql-response");
      await panel.getByText('"totalCount"').waitFor();
      const shown = (await panel.textContent()) ?? "";
      expect(shown).toMatch(MASKED_NIK);
      expect(shown).not.toMatch(/\d{16}/);
      expect(outside).toEqual([]);
    });
  },
);
