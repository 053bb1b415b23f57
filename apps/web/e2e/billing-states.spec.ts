// Settings → Billing in each state a person can find it in, looked at on a
// desktop (1280×860) and a phone (390×844): active (Free), trialing,
// canceling, downgrade scheduled, past due and a member's read-only view.
// Every state is a fresh owner with a fresh organization on the shared stack
// (see fixtures.ts); each asserts what a person sees at both widths, checks
// that nothing spills sideways, and keeps a full-page screenshot as a test
// artifact: test-results/e2e/<test>/billing-<state>-<desktop|phone>.png.
// Past due is reached the way it happens: the team plan is paid with the
// sandbox card whose later charges fail (4000 0000 0000 0341), the test clock
// moves past the period end, the renewal fails, and Convex learns it from
// the webhook.
import type { Locator, Page, TestInfo } from "@playwright/test";
import {
  advanceClock, buyPlan, CARDS, checkoutDialog, currentPlan, DAY_MS, expect, newOwner, newSession, openBilling,
  planCard, signUp, test, tierBadge, unique,
} from "./fixtures";

test.describe.configure({ timeout: 45_000 });

const VIEWPORTS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const;

/** At each width: what a person sees (`see`), no sideways scrolling, then the screenshot. */
async function lookAt(page: Page, info: TestInfo, state: string, see: (plan: Locator) => Promise<void>): Promise<void> {
  for (const [width, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.evaluate(() => window.scrollTo(0, 0));
    const plan = currentPlan(page);
    await see(plan);
    // The plan's name and status are the first thing on the page.
    await expect(plan.locator(".billing-current__header")).toBeInViewport();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `billing-${state} scrolls sideways on ${width}`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: info.outputPath(`billing-${state}-${width}.png`), fullPage: true });
  }
}

/** The status pill beside the plan name. */
function statusBadge(plan: Locator): Locator {
  return plan.locator(".billing-current__header .billing-badge");
}

