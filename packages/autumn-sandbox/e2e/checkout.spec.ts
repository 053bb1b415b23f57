// The hosted checkout page as a person uses it, in Debian Chromium: a paid
// attach returns a payment URL; paying with the success test card lands on
// the app's success URL and the plan activates after the settlement delay;
// a declined card says so and changes nothing.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { Autumn } from "autumn-js";

const SANDBOX = `http://127.0.0.1:${process.env.E2E_SANDBOX_PORT ?? 3291}`;
// The sandbox started by playwright.config.ts knows its default key only (AUTUMN_SANDBOX_KEYS unset).
const autumn = new Autumn({ secretKey: "am_sk_test_local", serverURL: SANDBOX, failOpen: false });

// A stand-in for the app's /billing/success route.
let app: Server;
let appUrl = "";
test.beforeAll(async () => {
  app = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" }).end(`<h1>Back in the app</h1><p>${req.url}</p>`);
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
test.afterAll(() => new Promise<void>((r) => app.close(() => r())));

async function activePlans(customerId: string): Promise<string[]> {
  const c = await autumn.customers.get({ customerId });
  return c.subscriptions.filter((s) => s.status === "active").map((s) => s.planId);
}

test("paying with the success card lands on the success URL and activates the plan", async ({ page }, info) => {
  const customerId = `org_e2e_pay_${Date.now()}`;
  await autumn.customers.getOrCreate({ customerId, name: "E2E Pay Co" });
  const { paymentUrl } = await autumn.billing.attach({ customerId, planId: "team", successUrl: `${appUrl}/billing/success` });
  expect(paymentUrl).toContain("/checkout/");

  await page.goto(paymentUrl as string);
  await expect(page.getByTestId("plan-name")).toHaveText("Team");
  await expect(page.getByTestId("total")).toHaveText("$99.00");
  await page.screenshot({ path: info.outputPath("checkout.png"), fullPage: true });

  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay $99.00" }).click();
  await expect(page).toHaveURL(`${appUrl}/billing/success`);
  await expect(page.getByRole("heading", { name: "Back in the app" })).toBeVisible();

  // Settlement happens shortly after the redirect, as Stripe → Autumn does.
  await expect.poll(() => activePlans(customerId), { timeout: 10_000 }).toEqual(["team"]);
  const c = await autumn.customers.get({ customerId, expand: ["invoices"] });
  expect(c.invoices?.[0]?.total).toBe(99);
});

test("a declined card shows the error and leaves the customer on Free", async ({ page }, info) => {
  const customerId = `org_e2e_decline_${Date.now()}`;
  await autumn.customers.getOrCreate({ customerId, name: "E2E Decline Co" });
  const { paymentUrl } = await autumn.billing.attach({ customerId, planId: "team", successUrl: `${appUrl}/billing/success` });

  await page.goto(paymentUrl as string);
  await page.getByLabel("Card number").fill("4000 0000 0000 0002");
  await page.getByRole("button", { name: "Pay $99.00" }).click();
  await expect(page.getByRole("alert")).toHaveText("Your card was declined.");
  await page.screenshot({ path: info.outputPath("declined.png"), fullPage: true });

  expect(await activePlans(customerId)).toEqual(["free"]);
  const c = await autumn.customers.get({ customerId, expand: ["invoices"] });
  expect(c.invoices).toEqual([]);
});

test("a card that requires authentication activates only after it is completed", async ({ page }) => {
  const customerId = `org_e2e_3ds_${Date.now()}`;
  await autumn.customers.getOrCreate({ customerId, name: "E2E 3DS Co" });
  const { paymentUrl } = await autumn.billing.attach({ customerId, planId: "team", successUrl: `${appUrl}/billing/success` });

  await page.goto(paymentUrl as string);
  await page.getByLabel("Card number").fill("4000 0027 6000 3184");
  await page.getByRole("button", { name: "Pay $99.00" }).click();
  await expect(page.getByRole("heading", { name: "Authenticate this payment" })).toBeVisible();
  expect(await activePlans(customerId)).toEqual(["free"]);
  await page.getByRole("button", { name: "Complete authentication" }).click();
  await expect(page).toHaveURL(`${appUrl}/billing/success`);
  await expect.poll(() => activePlans(customerId), { timeout: 10_000 }).toEqual(["team"]);
});
