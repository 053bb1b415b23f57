// The local product keeps its data: a whole offline stack (scripts/stack.ts
// --preview) on free ports with its own data directory, killed with SIGKILL
// mid-life and started again. The person signs in again and finds the same
// organization, the same paid plan and the same invoices. (Playwright's
// webServer cannot restart a server inside a test, so this spec runs the
// stack itself.)
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type Page } from "@playwright/test";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const KEY = "am_sk_test_local";

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

interface Stack { proc: ChildProcess; log: () => string }

async function startStack(dataDir: string, ports: { sandbox: number; convex: number; web: number }): Promise<Stack> {
  // node itself runs stack.ts (no tsx CLI wrapper), so SIGKILL hits the stack, like a crash.
  const proc = spawn(process.execPath, ["--import", "tsx", "scripts/stack.ts", "--preview", `--data-dir=${dataDir}`], {
    cwd: ROOT,
    env: {
      ...process.env,
      AUTUMN_SANDBOX_PORT: String(ports.sandbox), CONVEX_OFFLINE_PORT: String(ports.convex), WEB_PORT: String(ports.web),
      AUTUMN_SANDBOX_SETTLEMENT_DELAY_MS: "500",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 150_000;
  while (!out.includes("Ctrl-C stops everything.")) {
    if (proc.exitCode !== null) throw new Error(`stack exited (${proc.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`stack did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { proc, log: () => out };
}

async function kill9(stack: Stack): Promise<void> {
  const exited = new Promise((r) => stack.proc.once("exit", r));
  stack.proc.kill("SIGKILL");
  await exited;
}

async function invoices(page: Page): Promise<string> {
  const region = page.getByRole("region", { name: "Invoices" });
  await expect(region).toContainText("$99.00");
  return (await region.innerText()).replace(/\s+/g, " ").trim();
}

test("sign up, subscribe with a card, kill -9 the whole stack, start it again: same org, same plan, same invoices", async ({ browser }) => {
  test.setTimeout(420_000);
  const dataDir = mkdtempSync(join(tmpdir(), "stack-restart-"));
  const ports = { sandbox: await freePort(), convex: await freePort(), web: await freePort() };
  const webUrl = `http://127.0.0.1:${ports.web}`;
  const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;
  const who = { name: "Rita Restart", email: `restart-${Date.now().toString(36)}@example.com`, password: "restart-password-123" };
  let stack = await startStack(dataDir, ports);
  try {
    // 1. Sign up, create an org, subscribe to Team with a card.
    let context = await browser.newContext({ baseURL: webUrl });
    let page = await context.newPage();
    await page.goto("/sign-up");
    await page.getByLabel("Name").fill(who.name);
    await page.getByLabel("Email").fill(who.email);
    await page.getByLabel("Password").fill(who.password);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByLabel("Organization name").fill("Restart Co");
    await page.getByRole("button", { name: "Create organization" }).click();
    await expect(page.getByTestId("tier-badge")).toHaveText("Free", { timeout: 15_000 });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Billing" }).click();
    await page.getByRole("article", { name: "Team", exact: true }).getByRole("button", { name: "Upgrade" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Continue to payment" }).click();
    await expect(page).toHaveURL(new RegExp(`^${sandboxUrl}/checkout/`));
    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    await page.getByRole("button", { name: /^Pay / }).click();
    await expect(page).toHaveURL(/\/billing\/success\?planId=/);
    await expect(page.getByRole("status").filter({ hasText: "Team is active" })).toBeVisible({ timeout: 20_000 });
    await page.goto("/settings/billing");
    await expect(page.getByRole("region", { name: "Current plan" }).getByText("Team", { exact: true }).first()).toBeVisible();
    const invoicesBefore = await invoices(page);
    const orgBefore = (await (await page.request.get("/api/auth/get-session")).json()).session.activeOrganizationId as string;
    await context.close();

    // 2. Crash the whole stack and start it again on the same data directory.
    await kill9(stack);
    stack = await startStack(dataDir, ports);
    expect(stack.log()).toMatch(/State persists in .*: [1-9]\d* documents loaded/);
    expect(stack.log()).toMatch(/kept: [1-9]\d* documents/);

    // 3. A fresh browser: sign in again → same org, same plan, same invoices.
    context = await browser.newContext({ baseURL: webUrl });
    page = await context.newPage();
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(who.email);
    await page.getByLabel("Password").fill(who.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("tier-badge")).toContainText("Team", { timeout: 15_000 });
    const orgAfter = (await (await page.request.get("/api/auth/get-session")).json()).session.activeOrganizationId as string;
    expect(orgAfter).toBe(orgBefore);
    await page.goto("/settings/billing");
    await expect(page.getByRole("region", { name: "Current plan" }).getByText("Team", { exact: true }).first()).toBeVisible();
    expect(await invoices(page)).toEqual(invoicesBefore);
    // Autumn (the sandbox, persisted beside Convex) agrees.
    const res = await fetch(`${sandboxUrl}/v1/customers.get`, {
      method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ customer_id: orgAfter }),
    });
    const customer = (await res.json()) as { subscriptions: Array<{ plan_id: string; status: string }> };
    expect(customer.subscriptions.filter((s) => s.status === "active").map((s) => s.plan_id)).toContain("team");
    await context.close();
  } finally {
    // A clean stop (SIGTERM) also stops the stack's web server; the killed stack's was stopped by the second start.
    if (stack.proc.exitCode === null) {
      const exited = new Promise((r) => stack.proc.once("exit", r));
      stack.proc.kill("SIGTERM");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});
