// Owner spend controls in the browser (issue 14), against the offline stack:
// an owner sets an 80 % alert and a usage limit; a member chats past 80 % →
// the bell shows the alert and the outbox holds the owner's email; at the
// limit the member gets the typed "ask an owner" message. Auto top-up buys a
// pack when credits run low. Past due → Pay now → the banner is gone.
// Screenshots at 1280 and 390 px under test-results/e2e/<test>/.
import type { Page } from "@playwright/test";
import {
  advanceClock, autumn, buyPlan, CARDS, DAY_MS, expect, newOwner, newSession, openBilling, settleCheckouts, signUp, snap, test, unique,
} from "./fixtures";

test.describe.configure({ timeout: 90_000 });

async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  const send = page.getByRole("button", { name: "Send" });
  // The previous send clears the box when it settles: fill until the text sticks and Send is enabled.
  await expect(async () => {
    await box.fill(text);
    await expect(box).toHaveValue(text, { timeout: 500 });
    await expect(send).toBeEnabled({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await send.click();
  await expect(send).toBeVisible();
}

async function both(page: Page, info: Parameters<typeof snap>[1], name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 900 });
  await snap(page, info, `${name}-1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
  await snap(page, info, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

const limits = (page: Page) => page.getByRole("region", { name: "Limits & alerts" });

test("owner sets an 80 % alert and a usage limit; a member passes 80 % → bell + outbox email; at the limit the typed message", async ({ page, browser, extraContexts }, info) => {
  const owner = await newOwner(page, "spend");
  const memberPage = await newSession(browser, extraContexts);
  const member = unique("member");
  await signUp(memberPage, member);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" }).click();
  await page.getByLabel("Email").fill(member.email);
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByTestId("member").filter({ hasText: member.email })).toBeVisible();

  await openBilling(page);
  const section = limits(page);
  await section.getByLabel("Feature").selectOption({ label: "Standard messages" });
  await section.getByLabel("Threshold").fill("80");
  await section.getByRole("button", { name: "Add alert" }).click();
  await expect(section.getByText("80% of Standard messages used")).toBeVisible();
  const std = page.getByTestId("usage-limit-standard_messages");
  await std.getByLabel("Usage limit for Standard messages").fill("42");
  await std.getByLabel("Period for Standard messages").selectOption("month");
  await std.getByRole("button", { name: "Save limit" }).click();
  await expect(std).toContainText("42 per month");
  await both(page, info, "owner-limits");

  // 39 messages happen elsewhere (straight to Autumn), then the member chats on.
  await autumn.track({ customerId: owner.orgId, featureId: "standard_messages", value: 39 });
  const consoleErrors: string[] = [];
  memberPage.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  memberPage.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  await memberPage.goto("/dashboard");
  await sendMessage(memberPage, "message forty");
  const bell = memberPage.getByTestId("alerts-bell");
  await expect(bell).toHaveAccessibleName(/Notifications, 1 unread/, { timeout: 15_000 });
  await bell.click();
  await expect(memberPage.getByRole("region", { name: "Notifications" })).toContainText("80% of Standard messages used");
  await both(memberPage, info, "member-bell");

  await page.goto("/dev/outbox");
  await expect(page.getByRole("list", { name: "Emails" })).toContainText("80% of Standard messages used");
  await expect(page.getByRole("list", { name: "Emails" })).toContainText(`To ${owner.person.email}`);
  await both(page, info, "owner-outbox");

  await memberPage.keyboard.press("Escape");
  await sendMessage(memberPage, "forty-one");
  await sendMessage(memberPage, "forty-two");
  await sendMessage(memberPage, "forty-three");
  const notice = memberPage.getByTestId("limit-notice");
  await expect(notice).toHaveAttribute("data-limit-type", "usage_limit");
  await expect(notice).toContainText("Your organization's usage limit is reached");
  await expect(notice).toContainText("Ask an owner to raise it.");
  await both(memberPage, info, "member-at-limit");
  // An expected, typed refusal is shown, never logged as an uncaught error.
  expect(consoleErrors.filter((t) => /Uncaught|QUOTA_EXCEEDED/.test(t))).toEqual([]);
});

test("auto top-up: credits low → Autumn buys the pack with the card on file → the bell says so", async ({ page }, info) => {
  const { orgId } = await newOwner(page, "topup");
  await buyPlan(page, "Pro", "Start trial");
  await autumn.billing.attach({ customerId: orgId, planId: "credit_pack" });
  await openBilling(page);
  const topup = page.locator("#auto-topup");
  await topup.getByLabel(/When AI credits fall to/).fill("600");
  await topup.getByLabel("at most, per month").fill("2");
  await topup.getByRole("button", { name: "Turn on auto top-up" }).click();
  await expect(page.getByTestId("auto-topup-status")).toContainText("On: below 600", { timeout: 15_000 });
  await expect(page.getByTestId("alerts-bell")).toHaveAccessibleName(/unread/, { timeout: 15_000 });
  await page.getByTestId("alerts-bell").click();
  await expect(page.getByRole("region", { name: "Notifications" })).toContainText("AI credits topped up");
  await both(page, info, "topup");
});

test("past due → Pay now → pays on the payment page → the banner is gone", async ({ page }, info) => {
  const { orgId } = await newOwner(page, "pastdue");
  await buyPlan(page, "Pro", "Start trial", CARDS.failsLater);
  await advanceClock(orgId, 8 * DAY_MS);
  await openBilling(page);
  const banner = page.getByTestId("past-due-banner");
  await expect(banner).toBeVisible({ timeout: 15_000 });
  await expect(banner).toContainText("$29.00 is unpaid");
  await expect(page.getByTestId("payment-method")).toContainText("ending in 0341");
  await expect(page.getByTestId("next-charge")).toContainText("$29.00");
  await both(page, info, "past-due");

  await banner.getByRole("button", { name: "Pay now" }).click();
  await page.getByLabel("Card number").fill(CARDS.pays);
  await page.getByRole("button", { name: "Save card" }).click();
  await expect(page).toHaveURL(/\/settings\/billing/, { timeout: 15_000 });
  await settleCheckouts();
  // Loaded first (a banner not yet rendered proves nothing), then gone by itself, with the plan current again.
  await expect(page.getByTestId("next-charge")).toBeVisible();
  await expect(page.getByTestId("tier-badge")).not.toContainText(/past.due/i, { timeout: 20_000 });
  await expect(page.getByTestId("past-due-banner")).toHaveCount(0);
  await expect(page.getByRole("list", { name: "Invoices" })).not.toContainText("open");
  await both(page, info, "paid");
});
