// Helpers for the app journeys (journeys.spec.ts) against the whole offline
// product that playwright.config.ts starts (`scripts/stack.ts --preview`):
// the production web build, the offline Convex host and the Autumn sandbox.
// The stack is shared by every test, so each journey isolates itself with a
// fresh person (unique email) and a fresh organization; the organization id
// is the Autumn customer id, so sandbox controls (test clock, settlement) are
// always scoped to that one customer.
import { expect, test as base, type Browser, type BrowserContext, type Page, type TestInfo } from "@playwright/test";
import { Autumn } from "autumn-js";
import { STACK } from "../../../playwright.config";

export const WEB_URL = `http://127.0.0.1:${STACK.web}`;
export const SANDBOX_URL = `http://127.0.0.1:${STACK.sandbox}`;
/** The key the stack's sandbox knows (its default, AUTUMN_SANDBOX_KEYS unset). */
const SANDBOX_KEY = "am_sk_test_local";
/** The settlement delay the config starts the stack with (restored after tests that change it). */
export const SETTLEMENT_DELAY_MS = 1500;
export const DAY_MS = 86_400_000;

export const CARDS = {
  pays: "4242 4242 4242 4242",
  declines: "4000 0000 0000 0002",
  /** Pays the checkout and is saved, but every later charge (renewal, trial end) fails: past due. */
  failsLater: "4000 0000 0000 0341",
} as const;
export const ADMIN = { email: "admin@example.com", password: "admin-password-123" } as const;

/** The unmodified autumn-js client, pointed at the sandbox. */
export const autumn = new Autumn({ secretKey: SANDBOX_KEY, serverURL: SANDBOX_URL, failOpen: false });

/** A sandbox-only control route (`/sandbox/...`). */
export async function sandbox<T = unknown>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${SANDBOX_URL}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${SANDBOX_KEY}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Moves the test clock of ONE customer (an org) and runs what falls due; Convex hears via the webhook. */
export function advanceClock(customerId: string, ms: number): Promise<unknown> {
  return sandbox("/sandbox/clock/advance", { ms, customer_id: customerId });
}

export function setSettlementDelay(ms: number): Promise<unknown> {
  return sandbox("/sandbox/config", { settlement_delay_ms: ms });
}

export function settleCheckouts(): Promise<unknown> {
  return sandbox("/sandbox/checkouts/settle", {});
}

let counter = 0;
/** A name/email nobody else on the shared stack has. */
export function unique(tag: string): { id: string; email: string; name: string; password: string } {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return { id, email: `${tag}-${id}@example.com`, name: `${tag[0]?.toUpperCase() ?? ""}${tag.slice(1)} ${id}`, password: `pw-${id}-secret` };
}

export interface Person {
  email: string;
  name: string;
  password: string;
}

/** Signs up through the app's form; lands signed in (on the dashboard, or the create-org step). */
export async function signUp(page: Page, who: Person): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(who.name);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

export async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

/** Creates an organization through the first-run form and waits until billing shows its Free plan. */
export async function createOrganization(page: Page, name: string): Promise<string> {
  await page.getByLabel("Organization name").fill(name);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(tierBadge(page)).toHaveText("Free", { timeout: 15_000 });
  return activeOrganizationId(page);
}

/** The active organization of the page's session (= the Autumn customer id). */
export async function activeOrganizationId(page: Page): Promise<string> {
  const res = await page.request.get("/api/auth/get-session");
  expect(res.ok()).toBe(true);
  const body = (await res.json()) as { session?: { activeOrganizationId?: string | null } } | null;
  const id = body?.session?.activeOrganizationId;
  if (!id) throw new Error("the session has no active organization");
  return id;
}

/** A new person with their own organization (owner), signed in on `page`. */
export async function newOwner(page: Page, tag = "owner"): Promise<{ person: Person; orgName: string; orgId: string }> {
  const person = unique(tag);
  await signUp(page, person);
  const orgName = `Org ${person.name}`;
  const orgId = await createOrganization(page, orgName);
  return { person, orgName, orgId };
}

export function tierBadge(page: Page) {
  return page.getByTestId("tier-badge");
}

/** The Current plan section of Settings → Billing. */
export function currentPlan(page: Page) {
  return page.getByRole("region", { name: "Current plan" });
}

/** One plan's card in a pricing table (an <article> labelled by the plan's name). */
export function planCard(page: Page, planName: string) {
  return page.getByRole("article", { name: planName, exact: true });
}

export function checkoutDialog(page: Page) {
  return page.getByRole("dialog");
}

export async function openBilling(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Billing" }).click();
  await expect(page.getByRole("heading", { name: "Billing", level: 1 })).toBeVisible();
  await expect(currentPlan(page)).toBeVisible();
}

/** The hosted checkout page (sandbox): enter a card and submit. */
export async function payOnHostedCheckout(page: Page, card: string, button: string | RegExp = /^(Pay .*|Start trial)$/): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`^${SANDBOX_URL}/checkout/`));
  await page.getByLabel("Card number").fill(card);
  await page.getByRole("button", { name: button }).click();
}

/**
 * The owner buys `planName` from Settings → Billing with the card that pays
 * (or `card`), and waits until the plan is active (settled at once, for
 * journeys where the purchase is only the starting point).
 */
export async function buyPlan(page: Page, planName: string, action: "Upgrade" | "Start trial" = "Upgrade", card: string = CARDS.pays): Promise<void> {
  await openBilling(page);
  await planCard(page, planName).getByRole("button", { name: action }).click();
  const dialog = checkoutDialog(page);
  await dialog.getByRole("button", { name: "Continue to payment" }).click();
  await payOnHostedCheckout(page, card);
  await expect(page).toHaveURL(/\/billing\/success\?planId=/);
  await settleCheckouts();
  await expect(page.getByRole("status").filter({ hasText: `${planName} is active` })).toBeVisible({ timeout: 15_000 });
  await expect(tierBadge(page)).toContainText(planName);
}

const shots = new WeakMap<TestInfo, number>();
/** A screenshot kept as an artifact of the test: test-results/e2e/<test>/NN-name.png. */
export async function snap(page: Page, info: TestInfo, name: string): Promise<void> {
  const n = (shots.get(info) ?? 0) + 1;
  shots.set(info, n);
  await page.screenshot({ path: info.outputPath(`${String(n).padStart(2, "0")}-${name}.png`), fullPage: true });
}

/** A second browser session (another person), closed after the test. */
export async function newSession(browser: Browser, opened: BrowserContext[]): Promise<Page> {
  const context = await browser.newContext({ baseURL: WEB_URL });
  opened.push(context);
  return context.newPage();
}

export const test = base.extend<{ extraContexts: BrowserContext[] }>({
  baseURL: WEB_URL,
  extraContexts: async ({}, use) => {
    const opened: BrowserContext[] = [];
    await use(opened);
    for (const c of opened) await c.close();
  },
});

export { expect };
