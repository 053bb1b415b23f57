// Members on top of the billing module's seats: the free plan's 2 seats let
// the owner add two people, the third is refused with QUOTA_EXCEEDED (and
// nothing is written), removing someone gives the seat back, unknown emails
// get a typed error, and only the owner may add or remove.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../_generated/api";
import { errorData as failure, startBillingTest, type BillingTest, type TestUser } from "../billing/testing.helpers";
import { withRealDbGet } from "../billing/runtimeIds.helpers";
import { authModules } from "../test.setup";

let b: BillingTest;
let owner: TestUser;
let ann: TestUser;
let bob: TestUser;
let cat: TestUser;
let orgId: string;

beforeAll(async () => {
  // db.get throws on an undecodable id, as on a real deployment (convex-test returns null).
  b = await startBillingTest({ authModules: withRealDbGet(authModules) });
  await b.syncCatalog();
  owner = await b.signUp("olga@example.com", "Olga Owner");
  ann = await b.signUp("ann@example.com", "Ann");
  bob = await b.signUp("bob@example.com", "Bob");
  cat = await b.signUp("cat@example.com", "Cat");
  orgId = await b.createProvisionedOrg(owner, "Seat Co");
});
afterAll(async () => { await b.close(); });

/** The caller with their real better-auth session in the identity (as the JWT carries it): removeMember acts through it. */
async function withSession(user: TestUser) {
  const res = await b.t.fetch("/api/auth/get-session", { headers: { cookie: user.cookie } });
  const body = (await res.json()) as { session: { id: string } };
  return b.t.withIdentity({ subject: user.userId, activeOrganizationId: orgId, sessionId: body.session.id });
}

async function seats(): Promise<{ usage: number; remaining: number } | undefined> {
  const { billing } = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
  return billing.balances.find((x) => x.featureId === "seats");
}

describe("members", () => {
  it("the owner adds two existing accounts on the free plan's two seats", async () => {
    await b.as(owner, orgId).action(api.members.members.addMember, { email: "ann@example.com", role: "member" });
    await b.as(owner, orgId).action(api.members.members.addMember, { email: " BOB@example.com ", role: "admin" });
    const list = await b.as(ann, orgId).query(api.members.members.listMembers, {});
    expect(list.map((m) => [m.email, m.role, m.name])).toEqual([
      ["olga@example.com", "owner", "Olga Owner"],
      ["bob@example.com", "admin", "Bob"],
      ["ann@example.com", "member", "Ann"],
    ]);
    expect(await seats()).toMatchObject({ usage: 2, remaining: 0 });
  });

  it("a third member is over the seat limit: QUOTA_EXCEEDED, nobody added", async () => {
    expect(await failure(b.as(owner, orgId).action(api.members.members.addMember, { email: "cat@example.com", role: "member" })))
      .toMatchObject({ code: "QUOTA_EXCEEDED", featureId: "seats" });
    const list = await b.as(owner, orgId).query(api.members.members.listMembers, {});
    expect(list.some((m) => m.userId === cat.userId)).toBe(false);
    expect(await seats()).toMatchObject({ usage: 2, remaining: 0 });
  });

  it("an unknown email answers like an add (no account enumeration); an existing member is CONFLICT; neither takes a seat", async () => {
    expect(await b.as(owner, orgId).action(api.members.members.addMember, { email: "nobody@example.com", role: "member" }))
      .toEqual({ memberId: null, userId: null });
    expect(await failure(b.as(owner, orgId).action(api.members.members.addMember, { email: "ann@example.com", role: "member" })))
      .toMatchObject({ code: "CONFLICT" });
    expect(await seats()).toMatchObject({ usage: 2 });
  });

  it("only the owner adds and removes members", async () => {
    expect(await failure(b.as(bob, orgId).action(api.members.members.addMember, { email: "cat@example.com", role: "member" })))
      .toMatchObject({ code: "FORBIDDEN" });
    const annMember = (await b.as(owner, orgId).query(api.members.members.listMembers, {})).find((m) => m.userId === ann.userId);
    expect(await failure(b.as(bob, orgId).action(api.members.members.removeMember, { memberId: annMember!.memberId })))
      .toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(b.as(cat, orgId).query(api.members.members.listMembers, {}))).toMatchObject({ code: "FORBIDDEN" });
  });

  it("a junk member id is INVALID_ARGUMENT {reason: invalid_id}, validated before any lookup", async () => {
    const asOwner = await withSession(owner);
    for (const memberId of ["junk", "", orgId /* an id, but of another table */]) {
      expect(await failure(asOwner.action(api.members.members.removeMember, { memberId })))
        .toMatchObject({ code: "INVALID_ARGUMENT", reason: "invalid_id" });
    }
  });

  it("the owner can't be removed", async () => {
    const me = (await b.as(owner, orgId).query(api.members.members.listMembers, {})).find((m) => m.role === "owner");
    expect(await failure((await withSession(owner)).action(api.members.members.removeMember, { memberId: me!.memberId })))
      .toMatchObject({ code: "FORBIDDEN" });
  });

  it("removing a member gives the seat back, so the next one fits", async () => {
    const annMember = (await b.as(owner, orgId).query(api.members.members.listMembers, {})).find((m) => m.userId === ann.userId);
    await (await withSession(owner)).action(api.members.members.removeMember, { memberId: annMember!.memberId });
    expect(await seats()).toMatchObject({ usage: 1, remaining: 1 });
    expect((await b.as(owner, orgId).query(api.members.members.listMembers, {})).map((m) => m.email))
      .toEqual(["olga@example.com", "bob@example.com"]);
    await b.as(owner, orgId).action(api.members.members.addMember, { email: "cat@example.com", role: "member" });
    expect(await seats()).toMatchObject({ usage: 2, remaining: 0 });
    expect(await failure(b.as(ann, orgId).query(api.members.members.listMembers, {}))).toMatchObject({ code: "FORBIDDEN" });
  });
});
