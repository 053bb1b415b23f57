// meteredMutation: the work's own mutation records the work done in its
// transaction. Specified against the app's chat.storeMessage (a
// meteredMutation), the real autumn-js SDK and the sandbox; crashes are
// injected with the crash hook and the sweeper is driven by an explicit clock.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import type { MeteredTicket } from "./meteredWork";
import { runMeteredMutation, withMeteredUsage } from "./meteredUsage";
import { CrashError, setCrashHook } from "./reservations/crash";
import { LEASE_HEAT_CALLS } from "./reservations/lease";
import { CHECK_HORIZON_MS, LOCK_TTL_MS } from "./reservations/machine";
import { errorData, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

const FEATURE = "standard_messages";
let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  await b.t.action(internal.billing.sync.syncPlans, {});
  owner = await b.signUp("meter@example.com", "Mo Meter");
});
afterAll(async () => { await b.close(); });
afterEach(() => { setCrashHook(null); });

async function newOrg(name: string): Promise<string> {
  const orgId = await b.createOrg(owner, name);
  await b.drainScheduled();
  return orgId;
}
const store = (ctx: ActionCtx, organizationId: string, ticket: MeteredTicket, prompt: string) => ctx.runMutation(internal.chat.chat.storeMessage, {
  organizationId, userId: owner.userId, model: "swift-mini", feature: FEATURE, prompt, reply: "ok", createdAt: Date.now(), meteringTicket: ticket,
});
const states = (orgId: string) => b.t.run(async (ctx) => (await ctx.db.query("billingReservations")
  .filter((q) => q.eq(q.field("organizationId"), orgId)).collect()).filter((r) => !r.leaseSlot).map((r) => r.state));
const messages = (orgId: string) => b.t.run(async (ctx) => (await ctx.db.query("messages")
  .withIndex("by_organizationId_createdAt", (q) => q.eq("organizationId", orgId)).collect()).map((m) => m.prompt));
async function usage(orgId: string): Promise<number | undefined> {
  return (await b.autumn.autumn.customers.get({ customerId: orgId })).balances[FEATURE]?.usage;
}
async function sweepAll(now: number): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const counts = await b.t.action(internal.billing.reservations.sweeper.sweep, { now });
    await b.drainScheduled();
    if (counts.done === 0) return;
  }
}

describe("meteredMutation records the work done in the work's own transaction", () => {
  it("the row is work_done as soon as the work's mutation commits, and the usage is billed once", async () => {
    const orgId = await newOrg("Atomic Co");
    const seen = await b.t.action((ctx) => withMeteredUsage(ctx, { organizationId: orgId, featureId: FEATURE, idempotencyKey: "a1", recordsDone: true, lease: false }, async (ticket) => {
      await store(ctx, orgId, ticket, "hello");
      return states(orgId); // before the flow returns: already owed
    }));
    expect(seen).toEqual(["work_done"]);
    await b.drainScheduled();
    expect(await states(orgId)).toEqual(["settled"]);
    expect(await usage(orgId)).toBe(1);
    expect(await messages(orgId)).toEqual(["hello"]);
  });

  it("an action that dies right after the work's mutation: with recordsDone the work is billed; without, it was lost", { timeout: 30_000 }, async () => {
    const orgId = await newOrg("Gap Co");
    // The process dies between the work's commit and anything after it.
    const dieAfterWork = (recordsDone: boolean, key: string) => b.t.action((ctx) =>
      withMeteredUsage(ctx, { organizationId: orgId, featureId: FEATURE, idempotencyKey: key, recordsDone, lease: false }, async (ticket) => {
        if (recordsDone) await store(ctx, orgId, ticket, key);
        else await ctx.runMutation(internal.chat.chat.storeMessageUnmetered, {
          organizationId: orgId, userId: owner.userId, model: "swift-mini", feature: FEATURE, prompt: key, reply: "ok", createdAt: Date.now(),
        });
        throw new CrashError("after_work");
      })).catch((err: unknown) => String(err));
    expect(await dieAfterWork(true, "with")).toContain("CrashError");
    expect(await dieAfterWork(false, "without")).toContain("CrashError");
    expect((await states(orgId)).sort()).toEqual(["reserved", "work_done"]);
    await sweepAll(Date.now() + LOCK_TTL_MS + CHECK_HORIZON_MS);
    expect((await states(orgId)).sort()).toEqual(["released", "settled"]);
    expect((await messages(orgId)).sort()).toEqual(["with", "without"]); // both works ran…
    expect(await usage(orgId)).toBe(1); // …and only the one recorded in its own transaction is billed
  });

  it("a ticket whose reservation is no longer held: CONFLICT, and the work's writes roll back", async () => {
    const orgId = await newOrg("Late Co");
    const err = await errorData(b.t.action((ctx) => withMeteredUsage(ctx, { organizationId: orgId, featureId: FEATURE, idempotencyKey: "late", recordsDone: true, lease: false }, async (ticket) => {
      // The sweeper got there first (the action was presumed dead): the units went back.
      await ctx.runMutation(internal.billing.reservations.store.advance, { lockId: ticket.lockId, event: { type: "released" } });
      return store(ctx, orgId, ticket, "too late");
    })));
    expect(err).toMatchObject({ code: "CONFLICT", state: "released" });
    expect(await messages(orgId)).toEqual([]);
    await b.drainScheduled();
    expect(await usage(orgId)).toBe(0);
  });

  it("a ticket records once: a second metered mutation with it rolls back; the first is billed even though the work then failed", async () => {
    const orgId = await newOrg("Twice Co");
    const err = await errorData(b.t.action((ctx) => withMeteredUsage(ctx, { organizationId: orgId, featureId: FEATURE, idempotencyKey: "twice", recordsDone: true, lease: false }, async (ticket) => {
      await store(ctx, orgId, ticket, "first");
      await store(ctx, orgId, ticket, "second");
    })));
    expect(err).toMatchObject({ code: "CONFLICT", state: "work_done" });
    expect(await messages(orgId)).toEqual(["first"]);
    await b.drainScheduled();
    expect(await states(orgId)).toEqual(["settled"]);
    expect(await usage(orgId)).toBe(1);
  });

  it("leased calls record into their lease the same way (no Autumn call, no extra mutation)", async () => {
    const orgId = await newOrg("Lease Co");
    await b.autumn.autumn.balances.update({ customerId: orgId, featureId: FEATURE, includedGrant: 10_000, usage: 0 } as never);
    await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
    await b.t.action(async (ctx) => {
      for (let i = 0; i < 20; i++) {
        await withMeteredUsage(ctx, { organizationId: orgId, featureId: FEATURE, idempotencyKey: `l${i}`, recordsDone: true }, (ticket) => store(ctx, orgId, ticket, `m${i}`));
      }
    });
    const leased = await b.t.run(async (ctx) => (await ctx.db.query("billingReservations").filter((q) => q.eq(q.field("organizationId"), orgId)).collect())
      .filter((r) => r.leaseLockId).map((r) => r.state));
    expect(leased.length).toBeGreaterThan(0);
    expect(new Set(leased)).toEqual(new Set(["work_done"]));
    const open = await b.t.run(async (ctx) => (await ctx.db.query("billingReservations").filter((q) => q.eq(q.field("organizationId"), orgId)).collect())
      .filter((r) => r.leaseSlot && r.state === "reserved"));
    for (const l of open) await b.t.action(internal.billing.reservations.leasing.closeLease, { lockId: l.lockId });
    await b.drainScheduled();
    expect(await usage(orgId)).toBe(20);
    expect(await messages(orgId)).toHaveLength(20);
  });
});

