// Nothing scrolls sideways on a phone (issue 14): every signed-in page at
// 360 and 390 px, the billing tab after a credit pack was bought (invoices),
// and the admin pages. Screenshots of each under test-results/e2e/<test>/.
import type { Page } from "@playwright/test";
import { ADMIN, autumn, buyPlan, expect, newOwner, newSession, openBilling, signIn, snap, test } from "./fixtures";

test.describe.configure({ timeout: 90_000 });

async function noSideways(page: Page, info: Parameters<typeof snap>[1], name: string): Promise<void> {
  for (const width of [360, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(150);
    const over = await page.evaluate(() => {
      const doc = document.documentElement;
      const wide = Array.from(document.querySelectorAll<HTMLElement>("body *"))
        .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1)
        .slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${Array.from(el.classList).join(".")}`);
      return { by: doc.scrollWidth - doc.clientWidth, wide };
    });
    expect(over, `${name} at ${width} px`).toEqual({ by: 0, wide: [] });
    if (width === 360) await snap(page, info, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("every signed-in page fits 360 and 390 px, billing with invoices and the admin pages included", async ({ page, browser, extraContexts }, info) => {
  const { orgId, orgName } = await newOwner(page, "narrow");
  await buyPlan(page, "Pro", "Start trial");
  await autumn.billing.attach({ customerId: orgId, planId: "credit_pack" });
  await openBilling(page);
  await expect(page.getByRole("list", { name: "Invoices" })).toBeVisible();
  await noSideways(page, info, "billing");
  for (const path of ["/dashboard", "/pricing", "/branding", "/settings/members", "/dev/outbox"]) {
    await page.goto(path);
    await expect(page.getByRole("main")).toBeVisible();
    await page.waitForLoadState("networkidle");
    await noSideways(page, info, path.slice(1).replace(/\//g, "-"));
  }

  const admin = await newSession(browser, extraContexts);
  await signIn(admin, ADMIN).catch(async () => { await expect(admin).toHaveURL(/\/(admin|dashboard)/); });
  await admin.goto("/admin");
  await expect(admin.getByRole("heading", { level: 1 })).toBeVisible();
  await admin.waitForLoadState("networkidle");
  await noSideways(admin, info, "admin");
  await admin.goto(`/admin/orgs/${orgId}`);
  await expect(admin.getByRole("heading", { level: 1 })).toContainText(orgName);
  await noSideways(admin, info, "admin-org");
});
