// Admin panels: PlansPanel lists every plan with its entitlements by kind
// and syncs from Autumn showing the result; OrgBillingDetail shows status,
// usage and subscription history, and re-syncs one org.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { formatDateTime } from "../format";
import { balance, billingView, currentPlan, PLANS } from "../testing/fixtures";
import { renderWithBilling } from "../testing/render";
import { OrgBillingDetail } from "./OrgBillingDetail";
import { PlansPanel } from "./PlansPanel";

const SYNCED_AT = Date.UTC(2026, 2, 1, 9, 30);

describe("PlansPanel", () => {
  it("lists plans with boolean, metered and credit entitlements and the last sync", () => {
    renderWithBilling(<PlansPanel />, {
      setup: (f, a) => {
        if (!a.adminListAllPlans) throw new Error("admin api missing");
        f.setQueryResult(a.adminListAllPlans, {
          plans: [...PLANS, { ...PLANS[0]!, planId: "legacy", name: "Legacy", archived: true, sortKey: 5 }],
          lastSync: { kind: "plans", startedAt: SYNCED_AT - 1000, finishedAt: SYNCED_AT, ok: true, error: null, features: 6, plans: 4, pruned: 1 },
        });
      },
    });
    expect(screen.getByRole("status").textContent).toBe(`Last sync ${formatDateTime(SYNCED_AT)}: 6 features, 4 plans, 1 pruned`);
    const team = within(screen.getByRole("heading", { name: "Team" }).closest("article") as HTMLElement);
    const row = (feature: string) => team.getByRole("row", { name: new RegExp(`^${feature}`) }).textContent ?? "";
    expect(row("Priority support")).toContain("boolean");
    expect(row("Priority support")).toContain("included");
    expect(row("Standard messages")).toContain("unlimited");
    expect(row("Premium messages")).toMatch(/metered.*1000, resets every month/);
    const pack = within(screen.getByRole("heading", { name: "AI credit pack" }).closest("article") as HTMLElement);
    expect(pack.getByRole("row", { name: /^AI credits/ }).textContent).toMatch(/credit.*500, never resets/);
    expect(within(screen.getByRole("heading", { name: "Legacy" }).closest("article") as HTMLElement).getByText("archived")).toBeTruthy();
  });

  it("syncs from Autumn and shows the result or the failure", async () => {
    const user = userEvent.setup();
    let ok = true;
    const { fake, api } = renderWithBilling(<PlansPanel />, {
      setup: (f, a) => {
        if (!a.adminListAllPlans || !a.adminSyncPlans) throw new Error("admin api missing");
        f.setQueryResult(a.adminListAllPlans, { plans: PLANS, lastSync: null });
        f.registerActionFake(a.adminSyncPlans, () => (ok
          ? { ok: true, features: 6, plans: 4, pruned: 0, error: null }
          : { ok: false, features: 0, plans: 0, pruned: 0, error: { code: "AUTUMN_UNAVAILABLE", message: "Autumn timed out" } }));
      },
    });
    expect(screen.getByRole("status").textContent).toBe("Never synced.");
    await user.click(screen.getByRole("button", { name: "Sync from Autumn" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Synced 6 features and 4 plans; pruned 0."));
    ok = false;
    await user.click(screen.getByRole("button", { name: "Sync from Autumn" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Sync failed: Autumn timed out"));
    expect(fake.callsTo(api.adminSyncPlans!)).toHaveLength(2);
  });

  it("shows FORBIDDEN for non-admins", () => {
    renderWithBilling(<PlansPanel />, {
      setup: (f, a) => f.setQueryError(a.adminListAllPlans!, new ConvexError({ code: "FORBIDDEN", message: "Only global admins can do this" })),
    });
    expect(screen.getByRole("alert").textContent).toBe("Only the owner can change the plan");
  });
});

describe("OrgBillingDetail", () => {
  it("shows status, usage and history, and re-syncs the org", async () => {
    const user = userEvent.setup();
    const { fake, api } = renderWithBilling(<OrgBillingDetail organizationId="org_42" />, {
      setup: (f, a) => {
        f.registerQueryFake(a.adminGetOrgBilling!, ({ organizationId }) => ({
          billing: billingView({
            organizationId,
            plan: currentPlan("pro", { status: "past_due" }),
            balances: [balance("premium_messages", "Premium messages", { granted: 100, usage: 95 })],
            syncedAt: SYNCED_AT,
          }),
          history: [
            { organizationId, planId: "pro", planName: "Pro", change: "past_due" as const, at: SYNCED_AT },
            { organizationId, planId: "pro", planName: "Pro", change: "activated" as const, at: SYNCED_AT - 86_400_000 },
          ],
        }));
        f.registerActionFake(a.adminSyncCustomer!, () => ({ ok: true, error: null }));
      },
    });
    expect(screen.getByText("past_due")).toBeTruthy();
    expect(screen.getByRole("progressbar", { name: "Premium messages" }).getAttribute("aria-valuenow")).toBe("95");
    const rows = screen.getAllByRole("row").slice(1).map((r) => r.textContent);
    expect(rows).toEqual([`${formatDateTime(SYNCED_AT)}ProPast due`, `${formatDateTime(SYNCED_AT - 86_400_000)}ProActivated`]);
    await user.click(screen.getByRole("button", { name: "Re-sync" }));
    await waitFor(() => expect(screen.getByText("Re-synced from Autumn.")).toBeTruthy());
    expect(fake.callsTo(api.adminSyncCustomer!)).toEqual([{ organizationId: "org_42" }]);
  });

  it("explains a missing admin API entry", () => {
    const original = console.error;
    console.error = () => {};
    try {
      expect(() => renderWithBilling(<OrgBillingDetail organizationId="org_1" />, {
        setup: (_f, a) => { delete a.adminGetOrgBilling; },
      })).toThrow(/needs api.adminGetOrgBilling/);
    } finally {
      console.error = original;
    }
  });
});