test("active (Free): plan, Active, upgrade offers, no cancel", async ({ page }, info) => {
  await newOwner(page);
  await openBilling(page);
  await lookAt(page, info, "active-free", async (plan) => {
    await expect(plan.getByText("Free", { exact: true }).first()).toBeVisible();
    await expect(statusBadge(plan)).toHaveText("Active");
    await expect(plan.getByRole("button", { name: "Cancel plan" })).toHaveCount(0);
    await expect(plan.getByRole("alert")).toHaveCount(0);
    await expect(planCard(page, "Free").getByText("Current plan")).toBeVisible();
    await expect(planCard(page, "Team").getByRole("button", { name: "Upgrade" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Invoices" })).toContainText("No invoices yet.");
    await expect(tierBadge(page)).toHaveText("Free");
  });
});

test("trialing: Trial: 7 days left, with cancel and manage billing", async ({ page }, info) => {
  await newOwner(page);
  await buyPlan(page, "Pro", "Start trial");
  await openBilling(page);
  await lookAt(page, info, "trialing", async (plan) => {
    await expect(plan.getByText("Pro", { exact: true }).first()).toBeVisible();
    await expect(statusBadge(plan)).toHaveText("Trial");
    await expect(plan.getByText(/^Trial: 7 days left/)).toBeVisible();
    await expect(plan.getByRole("button", { name: "Manage billing" })).toBeVisible();
    await expect(plan.getByRole("button", { name: "Cancel plan" })).toBeVisible();
    await expect(tierBadge(page)).toContainText("trialing");
  });
});

test("canceling: Ends on … with Uncancel", async ({ page }, info) => {
  await newOwner(page);
  await buyPlan(page, "Team");
  await openBilling(page);
  const plan = currentPlan(page);
  await plan.getByRole("button", { name: "Cancel plan" }).click();
  const dialog = page.getByRole("dialog", { name: "Cancel Team?" });
  await dialog.getByRole("button", { name: "Cancel plan" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(plan.getByText(/^Ends on /)).toBeVisible({ timeout: 15_000 });
  // The confirmation toast, dismissed so it does not cover the plans in the screenshots.
  const toast = page.getByRole("status").filter({ hasText: /^Team will end on / });
  await expect(toast).toBeVisible();
  await toast.getByRole("button", { name: "Dismiss" }).click();
  await expect(toast).toHaveCount(0);
  await lookAt(page, info, "canceling", async (p) => {
    await expect(statusBadge(p)).toHaveText("Canceling");
    await expect(p.getByText(/^Ends on \w{3} \d{1,2}, \d{4}$/)).toBeVisible();
    await expect(p.getByRole("button", { name: "Uncancel" })).toBeVisible();
    await expect(p.getByRole("button", { name: "Cancel plan" })).toHaveCount(0);
    await expect(tierBadge(page)).toContainText("canceling");
  });
});

test("downgrade scheduled: Switches to Pro on … with Keep current plan", async ({ page }, info) => {
  await newOwner(page);
  await buyPlan(page, "Team");
  await openBilling(page);
  await planCard(page, "Pro").getByRole("button", { name: "Downgrade" }).click();
  const dialog = checkoutDialog(page);
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog.getByRole("status")).toHaveText(/^Pro starts on /);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(currentPlan(page).getByText(/^Switches to Pro on /)).toBeVisible({ timeout: 15_000 });
  await lookAt(page, info, "downgrade-scheduled", async (plan) => {
    await expect(plan.getByText("Team", { exact: true }).first()).toBeVisible();
    await expect(plan.getByText(/^Switches to Pro on \w{3} \d{1,2}, \d{4}$/)).toBeVisible();
    await expect(plan.getByRole("button", { name: "Keep current plan" })).toBeVisible();
    await expect(plan.getByRole("button", { name: "Cancel plan" })).toHaveCount(0);
    await expect(planCard(page, "Pro").getByText("Scheduled")).toBeVisible();
    await expect(tierBadge(page)).toHaveText("Team");
  });
});

test("past due: the renewal on a failing card → warning and Manage billing", async ({ page }, info) => {
  const { orgId } = await newOwner(page);
  await buyPlan(page, "Team", "Upgrade", CARDS.failsLater);
  await openBilling(page);
  const plan = currentPlan(page);
  await expect(plan.getByText(/^Renews on /)).toBeVisible();
  await expect(plan.getByRole("alert")).toHaveCount(0);

  // Past the end of the monthly period: the renewal charge on the 0341 card fails.
  await advanceClock(orgId, 32 * DAY_MS);
  await expect(statusBadge(plan)).toHaveText("Past due", { timeout: 20_000 });
  await lookAt(page, info, "past-due", async (p) => {
    await expect(statusBadge(p)).toHaveText("Past due");
    await expect(p.getByRole("alert")).toHaveText("Your last payment failed. Update your payment method to keep your plan.");
    await expect(p.getByRole("button", { name: "Manage billing" })).toBeVisible();
    await expect(p.getByText(/^Renews on /)).toHaveCount(0);
    await expect(tierBadge(page)).toContainText("past due");
    // The failed renewal is an open invoice; only the first payment was paid.
    const invoices = page.getByRole("region", { name: "Invoices" });
    await expect(invoices.getByRole("listitem").filter({ hasText: "open" })).toContainText("$99.00");
    await expect(invoices.getByRole("listitem").filter({ hasText: "paid" })).toHaveCount(1);
  });
});

test("member: read-only, the same facts and no buttons", async ({ page, browser, extraContexts }, info) => {
  const owner = await newOwner(page);
  await buyPlan(page, "Team");
  const memberPage = await newSession(browser, extraContexts);
  const member = unique("member");
  await signUp(memberPage, member);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" }).click();
  await page.getByLabel("Email").fill(member.email);
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByRole("status").filter({ hasText: `If ${member.email} has an account, they're a member now` })).toBeVisible();

  await memberPage.goto("/settings/billing");
  await expect(memberPage.getByRole("combobox", { name: "Organization" })).toHaveValue(owner.orgId);
  await lookAt(memberPage, info, "member-readonly", async (plan) => {
    await expect(memberPage.getByRole("note").filter({ hasText: "You can view billing. Ask an owner to change the plan." })).toBeVisible();
    await expect(plan.getByText("Team", { exact: true }).first()).toBeVisible();
    await expect(statusBadge(plan)).toHaveText("Active");
    await expect(plan.getByText(/^Renews on /)).toBeVisible();
    await expect(memberPage.getByText(/only the owner can change the plan|ask an owner to change the plan/i)).toHaveCount(1); // said once
    for (const name of ["Free", "Pro", "Team"]) await expect(planCard(memberPage, name)).toBeVisible();
    await expect(memberPage.getByRole("main").getByRole("button")).toHaveCount(0);
  });
});
