// `pnpm smoke`: the release smoke check. One throwaway customer goes through
// create → check → track → refund (negative track) → preview checkout → delete,
// through the module's own client (convex/billing/autumn.ts: createAutumn +
// callAutumn: fail-closed, retries, idempotency keys, typed errors).
//
//   AUTUMN_SECRET_KEY=am_sk_test_… pnpm smoke   # real Autumn (test mode), catalog pushed
//   pnpm smoke                                  # no key: the local sandbox, started in-process
//   AUTUMN_SANDBOX_URL=http://127.0.0.1:3210 pnpm smoke   # a sandbox that is already running
//
// Live keys (am_sk_live_…) are refused. Optional: SMOKE_FEATURE (a metered
// feature on the default plan, default standard_messages), SMOKE_PLAN (the
// plan to preview, default pro). Prints one line per step (✓/✗ with the
// numbers) and a verdict; exit code 0 when every step passed, 1 otherwise.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Autumn } from "autumn-js";
import { autumnConfig, callAutumn, createAutumn, type AutumnClientConfig } from "../convex/billing/autumn";
import { billingErrorCode } from "../convex/billing/errors";
import { AutumnSandbox, loadCatalog } from "../packages/autumn-sandbox/src/index";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const FEATURE = process.env.SMOKE_FEATURE?.trim() || "standard_messages";
const PLAN = process.env.SMOKE_PLAN?.trim() || "pro";
const UNITS = 3;
const STEPS = 6;
/** Real Autumn may apply a track a moment after answering: read balances back for up to this long. */
const SETTLE_MS = 10_000;

interface Target { label: string; config: AutumnClientConfig; stop: () => Promise<void> }

async function target(): Promise<Target> {
  const env = process.env;
  const key = env.AUTUMN_SECRET_KEY?.trim();
  const sandboxUrl = env.AUTUMN_SANDBOX_URL?.trim();
  if (key && !sandboxUrl) {
    if (!key.startsWith("am_sk_test_")) {
      throw new Error("AUTUMN_SECRET_KEY is not a test key (am_sk_test_…); the smoke check never runs against live data");
    }
    const config = autumnConfig(env);
    return { label: `real Autumn (${config.serverURL ?? "https://api.useautumn.com"}, test mode)`, config, stop: async () => {} };
  }
  if (sandboxUrl) {
    // The module needs an explicit key (AUTUMN_NOT_CONFIGURED otherwise); the sandbox's default one unless given.
    const config = autumnConfig({ ...env, AUTUMN_SECRET_KEY: key ?? "am_sk_test_local" });
    return { label: `the sandbox at ${sandboxUrl}`, config, stop: async () => {} };
  }
  const sandbox = new AutumnSandbox({ port: 0, dataFile: null, settlementDelayMs: 0, keys: ["am_sk_test_smoke"], seed: await loadCatalog(resolve(ROOT, "autumn.config.ts")) });
  const url = await sandbox.listen();
  return {
    label: `the local sandbox (in-process at ${url}; no AUTUMN_SECRET_KEY set)`,
    config: { secretKey: "am_sk_test_smoke", serverURL: url },
    stop: () => sandbox.close(),
  };
}

// ── reporting ──────────────────────────────────────────────────────────────

