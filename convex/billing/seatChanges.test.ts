// Seats through owed-work rows (issue 12 part B): member add/remove cycles with
// faults on the seat calls, then the seat sweeper; seat usage in Autumn equals
// the members. Real autumn-js against the sandbox, better-auth memberships.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { authModules } from "../test.setup";
import { withRealDbGet } from "./runtimeIds.helpers";
import { SEAT_PENDING_STALE_MS } from "./seatChangeStore";
import { errorData, SITE, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

let b: BillingTest;
let owner: TestUser;
let ann: TestUser;
let bob: TestUser;
let orgId: string;

beforeAll(async () => {
  b = await startBillingTest({ authModules: withRealDbGet(authModules) });
  await b.syncCatalog();
  owner = await b.signUp("sam@example.com", "Sam Seats");
  ann = await b.signUp("ann.seat@example.com", "Ann");
  bob = await b.signUp("bob.seat@example.com", "Bob");
  orgId = await b.createProvisionedOrg(owner, "Seat Sweep Co");
}, 30_000);
afterAll(async () => { await b?.close(); });

async function ownerWithSession() {
  const res = await b.t.fetch("/api/auth/get-session", { headers: { cookie: owner.cookie } });
  const body = (await res.json()) as { session: { id: string } };
  return b.t.withIdentity({ subject: owner.userId, activeOrganizationId: orgId, sessionId: body.session.id });
}
const members = async () => (await b.as(owner, orgId).query(api.members.members.listMembers, {})).filter((m) => m.role !== "owner");
/** Seat usage as Autumn has it (after background confirms ran). */
async function autumnSeats(): Promise<number> {
  await b.drainScheduled();
  const c = await b.autumn.autumn.customers.get({ customerId: orgId });
  return (c.balances as Record<string, { usage: number } | undefined>).seats?.usage ?? NaN;
}
const fault = (route: string, mode: string, extra: Record<string, unknown> = {}) => b.autumn.control("/sandbox/faults", { route, mode, count: 1, ...extra });
const rows = () => b.t.run((ctx) => ctx.db.query("billingSeatChanges").collect());

describe("seat changes", () => {
  it("100 add/remove cycles with faults on the seat calls → after the sweeper, seat usage equals members", async () => {
    const as = await ownerWithSession();
    let failedAdds = 0;
    let owedAfterRemove = 0;
    let sweptTotal = 0;
    for (let i = 0; i < 100; i++) {
      // The add's seat check: every 10th refused outright (the add changes nothing, then is retried).
      if (i % 10 === 0) {
        await fault("balances.check", "error", { status: 400 });
        const err = await errorData(b.as(owner, orgId).action(api.members.members.addMember, { email: ann.email, role: "member", requestId: `a${i}` }));
        expect(err.code).toBe("AUTUMN_ERROR");
        expect(await members()).toHaveLength(0);
        failedAdds += 1;
      }
      await b.as(owner, orgId).action(api.members.members.addMember, { email: ann.email, role: "member", requestId: `b${i}` });
      const [m] = await members();
      // The refund (balances.track −1): refused (stays owed), answer lost (recovered), 5xx once (retried), or clean.
      if (i % 4 === 0) await fault("balances.track", "error", { status: 400 });
      if (i % 4 === 1) await fault("balances.track", "drop_response");
      if (i % 4 === 2) await fault("balances.track", "error", { status: 503, retry_after_s: 0 });
      await as.action(api.members.members.removeMember, { memberId: m!.memberId });
      expect(await members()).toHaveLength(0);
      if (i % 4 === 0) owedAfterRemove += 1;
      if (i % 4 === 0) {
        // The refund is owed: Autumn still counts the seat (the free plan has 2), until the sweeper (its cron) runs.
        expect(await b.t.query(internal.billing.seatChangeStore.owedCount, { organizationId: orgId })).toBe(1);
        expect(await autumnSeats()).toBe(1);
      }
      if (i % 4 === 3) {
        const swept = await b.t.action(internal.billing.seatChanges.sweep, {});
        expect(swept).toEqual({ settled: 1, failed: 0, canceled: 0 });
        sweptTotal += swept.settled;
        expect(await autumnSeats()).toBe(0);
      }
    }
    expect(failedAdds).toBe(10);
    expect(owedAfterRemove).toBe(25);
    expect(sweptTotal).toBe(25);
    expect(await b.t.action(internal.billing.seatChanges.sweep, {})).toEqual({ settled: 0, failed: 0, canceled: 0 });
    expect(await autumnSeats()).toBe((await members()).length);
    expect(await b.t.query(internal.billing.seatChangeStore.owedCount, { organizationId: orgId })).toBe(0);
    const all = await rows();
    expect(all.filter((r) => r.state === "settled")).toHaveLength(200);
    expect(all.filter((r) => r.state === "canceled")).toHaveLength(10);
  }, 60_000);

  it("a refund that keeps failing stays owed across sweeps, then settles", async () => {
    const as = await ownerWithSession();
    await b.as(owner, orgId).action(api.members.members.addMember, { email: bob.email, role: "member" });
    const [m] = await members();
    await b.autumn.control("/sandbox/faults", { route: "balances.track", mode: "error", status: 400, count: 3 });
    await as.action(api.members.members.removeMember, { memberId: m!.memberId }); // the removal succeeds for the owner
    expect(await b.t.action(internal.billing.seatChanges.sweep, {})).toEqual({ settled: 0, failed: 1, canceled: 0 });
    expect(await b.t.action(internal.billing.seatChanges.sweep, {})).toEqual({ settled: 0, failed: 1, canceled: 0 });
    expect(await autumnSeats()).toBe(1);
    expect(await b.t.action(internal.billing.seatChanges.sweep, {})).toEqual({ settled: 1, failed: 0, canceled: 0 });
    expect(await autumnSeats()).toBe(0);
    const row = (await rows()).find((r) => r.key === `remove:${m!.memberId}`);
    expect(row).toMatchObject({ state: "settled", attempts: 3 });
  });

  it("an action that died mid-change: the sweeper asks the host (removed → refund; still a member → nothing)", async () => {
    await b.as(owner, orgId).action(api.members.members.addMember, { email: ann.email, role: "member" });
    await b.as(owner, orgId).action(api.members.members.addMember, { email: bob.email, role: "member" });
    expect(await autumnSeats()).toBe(2);
    const [annM, bobM] = [(await members()).find((x) => x.userId === ann.userId)!, (await members()).find((x) => x.userId === bob.userId)!];
    // Both removals recorded their row and died; only Ann's membership was actually removed (directly through better-auth).
    for (const m of [annM, bobM]) {
      await b.t.mutation(internal.billing.seatChangeStore.begin, { organizationId: orgId, featureId: "seats", userId: m.userId, delta: -1, key: `remove:${m.memberId}` });
    }
    const res = await b.t.fetch("/api/auth/organization/remove-member", {
      method: "POST", headers: { "content-type": "application/json", origin: SITE, cookie: owner.cookie },
      body: JSON.stringify({ memberIdOrEmail: annM.memberId, organizationId: orgId }),
    });
    expect(res.status).toBe(200);
    // Not stale yet: nothing is touched.
    expect(await b.t.action(internal.billing.seatChanges.sweep, {})).toEqual({ settled: 0, failed: 0, canceled: 0 });
    expect(await b.t.action(internal.billing.seatChanges.sweep, { now: Date.now() + SEAT_PENDING_STALE_MS + 1_000 })).toEqual({ settled: 1, failed: 0, canceled: 1 });
    expect(await autumnSeats()).toBe(1);
    expect((await members()).map((m) => m.userId)).toEqual([bob.userId]);
  });

  it("past the seat limit an add changes nothing (no membership, no seat, no owed row)", async () => {
    const carl = await b.signUp("carl.seat@example.com", "Carl");
    await b.as(owner, orgId).action(api.members.members.addMember, { email: ann.email, role: "member" });
    expect(await autumnSeats()).toBe(2);
    const before = await b.t.query(internal.billing.seatChangeStore.owedCount, { organizationId: orgId });
    expect(await errorData(b.as(owner, orgId).action(api.members.members.addMember, { email: carl.email, role: "member" }))).toMatchObject({ code: "QUOTA_EXCEEDED", featureId: "seats" });
    expect((await members()).some((m) => m.userId === carl.userId)).toBe(false);
    expect(await autumnSeats()).toBe(2);
    expect(await b.t.query(internal.billing.seatChangeStore.owedCount, { organizationId: orgId })).toBe(before);
  });
});
