// The post-checkout watcher's state machine, transition by transition
// (pure: no Convex, no Autumn). The Convex wiring is exercised by the
// purchase journeys in purchase.test.ts.
import { describe, expect, it } from "vitest";
import { planIsActive, transition, WATCH_BACKOFF_MS, type Watcher } from "./watcher";
import type { CustomerRow } from "./schema";

const key = { organizationId: "org_1", planId: "pro" };
const T0 = 1_800_000_000_000;

function started(): Watcher {
  const { next } = transition(null, { type: "start", now: T0, baselinePurchases: 0 }, key);
  if (!next) throw new Error("start produced nothing");
  return next;
}

function tick(w: Watcher, planActive: boolean, now = T0 + 1000, error: string | null = null) {
  return transition(w, { type: "tick", attempt: w.attempt, planActive, now, error }, key);
}

describe("watcher transitions", () => {
  it("start: none → watching, first re-sync after 3 s", () => {
    const { next, scheduleInMs } = transition(null, { type: "start", now: T0, baselinePurchases: 2 }, key);
    expect(next).toEqual({
      organizationId: "org_1", planId: "pro", state: "watching", attempt: 0, startedAt: T0, nextCheckAt: T0 + 3000,
      finishedAt: null, lastError: null, baselinePurchases: 2,
    });
    expect(scheduleInMs).toBe(3000);
  });

  it("the backoff schedule is 3s, 20s, 60s, 120s, 300s", () => {
    expect([...WATCH_BACKOFF_MS]).toEqual([3_000, 20_000, 60_000, 120_000, 300_000]);
  });

  it("start while watching: no second watcher, nothing scheduled", () => {
    const w = started();
    const { next, scheduleInMs } = transition(w, { type: "start", now: T0 + 5000, baselinePurchases: 0 }, key);
    expect(next).toBe(w);
    expect(scheduleInMs).toBeNull();
  });

  it("tick with the plan active: watching → activated, nothing more scheduled", () => {
    const { next, scheduleInMs } = tick(started(), true, T0 + 3000);
    expect(next).toMatchObject({ state: "activated", finishedAt: T0 + 3000, nextCheckAt: null });
    expect(scheduleInMs).toBeNull();
  });

  it("tick not yet active: stays watching and backs off along the schedule", () => {
    let w = started();
    const delays: number[] = [];
    for (let i = 0; i < WATCH_BACKOFF_MS.length - 1; i += 1) {
      const { next, scheduleInMs } = tick(w, false, T0 + i);
      expect(next?.state).toBe("watching");
      delays.push(scheduleInMs ?? -1);
      w = next as Watcher;
    }
    expect(delays).toEqual([20_000, 60_000, 120_000, 300_000]);
    expect(w.attempt).toBe(4);
  });

  it("the fifth not-yet tick gives up, keeping the last error", () => {
    let w = started();
    for (let i = 0; i < WATCH_BACKOFF_MS.length - 1; i += 1) w = tick(w, false).next as Watcher;
    const { next, scheduleInMs } = tick(w, false, T0 + 999, "AUTUMN_UNAVAILABLE: down");
    expect(next).toMatchObject({ state: "gave_up", attempt: 5, nextCheckAt: null, finishedAt: T0 + 999, lastError: "AUTUMN_UNAVAILABLE: down" });
    expect(scheduleInMs).toBeNull();
  });

  it("a stale or duplicate tick (wrong attempt) changes nothing", () => {
    const w = tick(started(), false).next as Watcher; // attempt 1
    const { next, scheduleInMs } = transition(w, { type: "tick", attempt: 0, planActive: true, now: T0, error: null }, key);
    expect(next).toBe(w);
    expect(scheduleInMs).toBeNull();
  });

  it("ticks after the watcher finished are ignored", () => {
    const done = tick(started(), true).next as Watcher;
    expect(transition(done, { type: "tick", attempt: done.attempt, planActive: false, now: T0, error: null }, key).next).toBe(done);
  });

  it("start after activated or gave_up watches again from attempt 0", () => {
    const done = tick(started(), true).next as Watcher;
    const { next, scheduleInMs } = transition(done, { type: "start", now: T0 + 60_000, baselinePurchases: 1 }, key);
    expect(next).toMatchObject({ state: "watching", attempt: 0, startedAt: T0 + 60_000, baselinePurchases: 1 });
    expect(scheduleInMs).toBe(3000);
  });
});

describe("what counts as active", () => {
  const row = (over: Partial<CustomerRow>): CustomerRow => ({
    organizationId: "org_1", customerId: "org_1", name: null, email: null, subscriptions: [], purchases: [], balances: [],
    flags: [], invoices: [], syncedAt: T0, lastSyncError: null, ...over,
  });
  const sub = (planId: string, status: "active" | "scheduled") => ({
    subscriptionId: `s_${planId}`, planId, planName: planId, status, addOn: false, autoEnable: false, pastDue: false,
    canceledAt: null, expiresAt: null, trialEndsAt: null, startedAt: T0, currentPeriodStart: T0, currentPeriodEnd: null,
  });
  const purchase = { planId: "credit_pack", planName: "Pack", startedAt: T0, expiresAt: null, quantity: 1 };

  it("a recurring plan is active when its subscription is active, not merely scheduled", () => {
    expect(planIsActive(row({ subscriptions: [sub("pro", "active")] }), "pro", 0)).toBe(true);
    expect(planIsActive(row({ subscriptions: [sub("pro", "scheduled")] }), "pro", 0)).toBe(false);
    expect(planIsActive(null, "pro", 0)).toBe(false);
  });

  it("a one-off add-on is active once there is a purchase beyond those at checkout time", () => {
    expect(planIsActive(row({ purchases: [purchase] }), "credit_pack", 1)).toBe(false);
    expect(planIsActive(row({ purchases: [purchase, purchase] }), "credit_pack", 1)).toBe(true);
  });
});