let passed = 0;
let failed = 0;
function step(n: number, name: string, ok: boolean, detail: string): boolean {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? "✓" : "✗"} ${n}. ${name.padEnd(17)} ${detail}`);
  return ok;
}
function why(err: unknown): string {
  const data = (err as { data?: { message?: unknown } }).data;
  const message = typeof data?.message === "string" ? data.message : err instanceof Error ? err.message : String(err);
  return `${billingErrorCode(err) ?? "ERROR"}: ${message}`;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── the steps ──────────────────────────────────────────────────────────────

async function balance(client: Autumn, customerId: string): Promise<{ allowed: boolean; remaining: number | null; granted: number | null }> {
  const r = await callAutumn("balances.check", (c, o) => c.check({ customerId, featureId: FEATURE }, o), { client });
  return { allowed: r.allowed, remaining: r.balance?.remaining ?? null, granted: r.balance?.granted ?? null };
}

/** Read the balance until it shows `expected` (or time runs out); returns the last value seen. */
async function balanceSettled(client: Autumn, customerId: string, expected: number): Promise<number | null> {
  const until = Date.now() + SETTLE_MS;
  for (;;) {
    const { remaining } = await balance(client, customerId);
    if (remaining === expected || Date.now() > until) return remaining;
    await sleep(500);
  }
}

async function track(client: Autumn, customerId: string, value: number, key: string): Promise<void> {
  await callAutumn("balances.track", (c, o) => c.track({ customerId, featureId: FEATURE, value }, o), { client, write: true, idempotencyKey: key });
}

async function main(): Promise<number> {
  let t: Target;
  try {
    t = await target();
  } catch (err) {
    console.log(`✗ ${why(err)}`);
    console.log("SMOKE FAILED: not started");
    return 1;
  }
  const client = createAutumn(t.config);
  const customerId = `smoke_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  console.log(`Release smoke check against ${t.label}`);
  console.log(`customer ${customerId}, feature ${FEATURE}, plan ${PLAN}`);
  let created = false;
  try {
    // 1. create
    try {
      const c = await callAutumn("customers.get_or_create", (cl, o) => cl.customers.getOrCreate({ customerId, name: "Release smoke check" }, o), { client, write: true });
      created = true;
      const plans = c.subscriptions.map((s) => s.planId);
      step(1, "create customer", c.id === customerId, `${c.id} on ${plans.length ? plans.join(", ") : "no plan (is the catalog pushed? pnpm catalog:push)"}`);
    } catch (err) {
      step(1, "create customer", false, why(err));
    }

    if (created) {
      // 2. check
      let start: number | null = null;
      try {
        const b = await balance(client, customerId);
        start = b.remaining;
        step(2, "check", b.allowed && b.remaining !== null && b.remaining >= UNITS,
          b.remaining === null ? `no ${FEATURE} balance (is the catalog pushed? pnpm catalog:push)` : `allowed=${b.allowed}, ${b.remaining} of ${b.granted} ${FEATURE} left`);
      } catch (err) {
        step(2, "check", false, why(err));
      }

      // 3. track, 4. refund (a negative track)
      if (start === null) {
        step(3, "track", false, "skipped: no balance to track against");
        step(4, "refund", false, "skipped: no balance to track against");
      } else {
        try {
          await track(client, customerId, UNITS, `${customerId}:track`);
          const after = await balanceSettled(client, customerId, start - UNITS);
          step(3, "track", after === start - UNITS, `+${UNITS} → ${after} left (expected ${start - UNITS})`);
        } catch (err) {
          step(3, "track", false, why(err));
        }
        try {
          await track(client, customerId, -UNITS, `${customerId}:refund`);
          const after = await balanceSettled(client, customerId, start);
          step(4, "refund", after === start, `−${UNITS} → ${after} left (expected ${start})`);
        } catch (err) {
          step(4, "refund", false, why(err));
        }
      }

      // 5. preview checkout
      try {
        const p = await callAutumn("billing.preview_attach", (c, o) => c.billing.previewAttach({ customerId, planId: PLAN }, o), { client });
        const next = p.nextCycle ? `, then ${p.nextCycle.total} ${p.currency.toUpperCase()} per cycle` : "";
        step(5, "preview checkout", Number.isFinite(p.total) && p.total >= 0 && p.currency.length === 3 && p.lineItems.length > 0,
          `${PLAN}: ${p.total} ${p.currency.toUpperCase()} due today${next}; ${p.lineItems.length} line(s), ${p.redirectToCheckout ? "payment page" : "no payment page"}`);
      } catch (err) {
        step(5, "preview checkout", false, why(err));
      }
    }
  } finally {
    // 6. clean up, whatever happened above
    if (created) {
      try {
        await callAutumn("customers.delete", (c, o) => c.customers.delete({ customerId, deleteInStripe: false }, o), { client, write: true });
        let gone = false;
        try {
          await callAutumn("customers.get", (c, o) => c.customers.get({ customerId }, o), { client, maxAttempts: 1 });
        } catch (err) {
          gone = billingErrorCode(err) === "CUSTOMER_NOT_FOUND";
        }
        step(6, "delete customer", gone, gone ? `${customerId} deleted` : `${customerId} still readable after delete`);
      } catch (err) {
        step(6, "delete customer", false, `${why(err)} — delete ${customerId} by hand`);
      }
    }
    await t.stop();
  }
  const ok = failed === 0;
  console.log(`${ok ? "SMOKE PASSED" : "SMOKE FAILED"}: ${passed}/${STEPS} steps passed against ${t.label}`);
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.log(`✗ ${why(err)}`);
  console.log("SMOKE FAILED");
  process.exit(1);
});
