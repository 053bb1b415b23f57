// Security, in the browser: plan and feature names come from Autumn, so
// treat them as hostile. A feature and a plan whose names are HTML/script
// are synced in by an admin, then shown on the pricing page, in the
// checkout dialog, on the admin panel and on the hosted checkout page: the
// text appears literally, no element is created from it and no script runs.
import { ADMIN, autumn, expect, newOwner, newSession, planCard, signIn, snap, test, unique } from "./fixtures";

const PAYLOAD = `<img src=x onerror="window.__xss=(window.__xss||0)+1"><script>window.__xss=(window.__xss||0)+1</script>`;

test("HTML and script in plan and feature names render as text, everywhere", async ({ page, browser, extraContexts }, info) => {
  const owner = await newOwner(page, "xssowner");
  const id = unique("xss").id;
  const featureId = `e2e_xss_feature_${id}`;
  const planName = `Evil ${PAYLOAD} ${id}`;
  await autumn.features.create({ featureId, name: `Feature ${PAYLOAD}`, type: "boolean" });
  await autumn.plans.create({
    planId: `e2e_xss_${id}`,
    name: planName,
    description: `Description ${PAYLOAD}`,
    group: "main",
    price: { amount: 199, interval: "month" },
    items: [{ featureId }, { featureId: "seats", included: 10 }],
  });

  const admin = await newSession(browser, extraContexts);
  await signIn(admin, ADMIN);
  await admin.goto("/admin");
  await admin.getByRole("button", { name: "Sync from Autumn" }).click();
  await expect(admin.getByRole("heading", { name: planName })).toBeVisible({ timeout: 15_000 });
  await expect(admin.getByText(`Feature ${PAYLOAD}`).first()).toBeVisible();
  await snap(admin, info, "admin-hostile-names");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pricing" }).click();
  const card = planCard(page, planName);
  await expect(card).toBeVisible();
  await expect(card).toContainText(`Description ${PAYLOAD}`);
  await snap(page, info, "pricing-hostile-names");

  // The checkout dialog, then the sandbox's hosted checkout page (server-rendered HTML).
  await card.getByRole("button", { name: "Upgrade" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText(planName);
  await dialog.getByRole("button", { name: /Continue to payment|Confirm/ }).click();
  await page.waitForURL(/\/checkout\//);
  await expect(page.getByTestId("plan-name")).toHaveText(planName);
  await snap(page, info, "hosted-checkout-hostile-names");

  for (const p of [page, admin]) {
    // No element was made from the payload, and its script never ran.
    expect(await p.evaluate(() => (window as unknown as { __xss?: number }).__xss ?? 0)).toBe(0);
    expect(await p.locator('img[src="x"]').count()).toBe(0);
  }
  expect(owner.orgId).toBeTruthy();
});
