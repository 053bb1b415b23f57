// Charge what is shown, in a real browser (Debian Chromium) on the offline
// stack: an owner picks BRL on the pricing page, subscribes, pays R$ on the
// hosted checkout page, and from then on the invoice, the billing tab and
// the pricing page are all in R$ (the picker is gone: the first payment
// locked the org's currency). A pt-BR browser starts in BRL by itself.
// Screenshots at 1280 px and 390 px: test-results/e2e/<test>/NN-<step>.png.
import type { Page, TestInfo } from "@playwright/test";
import {
  autumn, checkoutDialog, currentPlan, expect, newOwner, planCard, settleCheckouts, signUp, snap, test, tierBadge, unique, WEB_URL, CARDS,
} from "./fixtures";

test.describe.configure({ timeout: 90_000 });

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
/** Intl writes "R$ 297,00" with a no-break space. */
const brl = (amount: string) => new RegExp(`R\\$\\s${amount.replace(".", "\\.")}`);

/** The same screen at desktop and phone widths. */
async function snapBoth(page: Page, info: TestInfo, name: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await snap(page, info, `${name}-1280`);
  await page.setViewportSize(PHONE);
  await snap(page, info, `${name}-390`);
  await page.setViewportSize(DESKTOP);
}

test("BRL: pick BRL on pricing → subscribe → pay R$ on the hosted page → invoice, billing tab and pricing all in R$", async ({ page }, info) => {
  await page.setViewportSize(DESKTOP);
  const { orgId } = await newOwner(page, "real");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pricing" }).click();
  await expect(page.getByRole("heading", { name: "Pricing", level: 1 })).toBeVisible();
  const picker = page.getByTestId("currency");
  await expect(picker).toHaveValue("usd"); // an en-US browser
  await expect(picker.locator("option")).toHaveText(["USD", "BRL"]); // only what the catalog prices in
  await expect(planCard(page, "Team")).toContainText("$99.00/month");

  await picker.selectOption("brl");
  await expect(planCard(page, "Team")).toContainText(brl("297,00/month"));
  await expect(planCard(page, "Pro")).toContainText(brl("87,00/month"));
  // Nothing on the plans is left in dollars.
  await expect(page.getByRole("region", { name: "Plans" }).getByText(/(^|[^R])\$\d/)).toHaveCount(0);
  await snapBoth(page, info, "pricing-brl");

  await planCard(page, "Team").getByRole("button", { name: "Upgrade" }).click();
  const dialog = checkoutDialog(page);
  await expect(dialog.getByRole("heading", { name: "Upgrade to Team" })).toBeVisible();
  await expect(dialog.getByRole("row", { name: /Total due today/ })).toContainText(brl("297,00"));
  await snapBoth(page, info, "checkout-dialog-brl");

  await dialog.getByRole("button", { name: "Continue to payment" }).click();
  await expect(page.getByTestId("plan-name")).toHaveText("Team");
  await expect(page.getByTestId("total")).toHaveText(brl("297,00"));
  await page.getByLabel("Card number").fill(CARDS.pays);
  await snapBoth(page, info, "hosted-checkout-brl");
  await page.getByRole("button", { name: brl("297,00") }).click();

  await expect(page).toHaveURL(/\/billing\/success\?planId=team$/);
  await settleCheckouts();
  await expect(page.getByRole("status").filter({ hasText: "Team is active" })).toBeVisible({ timeout: 20_000 });
  await expect(tierBadge(page)).toContainText("Team");

  // Autumn charged BRL (and says so only on the invoice: the customer has no currency field).
  const customer = await autumn.customers.get({ customerId: orgId, expand: ["invoices"] });
  expect(customer.invoices?.map((i) => [i.total, i.currency])).toEqual([[297, "brl"]]);

  await page.goto("/settings/billing");
  const plan = currentPlan(page);
  await expect(plan).toContainText(brl("297,00/month"));
  const invoices = page.getByRole("region", { name: "Invoices" });
  await expect(invoices.getByRole("listitem").first()).toContainText(brl("297,00"));
  // The picker is gone: a short note says why.
  await expect(page.getByTestId("currency")).toHaveCount(0);
  await expect(page.getByTestId("currency-locked")).toHaveText("Prices in BRL: your organization is billed in BRL since its first payment.");
  await expect(planCard(page, "Pro")).toContainText(brl("87,00/month"));
  await expect(page.getByRole("region", { name: "Add-ons" })).toContainText(brl("30,00"));
  await expect(page.getByRole("region", { name: "Plans" }).getByText(/(^|[^R])\$\d/)).toHaveCount(0);
  await snapBoth(page, info, "billing-tab-brl");

  // The hosted invoice.
  const href = await invoices.getByRole("link", { name: "View" }).getAttribute("href");
  expect(href).toBeTruthy();
  await page.goto(href ?? "");
  await expect(page.locator("body")).toContainText(brl("297,00"));
  await snapBoth(page, info, "invoice-brl");

  // Back on pricing: BRL only, no picker.
  await page.goto(`${WEB_URL}/pricing`);
  await expect(planCard(page, "Team").getByText("Current plan")).toBeVisible();
  await expect(page.getByTestId("currency")).toHaveCount(0);
  await expect(page.getByTestId("currency-locked")).toBeVisible();
  await expect(planCard(page, "Pro")).toContainText(brl("87,00/month"));
  await snapBoth(page, info, "pricing-locked");
});

test("a pt-BR browser starts in BRL; other currencies stay a choice until the first payment", async ({ browser }, info) => {
  const context = await browser.newContext({ baseURL: WEB_URL, locale: "pt-BR", viewport: DESKTOP });
  try {
    const page = await context.newPage();
    const who = unique("brasil");
    await signUp(page, who);
    await page.getByLabel("Organization name").fill(`Org ${who.name}`);
    await page.getByRole("button", { name: "Create organization" }).click();
    await expect(tierBadge(page)).toHaveText("Free", { timeout: 15_000 });
    await page.goto("/pricing");
    await expect(page.getByTestId("currency")).toHaveValue("brl");
    await expect(planCard(page, "Pro")).toContainText(brl("87,00/month"));
    await expect(planCard(page, "Pro").getByRole("button", { name: "Start trial" })).toBeVisible();
    await snap(page, info, "pricing-pt-br-1280");
    await page.getByTestId("currency").selectOption("usd");
    await expect(planCard(page, "Pro")).toContainText("$29.00/month");
  } finally {
    await context.close();
  }
});
