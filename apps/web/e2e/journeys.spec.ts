// The product as people use it, in Debian Chromium, against the whole
// offline stack (Autumn sandbox + offline Convex host + the production web
// build; see playwright.config.ts). Each journey starts from a clean state:
// a new person with a new organization (the stack is shared, so tests are
// isolated by org; the org id is the Autumn customer id, and every sandbox
// control is scoped to that customer). Assertions are on what a person sees;
// after the sandbox moves (payment settled, test clock), Convex hears through
// the Svix-signed webhook and the UI updates by itself, so we wait on the UI,
// never on fixed sleeps. Screenshots of the key steps are kept under
// test-results/e2e/<test>/NN-<step>.png.
import type { Page } from "@playwright/test";
import {
  activeOrganizationId, ADMIN, advanceClock, autumn, buyPlan, CARDS, checkoutDialog, currentPlan, DAY_MS, expect,
  newOwner, newSession, openBilling, payOnHostedCheckout, planCard, SETTLEMENT_DELAY_MS, setSettlementDelay,
  settleCheckouts, signIn, signUp, snap, test, tierBadge, unique,
} from "./fixtures";

test.describe.configure({ timeout: 60_000 });

/** The usage bar of one metered feature (a progressbar named by the feature). */
function usageBar(page: Page, featureName: string) {
  return page.getByRole("progressbar", { name: featureName });
}

async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  // Done when the button is back (the send settled either way).
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
}

test("1. owner signs up and creates an org → Free plan, usage bars at 0, tier badge Free", async ({ page }, info) => {
  const who = unique("owner");
  await signUp(page, who);
  // No organization yet: the first step is creating one.
  await expect(page.getByRole("heading", { name: "Create an organization" })).toBeVisible();
  await snap(page, info, "create-org");
  await page.getByLabel("Organization name").fill(`Acme ${who.name}`);
  await page.getByRole("button", { name: "Create organization" }).click();

  await expect(tierBadge(page)).toHaveText("Free", { timeout: 15_000 });
  // Screen readers hear "Plan: Free": the meaning is real (visually hidden) text beside the badge.
  await expect(page.getByRole("complementary")).toContainText(/Plan:\s*Free/);
  const standard = usageBar(page, "Standard messages");
  await expect(standard).toHaveAttribute("aria-valuenow", "0");
  await expect(standard).toHaveAttribute("aria-valuetext", "0 of 50 used (0%)");
  await expect(page.getByTestId("usage-standard_messages")).toContainText("0 / 50");
  await expect(page.getByTestId("usage-standard_messages")).toContainText("50 left");
  await expect(page.getByTestId("usage-premium_messages")).toContainText("Not in your plan");
  await expect(page.getByText("No messages yet. Say hello!")).toBeVisible();
  await snap(page, info, "dashboard-free");

  await openBilling(page);
  await expect(currentPlan(page).getByText("Free", { exact: true }).first()).toBeVisible();
  await expect(currentPlan(page).getByText("Active")).toBeVisible();
  await expect(usageBar(page, "Standard messages")).toHaveAttribute("aria-valuenow", "0");
  await expect(usageBar(page, "Seats")).toHaveAttribute("aria-valuenow", "0");
  await expect(planCard(page, "Free").getByText("Current plan")).toBeVisible();
  await snap(page, info, "billing-free");
});

