// Keeping the current plan (it is canceling, or a downgrade is scheduled):
// the plan card offers "Keep this plan", the dialog says nothing is charged,
// and confirming calls uncancelSubscription for that plan, never checkout
// (re-attaching the active plan is Autumn's 409 plan_already_attached).
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { currentPlan, orgBilling, preview } from "../testing/fixtures";
import { renderWithBilling } from "../testing/render";
import { PricingTable } from "./PricingTable";

const card = (name: string) => screen.getByRole("article", { name });

describe("keep the current plan", () => {
  for (const [label, overrides] of [
    ["canceling", { plan: currentPlan("team", { status: "canceling", canceledAt: 1, expiresAt: Date.UTC(2026, 4, 1) }) }],
    ["a downgrade scheduled", { plan: currentPlan("team"), scheduledChange: { planId: "pro", planName: "Pro", startsAt: Date.UTC(2026, 4, 1) } }],
  ] as const) {
    it(`${label}: Keep this plan → uncancel of the current plan, no checkout`, async () => {
      const user = userEvent.setup();
      const { fake, api } = renderWithBilling(<PricingTable />, {
        setup: (f, a) => {
          f.setQueryResult(a.getOrgBilling, orgBilling("owner", overrides));
          f.registerActionFake(a.previewCheckout, () => preview({ planId: "team", planName: "Team", action: "keep_current", lines: [], total: 0 }));
          f.registerActionFake(a.uncancelSubscription, () => null);
        },
      });
      expect(card("Team").getAttribute("aria-current")).toBe("true");
      await user.click(within(card("Team")).getByRole("button", { name: "Keep this plan" }));
      const dialog = await screen.findByRole("dialog", { name: "Keep Team" });
      expect(within(dialog).getByText(/Nothing is charged\./)).toBeTruthy();
      await user.click(within(dialog).getByRole("button", { name: "Keep Team" }));
      expect(await screen.findByText("Your plan will continue.")).toBeTruthy();
      expect(fake.callsTo(api.uncancelSubscription)).toEqual([{ planId: "team" }]);
      expect(fake.callsTo(api.checkout)).toEqual([]);
    });
  }

  it("an active plan with nothing pending is just Current plan (no button)", () => {
    renderWithBilling(<PricingTable />, { setup: (f, a) => f.setQueryResult(a.getOrgBilling, orgBilling("owner", { plan: currentPlan("team") })) });
    expect(within(card("Team")).queryByRole("button")).toBeNull();
    expect(within(card("Team")).getByText("Current plan")).toBeTruthy();
  });
});
