// Accessibility (issue 14): axe-core (WCAG 2.0/2.1 A and AA rules) on every
// page — signed out, signed in (dashboard, branding, pricing, members,
// billing, outbox), an open dialog, and the admin pages — at 1280 and 390 px.
// Target: zero violations. axe-core's own script is injected from
// node_modules (no network).
import type { Page } from "@playwright/test";
import { createRequire } from "node:module";
import { ADMIN, expect, newOwner, newSession, openBilling, planCard, signIn, test } from "./fixtures";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
test.describe.configure({ timeout: 120_000 });

interface Violation { id: string; impact: string | null; help: string; nodes: Array<{ target: string[]; failureSummary?: string }> }

async function violations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: Violation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }) as unknown as { violations: Violation[]; incomplete: Violation[] };
    // Text over a gradient or image cannot be contrast-checked: count it as a failure too.
    const unchecked = r.incomplete.filter((v) => v.id === "color-contrast")
      .map((v) => ({ ...v, nodes: v.nodes.filter((n) => /gradient|background image/i.test(n.failureSummary ?? "")) }))
      .filter((v) => v.nodes.length > 0);
    return [...r.violations, ...unchecked];
  });
  return found.flatMap((v) => v.nodes.slice(0, 3).map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")} — ${(n.failureSummary ?? v.help).split("\n").slice(0, 2).join(" ")}`));
}

async function check(page: Page, name: string, out: Record<string, string[]>): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(200);
    const v = await violations(page);
    if (v.length > 0) out[`${name} @${width}`] = v;
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("zero axe violations on every page at 1280 and 390 px", async ({ page, browser, extraContexts }) => {
  const out: Record<string, string[]> = {};
  for (const path of ["/sign-in", "/sign-up"]) {
    await page.goto(path);
    await expect(page.getByRole("main").or(page.locator("form")).first()).toBeVisible();
    await check(page, path, out);
  }
  const { orgId } = await newOwner(page, "a11y");
  for (const path of ["/dashboard", "/branding", "/pricing", "/settings/members", "/dev/outbox"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    await check(page, path, out);
  }
  await openBilling(page);
  await page.waitForLoadState("networkidle");
  await check(page, "/settings/billing", out);
  await planCard(page, "Pro").getByRole("button", { name: /Start trial|Upgrade/ }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.waitForLoadState("networkidle");
  await check(page, "checkout dialog", out);
  await page.keyboard.press("Escape");
  await page.getByTestId("alerts-bell").click();
  await check(page, "notifications", out);

  const admin = await newSession(browser, extraContexts);
  await signIn(admin, ADMIN);
  for (const path of ["/admin", `/admin/orgs/${orgId}`]) {
    await admin.goto(path);
    await admin.waitForLoadState("networkidle");
    await check(admin, path, out);
  }
  expect(out).toEqual({});
});
