// Admin org search at scale: a name-prefix search is a range on the
// component's `name` index, so it returns full pages however many other
// organizations there are (a starts_with filter read 200 rows per page and
// returned whatever matched among them: empty pages at 100k orgs).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, components } from "../_generated/api";
import { ADMIN_EMAIL, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

let b: BillingTest;
let root: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  root = await b.signUp(ADMIN_EMAIL, "Root Admin");
  // 30 "Acme" orgs first, then 300 newer others (straight into better-auth's table: no Autumn needed here).
  const insert = (name: string, i: number) => b.t.run(async (ctx) => {
    await ctx.runMutation(components.betterAuth.adapter.create, {
      input: { model: "organization" as "user", data: { name, slug: `${name.toLowerCase().replace(/\W+/g, "-")}-${i}`, createdAt: Date.now() + i } as never },
    });
  });
  for (let i = 0; i < 30; i++) await insert(`Acme ${String(i).padStart(2, "0")}`, i);
  for (let i = 0; i < 300; i++) await insert(`Zed ${i}`, 1000 + i);
}, 120_000);
afterAll(async () => { await b?.close(); });

describe("adminListOrgs search", () => {
  it("returns full pages of matches, in name order, through every page, at any number of other orgs", async () => {
    const admin = b.as(root, null);
    const names: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const res: { page: Array<{ name: string }>; isDone: boolean; continueCursor: string } =
        await admin.query(api.billing.admin.adminListOrgs, { paginationOpts: { numItems: 10, cursor }, search: "Acme" });
      if (!res.isDone || res.page.length > 0) expect(res.page.length === 10 || res.isDone).toBe(true);
      names.push(...res.page.map((o) => o.name));
      if (res.isDone) break;
      cursor = res.continueCursor;
    }
    expect(names).toEqual(Array.from({ length: 30 }, (_, i) => `Acme ${String(i).padStart(2, "0")}`));
    const first = await admin.query(api.billing.admin.adminListOrgs, { paginationOpts: { numItems: 10, cursor: null }, search: "Acme" });
    expect(first.page).toHaveLength(10);
    expect((await admin.query(api.billing.admin.adminListOrgs, { paginationOpts: { numItems: 10, cursor: null }, search: "Nope" })).page).toEqual([]);
  });
});