describe("runMeteredMutation: work that is one mutation", () => {
  const message = (organizationId: string, prompt: string) => ({
    organizationId, userId: owner.userId, model: "swift-mini", feature: FEATURE, prompt, reply: "ok", createdAt: Date.now(),
  });
  const send = (ctx: ActionCtx, organizationId: string, key: string) =>
    runMeteredMutation(ctx, { organizationId, featureId: FEATURE, idempotencyKey: key }, internal.chat.chat.storeMessage, message(organizationId, key));

  it("with a lease that has room, claim + work + usage record are one transaction: no Autumn call, usage exact", { timeout: 30_000 }, async () => {
    const orgId = await newOrg("One Tx Co");
    await b.autumn.autumn.balances.update({ customerId: orgId, featureId: FEATURE, includedGrant: 10_000, usage: 0 } as never);
    await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
    // Busy first (LEASE_HEAT_CALLS calls reserve alone; the next opens a lease), then measure.
    await b.t.action(async (ctx) => { for (let i = 0; i <= LEASE_HEAT_CALLS; i++) await send(ctx, orgId, `warm${i}`); });
    await b.drainScheduled();
    await b.autumn.control("/sandbox/stats/reset", {});
    await b.t.action(async (ctx) => { for (let i = 0; i < 30; i++) await send(ctx, orgId, `k${i}`); });
    const calls = ((await b.autumn.control("/sandbox/stats", undefined, "GET")) as { calls: Record<string, number> }).calls;
    expect(calls["balances.check"] ?? 0).toBe(0);
    const ops = await b.t.run(async (ctx) => (await ctx.db.query("billingReservations").filter((q) => q.eq(q.field("organizationId"), orgId)).collect())
      .filter((r) => !r.leaseSlot && r.leaseLockId));
    expect(ops).toHaveLength(30);
    expect(new Set(ops.map((r) => r.state))).toEqual(new Set(["work_done"]));
    const open = await b.t.run(async (ctx) => (await ctx.db.query("billingReservations").filter((q) => q.eq(q.field("organizationId"), orgId)).collect())
      .filter((r) => r.leaseSlot && r.state === "reserved"));
    for (const l of open) await b.t.action(internal.billing.reservations.leasing.closeLease, { lockId: l.lockId });
    await b.drainScheduled();
    expect(await usage(orgId)).toBe(30 + LEASE_HEAT_CALLS + 1);
    expect(await messages(orgId)).toHaveLength(30 + LEASE_HEAT_CALLS + 1);
  });

  it("no lease without headroom: 200 concurrent calls on a balance of exactly 50 store exactly 50 messages", { timeout: 60_000 }, async () => {
    const orgId = await newOrg("Tight One Tx Co");
    const outcomes = await b.t.action((ctx) => Promise.all(Array.from({ length: 200 }, (_, i) =>
      send(ctx, orgId, `t${i}`).then(() => "ok", (err: unknown) => String((err as { data?: { code?: string } }).data?.code ?? err)))));
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(50);
    expect(outcomes.filter((o) => o !== "ok").every((o) => o === "QUOTA_EXCEEDED")).toBe(true);
    await b.drainScheduled();
    expect(await messages(orgId)).toHaveLength(50);
    expect(await usage(orgId)).toBe(50);
  });

  it("the same key again: CONFLICT {duplicate}, the work is not run twice", async () => {
    const orgId = await newOrg("Dup One Tx Co");
    await b.t.action((ctx) => send(ctx, orgId, "same"));
    expect(await errorData(b.t.action((ctx) => send(ctx, orgId, "same")))).toMatchObject({ code: "CONFLICT", duplicate: true });
    await b.drainScheduled();
    expect(await messages(orgId)).toEqual(["same"]);
    expect(await usage(orgId)).toBe(1);
  });
});
