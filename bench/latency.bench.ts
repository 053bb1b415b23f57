// (e) Entitlement latency: checkFeature answered from the cache (the public
// convex-test query, as the UI and gates call it) vs a live balances.check
// through the module's client (callAutumn) to the sandbox on 127.0.0.1.
// Interleaved one-for-one so both see the same machine load; medians. Also
// timed: the cache read itself (access.checkOrgFeature, timed inside a
// query), i.e. without convex-test's call overhead and the member check.
// Loopback has no internet round trip, so against real Autumn the live side
// only gets slower: the ratio is a floor.
import { expect, it } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { checkOrgFeature } from "../convex/billing/access";
import { callAutumn, createAutumn } from "../convex/billing/autumn";
import { BILLING_TEST_KEY, startBillingTest } from "../convex/billing/testing.helpers";
import { median, percentile, progress, writeResult } from "./lib";

const WARMUP = 50;
const RUNS = 400;
const FEATURE = "standard_messages";

it("entitlement latency: cache vs live", async () => {
  const b = await startBillingTest();
  try {
    await b.t.action(internal.billing.sync.syncPlans, {});
    const owner = await b.signUp("lea@example.com", "Lea Latency");
    const orgId = await b.createOrg(owner, "Latency Co");
    await b.drainScheduled();
    const client = createAutumn({ secretKey: BILLING_TEST_KEY, serverURL: b.autumn.url });
    const cached = () => b.as(owner, orgId).query(api.billing.api.checkFeature, { featureId: FEATURE });
    const live = () => callAutumn("balances.check", (c, o) => c.check({ customerId: orgId, featureId: FEATURE }, o), { client });
    // Both say the same thing.
    expect((await cached()).allowed).toBe(true);
    expect((await live()).allowed).toBe(true);

    progress(`latency: ${WARMUP} warm-up + ${RUNS} interleaved runs each`);
    const cache: number[] = [];
    const remote: number[] = [];
    const inside: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      // Alternate which goes first, so neither always follows the other.
      const order = i % 2 === 0 ? [cached, live] : [live, cached];
      for (const fn of order) {
        const t0 = performance.now();
        await fn();
        const ms = performance.now() - t0;
        if (i >= WARMUP) (fn === cached ? cache : remote).push(ms);
      }
      const readMs = await b.t.query(async (ctx) => {
        const t0 = performance.now();
        await checkOrgFeature(ctx, orgId, FEATURE);
        return performance.now() - t0;
      });
      if (i >= WARMUP) inside.push(readMs);
    }
    const result = {
      runs: RUNS,
      cache: { median: median(cache), p95: percentile(cache, 95) },
      live: { median: median(remote), p95: percentile(remote, 95) },
      read: { median: median(inside), p95: percentile(inside, 95) },
      ratio: median(remote) / median(cache),
    };
    progress(`latency: cache ${result.cache.median.toFixed(3)} ms, live ${result.live.median.toFixed(3)} ms (×${result.ratio.toFixed(1)})`);
    writeResult("latency", result);
  } finally {
    await b.close();
  }
});