test("2. chat to the limit → upgrade prompt → hosted checkout → pays → success flips to Team without a reload", async ({ page }, info) => {
  const { orgId } = await newOwner(page);
  // Fast-forward to 2 messages before the Free limit (50) in Autumn itself.
  await autumn.balances.update({ customerId: orgId, featureId: "standard_messages", remaining: 2 });

  await sendMessage(page, "Hello there");
  await expect(page.getByTestId("usage-standard_messages")).toContainText("49 / 50");
  await sendMessage(page, "One more, please");
  await expect(page.getByTestId("usage-standard_messages")).toContainText("50 / 50");
  await expect(page.getByTestId("message")).toHaveCount(2);
  await sendMessage(page, "Is anyone still there?");

  const notice = page.getByTestId("limit-notice");
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("You've reached your limit");
  await expect(notice).toContainText("You've used all 50 standard messages your plan includes");
  await expect(notice.getByRole("button", { name: "Upgrade to Pro" })).toBeVisible();
  await expect(page.getByTestId("message")).toHaveCount(2); // the refused message was not sent
  await snap(page, info, "limit-reached");

  // Pay now for Team (Pro would start a trial; journey 7).
  await notice.getByRole("button", { name: "Compare plans" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await planCard(page, "Team").getByRole("button", { name: "Upgrade" }).click();
  const dialog = checkoutDialog(page);
  await expect(dialog.getByRole("heading", { name: "Upgrade to Team" })).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Continue to payment" })).toBeVisible();
  await snap(page, info, "checkout-dialog");

  // Hold the settlement so "Activating…" is seen for sure, then settle it by hand.
  await setSettlementDelay(120_000);
  try {
    await dialog.getByRole("button", { name: "Continue to payment" }).click();
    await expect(page.getByTestId("plan-name")).toHaveText("Team");
    await expect(page.getByTestId("total")).toHaveText("$99.00");
    await page.getByLabel("Card number").fill(CARDS.pays);
    await snap(page, info, "hosted-checkout");
    await page.getByRole("button", { name: "Pay $99.00" }).click();

    await expect(page).toHaveURL(/\/billing\/success\?planId=team$/);
    await expect(page.getByRole("status").filter({ hasText: "Activating your plan…" })).toBeVisible();
    await snap(page, info, "activating");
    await page.evaluate(() => { (window as unknown as { __noReload: boolean }).__noReload = true; });

    await settleCheckouts();
    await expect(page.getByRole("status").filter({ hasText: "Team is active" })).toBeVisible({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await expect(tierBadge(page)).toHaveText("Team");
    await snap(page, info, "activated");
  } finally {
    await setSettlementDelay(SETTLEMENT_DELAY_MS);
  }

  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("usage-standard_messages")).toContainText("Unlimited");
  await expect(page.getByTestId("usage-premium_messages")).toContainText("0 / 1,000");
  await expect(usageBar(page, "Premium messages")).toHaveAttribute("aria-valuemax", "1000");
  // And the chat works again.
  await sendMessage(page, "Back in business");
  await expect(page.getByTestId("message")).toHaveCount(3);
  await expect(page.getByTestId("limit-notice")).toHaveCount(0);
  await snap(page, info, "dashboard-team");
});

test("3. a declined card says so; the org stays on Free and nothing is charged", async ({ page }, info) => {
  const { orgId } = await newOwner(page);
  await openBilling(page);
  await planCard(page, "Team").getByRole("button", { name: "Upgrade" }).click();
  await checkoutDialog(page).getByRole("button", { name: "Continue to payment" }).click();
  await payOnHostedCheckout(page, CARDS.declines, "Pay $99.00");
  await expect(page.getByRole("alert")).toHaveText("Your card was declined.");
  await snap(page, info, "declined");

  await page.goto("/settings/billing");
  await expect(currentPlan(page)).toBeVisible();
  await expect(tierBadge(page)).toHaveText("Free");
  await expect(planCard(page, "Free").getByText("Current plan")).toBeVisible();
  await expect(page.getByRole("region", { name: "Invoices" })).toContainText("No invoices yet.");
  await snap(page, info, "still-free");
  // Autumn agrees: no invoice, Free only.
  const customer = await autumn.customers.get({ customerId: orgId, expand: ["invoices"] });
  expect(customer.invoices ?? []).toEqual([]);
  expect(customer.subscriptions.filter((s) => s.status === "active").map((s) => s.planId)).toEqual(["free"]);
});

test("4. owner cancels at the end of the cycle → Ends on … with Uncancel → uncancels → active again", async ({ page }, info) => {
  await newOwner(page);
  await buyPlan(page, "Team");
  await openBilling(page);
  const plan = currentPlan(page);
  await expect(plan.getByText(/^Renews on /)).toBeVisible();

  await plan.getByRole("button", { name: "Cancel plan" }).click();
  const dialog = page.getByRole("dialog", { name: "Cancel Team?" });
  await expect(dialog.getByRole("radio", { name: /At the end of the billing period/ })).toBeChecked();
  await snap(page, info, "cancel-dialog");
  await dialog.getByRole("button", { name: "Cancel plan" }).click();
  await expect(dialog).toHaveCount(0);

  await expect(plan.getByText(/^Ends on \w{3} \d{1,2}, \d{4}$/)).toBeVisible({ timeout: 15_000 });
  await expect(plan.getByText("Canceling")).toBeVisible();
  await expect(plan.getByRole("button", { name: "Uncancel" })).toBeVisible();
  await expect(tierBadge(page)).toContainText("canceling");
  await snap(page, info, "canceling");

  await plan.getByRole("button", { name: "Uncancel" }).click();
  await expect(plan.getByText(/^Renews on /)).toBeVisible({ timeout: 15_000 });
  await expect(plan.getByText("Active", { exact: true })).toBeVisible();
  await expect(plan.getByRole("button", { name: "Uncancel" })).toHaveCount(0);
  await expect(plan.getByText(/^Ends on /)).toHaveCount(0);
  await expect(tierBadge(page)).toHaveText("Team");
  await snap(page, info, "uncanceled");
});

test("5. owner downgrades Team → Pro → Switches to Pro on … → test clock past the period end → on Pro", async ({ page }, info) => {
  const { orgId } = await newOwner(page);
  await buyPlan(page, "Team");
  await openBilling(page);
  const plan = currentPlan(page);

  await planCard(page, "Pro").getByRole("button", { name: "Downgrade" }).click();
  const dialog = checkoutDialog(page);
  await expect(dialog.getByRole("heading", { name: "Switch to Pro" })).toBeVisible();
  await expect(dialog.getByText(/^Takes effect on /)).toBeVisible();
  await snap(page, info, "downgrade-dialog");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog.getByRole("status")).toHaveText(/^Pro starts on /);
  await dialog.getByRole("button", { name: "Done" }).click();

  await expect(plan.getByText(/^Switches to Pro on \w{3} \d{1,2}, \d{4}$/)).toBeVisible({ timeout: 15_000 });
  await expect(plan.getByRole("button", { name: "Keep current plan" })).toBeVisible();
  await expect(planCard(page, "Pro").getByText("Scheduled")).toBeVisible();
  await expect(tierBadge(page)).toHaveText("Team");
  await snap(page, info, "downgrade-scheduled");

  // Past the end of the billing period (monthly) for this org only.
  await advanceClock(orgId, 32 * DAY_MS);
  await expect(tierBadge(page)).toHaveText("Pro", { timeout: 20_000 });
  await expect(plan.getByText("Pro", { exact: true }).first()).toBeVisible();
  await expect(plan.getByText(/^Switches to /)).toHaveCount(0);
  await expect(planCard(page, "Pro").getByText("Current plan")).toBeVisible();
  await expect(usageBar(page, "Standard messages")).toHaveAttribute("aria-valuemax", "1000");
  await snap(page, info, "downgraded");
});

test("6. a member sees billing read-only and the branding prompt tells them to ask the owner", async ({ page, browser, extraContexts }, info) => {
  const owner = await newOwner(page);
  const memberPage = await newSession(browser, extraContexts);
  const member = unique("member");
  await signUp(memberPage, member);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" }).click();
  await page.getByLabel("Email").fill(member.email);
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByRole("status").filter({ hasText: `If ${member.email} has an account, they're a member now` })).toBeVisible();
  await expect(page.getByTestId("member").filter({ hasText: member.email })).toContainText("member");
  await snap(page, info, "owner-added-member");

  await memberPage.goto("/settings/billing");
  await expect(memberPage.getByRole("combobox", { name: "Organization" })).toHaveValue(owner.orgId);
  expect(await activeOrganizationId(memberPage)).toBe(owner.orgId);
  await expect(currentPlan(memberPage)).toBeVisible();
  await expect(memberPage.getByRole("note").filter({ hasText: "You can view billing. Ask an owner to change the plan." })).toBeVisible();
  await expect(memberPage.getByText(/only the owner can change the plan|ask an owner to change the plan/i)).toHaveCount(1); // said once
  for (const name of ["Free", "Pro", "Team"]) await expect(planCard(memberPage, name)).toBeVisible();
  await expect(memberPage.getByRole("main").getByRole("button")).toHaveCount(0);
  await snap(memberPage, info, "member-billing-readonly");

  await memberPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Branding" }).click();
  const prompt = memberPage.getByRole("region", { name: "Upgrade required" });
  await expect(prompt).toContainText("Your plan doesn't include custom branding");
  await expect(prompt).toContainText("Ask an owner to upgrade.");
  await expect(prompt.getByRole("button")).toHaveCount(0);
  await snap(memberPage, info, "member-branding-locked");
});

test("7. start the 7-day Pro trial → Trial: 7 days left → clock +8 days → paid and active", async ({ page }, info) => {
  const { orgId } = await newOwner(page);
  await openBilling(page);
  await expect(planCard(page, "Pro")).toContainText("7-day free trial");
  await planCard(page, "Pro").getByRole("button", { name: "Start trial" }).click();
  const dialog = checkoutDialog(page);
  await expect(dialog.getByRole("heading", { name: "Start your Pro trial" })).toBeVisible();
  await snap(page, info, "trial-dialog");
  await dialog.getByRole("button", { name: "Continue to payment" }).click();

  // Card required for the trial: nothing is due today.
  await expect(page.getByTestId("plan-name")).toHaveText("Pro");
  await expect(page.getByTestId("trial")).toBeVisible();
  await expect(page.getByTestId("total")).toHaveText("$0.00");
  await payOnHostedCheckout(page, CARDS.pays, "Start trial");
  await expect(page).toHaveURL(/\/billing\/success\?planId=pro$/);
  await expect(page.getByRole("status").filter({ hasText: "Pro is active" })).toBeVisible({ timeout: 15_000 });

  await openBilling(page);
  const plan = currentPlan(page);
  await expect(plan.getByText(/^Trial: 7 days left/)).toBeVisible();
  await expect(plan.getByText("Trial", { exact: true })).toBeVisible();
  await expect(tierBadge(page)).toContainText("Pro");
  await expect(tierBadge(page)).toContainText("trialing");
  await snap(page, info, "trialing");

  await advanceClock(orgId, 8 * DAY_MS);
  await expect(plan.getByText("Active", { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(plan.getByText(/^Trial:/)).toHaveCount(0);
  await expect(plan.getByText(/^Renews on /)).toBeVisible();
  await expect(tierBadge(page)).toHaveText("Pro");
  const invoices = page.getByRole("region", { name: "Invoices" });
  await expect(invoices.getByRole("listitem").filter({ hasText: "$29.00" })).toContainText("paid");
  await snap(page, info, "trial-converted");
});

test("9. custom branding is locked on Free and opens after upgrading", async ({ page }, info) => {
  await newOwner(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Branding" }).click();
  const prompt = page.getByRole("region", { name: "Upgrade required" });
  await expect(prompt).toContainText("Your plan doesn't include custom branding");
  await expect(page.getByRole("heading", { name: "Brand settings" })).toHaveCount(0);
  await snap(page, info, "branding-locked");

  await prompt.getByRole("button", { name: "Upgrade" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await buyPlan(page, "Team");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Branding" }).click();
  await expect(page.getByRole("heading", { name: "Brand settings" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Upgrade required" })).toHaveCount(0);
  await page.getByLabel("Logo text").fill("Zephyr");
  await page.getByRole("button", { name: "Save branding" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Branding saved." })).toBeVisible();
  await expect(page.getByTestId("brand")).toContainText("Zephyr");
  await snap(page, info, "branding-open");
});

// Last: it adds a plan to the shared catalog.
test("8. a global admin adds a plan in Autumn, syncs it in, and sees an org's history", async ({ page, browser, extraContexts }, info) => {
  const owner = await newOwner(page, "histowner");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pricing" }).click();
  await expect(planCard(page, "Team")).toBeVisible();

  const admin = await newSession(browser, extraContexts);
  await signIn(admin, ADMIN);
  await admin.goto("/admin");
  await expect(admin.getByRole("heading", { name: "Admin", level: 1 })).toBeVisible();

  // The catalog changes in Autumn (what `atmn push` or the Autumn dashboard would do).
  const id = unique("plan").id;
  const planName = `Enterprise ${id}`;
  await autumn.plans.create({
    planId: `e2e_enterprise_${id}`,
    name: planName,
    description: "For the largest teams",
    group: "main",
    price: { amount: 499, interval: "month" },
    items: [
      { featureId: "standard_messages", unlimited: true },
      { featureId: "seats", included: 100 },
      { featureId: "custom_branding" },
    ],
  });
  await expect(admin.getByRole("heading", { name: planName })).toHaveCount(0);
  await admin.getByRole("button", { name: "Sync from Autumn" }).click();
  await expect(admin.getByRole("status").filter({ hasText: /^Synced \d+ features and \d+ plans; pruned \d+\.$/ })).toBeVisible({ timeout: 15_000 });
  await expect(admin.getByRole("heading", { name: planName })).toBeVisible();
  await snap(admin, info, "admin-synced");

  // The owner's open pricing page picks it up by itself.
  const card = planCard(page, planName);
  await expect(card).toBeVisible();
  await expect(card).toContainText("$499.00/month");
  await expect(card.getByRole("button", { name: "Upgrade" })).toBeVisible();
  await snap(page, info, "pricing-new-plan");

  // The org's detail and history.
  await admin.getByTestId("org-search").fill(owner.orgName);
  await admin.getByRole("link", { name: owner.orgName }).click();
  await expect(admin.getByRole("heading", { name: owner.orgName, level: 1 })).toBeVisible();
  await expect(admin.getByText(owner.orgId)).toBeVisible();
  const history = admin.getByRole("table").filter({ has: admin.getByRole("columnheader", { name: "Change" }) });
  await expect(history.getByRole("row").filter({ hasText: "Free" })).toContainText("Activated");
  await snap(admin, info, "admin-org-history");
});
