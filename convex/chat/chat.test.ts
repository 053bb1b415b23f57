// The demo chat feature on top of the billing module's metered helper:
// members send messages that are charged to the model's feature, replies are
// canned and deterministic, and nothing is stored or charged on a denial.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../_generated/api";
import { errorData as failure, startBillingTest, type BillingTest, type TestUser } from "../billing/testing.helpers";
import { cannedReply } from "./chat";
import { featureForModel } from "./models";

let b: BillingTest;
let owner: TestUser;
let member: TestUser;
let orgId: string;

beforeAll(async () => {
  b = await startBillingTest();
  await b.syncCatalog();
  owner = await b.signUp("cora@example.com", "Cora Chat");
  member = await b.signUp("milo@example.com", "Milo Member");
  orgId = await b.createProvisionedOrg(owner, "Chat Co");
  await b.addMember(owner, orgId, member, "member");
});
afterAll(async () => { await b.close(); });

describe("chat", () => {
  it("maps models to billing features", () => {
    expect(featureForModel("swift-mini")).toBe("standard_messages");
    expect(featureForModel("sage-pro")).toBe("premium_messages");
    expect(cannedReply("swift-mini", "hi there")).toBe(cannedReply("swift-mini", "hi there"));
    expect(cannedReply("swift-mini", "hi there")).not.toBe(cannedReply("sage-pro", "hi there"));
  });

  it("a member sends a message: stored for the whole org, charged to the org, newest first", async () => {
    const first = await b.as(member, orgId).action(api.chat.chat.sendMessage, { model: "swift-mini", prompt: "  first  " });
    expect(first.reply).toBe(cannedReply("swift-mini", "first"));
    await b.as(owner, orgId).action(api.chat.chat.sendMessage, { model: "swift-mini", prompt: "second" });
    const list = await b.as(owner, orgId).query(api.chat.chat.listMessages, {});
    expect(list.map((m) => [m.prompt, m.feature])).toEqual([["second", "standard_messages"], ["first", "standard_messages"]]);
    expect(list[1]?.userId).toBe(member.userId);
    const { billing } = await b.as(member, orgId).query(api.billing.api.getOrgBilling, {});
    expect(billing.balances.find((x) => x.featureId === "standard_messages")).toMatchObject({ remaining: 48, usage: 2 });
  });

  it("a premium model the plan lacks is refused before any message is stored", async () => {
    expect(await failure(b.as(member, orgId).action(api.chat.chat.sendMessage, { model: "sage-pro", prompt: "deep question" })))
      .toMatchObject({ code: "QUOTA_EXCEEDED", featureId: "premium_messages", required: 1 });
    expect((await b.as(member, orgId).query(api.chat.chat.listMessages, {})).some((m) => m.model === "sage-pro")).toBe(false);
  });

  it("rejects empty prompts without calling Autumn, and callers outside the org", async () => {
    await b.autumn.control("/sandbox/stats/reset", {});
    expect(await failure(b.as(member, orgId).action(api.chat.chat.sendMessage, { model: "swift-mini", prompt: "   " })))
      .toMatchObject({ code: "INVALID_ARGUMENT" });
    // Earlier sends may still be settled in the background (a lease closing, a confirm), which
    // calls balances.finalize on its own schedule; the empty prompt itself must call nothing.
    const { calls } = (await b.autumn.control("/sandbox/stats", undefined, "GET")) as { calls: Record<string, number> };
    expect(Object.keys(calls).filter((route) => route !== "balances.finalize")).toEqual([]);
    const stranger = await b.signUp("sam@example.com", "Sam Stranger");
    expect(await failure(b.as(stranger, orgId).action(api.chat.chat.sendMessage, { model: "swift-mini", prompt: "hi" })))
      .toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(b.as(stranger, orgId).query(api.chat.chat.listMessages, {}))).toMatchObject({ code: "FORBIDDEN" });
  });
});
