// Test harness shared by the sandbox's own suites (and later by the billing
// module's): a fresh in-memory sandbox seeded from the real autumn.config.ts,
// plus an unmodified autumn-js client pointed at it with fail-open off, so
// the SDK's own response validators check every body.

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Autumn } from "autumn-js";
import { AutumnSandbox, DEFAULT_SANDBOX_KEY, type SandboxOptions } from "./server.js";
import { loadCatalog } from "./seed.js";

export const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
export const TEST_KEY = "am_sk_test_sandbox";

export interface TestSandbox {
  sandbox: AutumnSandbox;
  url: string;
  autumn: Autumn;
  /** POST a sandbox control route (clock, faults, config…). */
  control(path: string, body?: unknown, method?: string): Promise<Record<string, unknown>>;
  /** Raw RPC call, for what the SDK cannot express (bad bodies, headers). */
  rpc(route: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = new AutumnSandbox({
    seed: await loadCatalog(resolve(REPO_ROOT, "autumn.config.ts")),
    settlementDelayMs: 0,
    ...options,
    // The harness's own key and the local default are always known; `keys` adds the caller's.
    keys: [...new Set([TEST_KEY, DEFAULT_SANDBOX_KEY, ...(options.keys ?? [])])],
  });
  const url = await sandbox.listen();
  const autumn = new Autumn({ secretKey: TEST_KEY, serverURL: url, failOpen: false });
  const auth = { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" };
  return {
    sandbox,
    url,
    autumn,
    async control(path, body, method = "POST") {
      const res = await fetch(`${url}${path}`, { method, headers: auth, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return (await res.json()) as Record<string, unknown>;
    },
    async rpc(route, body, headers = {}) {
      const res = await fetch(`${url}/v1/${route}`, { method: "POST", headers: { ...auth, ...headers }, body: JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
    },
    close: () => sandbox.close(),
  };
}

/** The parsed `{message, code, env}` body of an error thrown by autumn-js. */
export async function autumnError(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { statusCode?: number; body?: string };
    const body = JSON.parse(e.body ?? "{}") as { code?: string; message?: string };
    return { status: e.statusCode ?? 0, code: body.code ?? "", message: body.message ?? "" };
  }
  throw new Error("expected the call to fail");
}

/** Submit the hosted checkout form like a browser would; returns the final response. */
export async function payCheckout(paymentUrl: string, card: string): Promise<Response> {
  const u = new URL(paymentUrl);
  return fetch(`${u.origin}${u.pathname}/pay`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ card, email: "owner@example.com" }).toString(),
    redirect: "manual",
  });
}

/**
 * Save a card through the hosted setup-payment page and let the checkout
 * settle (4242… is the card that always succeeds; pass another test card to
 * store that one). Throws if the page refuses the card.
 */
export async function addCard(t: TestSandbox, customerId: string, card = "4242424242424242"): Promise<void> {
  const s = await t.autumn.billing.setupPayment({ customerId });
  const res = await payCheckout(s.url, card);
  if (res.status >= 400) throw new Error(`setup payment for ${customerId}: the checkout answered ${res.status}`);
  await t.control("/sandbox/checkouts/settle");
}
