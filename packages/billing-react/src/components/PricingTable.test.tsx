// PricingTable / PlanCard: order, current plan, action labels, currencies
// (USD en-US, BRL pt-BR), read-only for non-owners, and opening checkout.
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatMoney } from "../format";
import { currentPlan, orgBilling, PLANS, preview } from "../testing/fixtures";
import { renderWithBilling } from "../testing/render";
import { PricingTable } from "./PricingTable";

const card = (name: string) => screen.getByRole("article", { name });
// Testing Library collapses whitespace (NBSP included) in the DOM text but not in the
// expected string; Intl's currency output contains no-break spaces, so compare raw text.
const raw = { normalizer: (text: string) => text.trim() };

describe("PricingTable", () => {
  it("orders plans free first and marks the current one", () => {
    renderWithBilling(<PricingTable />, { setup: (f, a) => f.setQueryResult(a.getOrgBilling, orgBilling("owner", { plan: currentPlan("pro") })) });
    const names = screen.getAllByRole("article").map((a) => within(a).getByRole("heading").textContent);
    expect(names).toEqual(["Free", "Pro", "Team"]);
    expect(card("Pro").getAttribute("aria-current")).toBe("true");
    expect(within(card("Pro")).getByText("Current plan")).toBeTruthy();
    expect(within(card("Free")).getByRole("button", { name: "Downgrade" })).toBeTruthy();
    expect(within(card("Team")).getByRole("button", { name: "Upgrade" })).toBeTruthy();
    expect(within(card("Pro")).queryByRole("button")).toBeNull();
  });

  it("offers the trial from the free plan", () => {
    renderWithBilling(<PricingTable />);
    expect(within(card("Pro")).getByRole("button", { name: "Start trial" })).toBeTruthy();
    expect(within(card("Pro")).getByText("7-day free trial")).toBeTruthy();
    expect(within(card("Team")).getByRole("button", { name: "Upgrade" })).toBeTruthy();
    expect(within(card("Free")).getByText("Current plan")).toBeTruthy();
  });

  it("formats USD prices as $29.00", () => {
    renderWithBilling(<PricingTable />);
    expect(within(card("Pro")).getByText(/^\$29\.00\/month$/)).toBeTruthy();
    expect(within(card("Team")).getByText(`${formatMoney(99, "usd")}/month`, raw)).toBeTruthy();
    expect(within(card("Free")).getByText("Free", { selector: "p" })).toBeTruthy();
  });

  it("formats BRL prices as R$ 87,00 (pt-BR) when the currency is brl", () => {
    renderWithBilling(<PricingTable currency="brl" />);
    // Intl puts a no-break space between R$ and the amount: \s matches it.
    expect(within(card("Pro")).getByText(/^R\$\s87,00\/month$/)).toBeTruthy();
    expect(within(card("Team")).getByText(`${formatMoney(297, "brl")}/month`, raw)).toBeTruthy();
  });

  it("does not offer a plan that has no price in the currency (never $99 next to R$ 87,00)", () => {
    const plans = PLANS.map((p) => (p.planId === "team" && p.price ? { ...p, price: { ...p.price, additionalCurrencies: [] } } : p));
    renderWithBilling(<PricingTable plans={plans} currency="brl" />);
    expect(screen.getAllByRole("article").map((a) => within(a).getByRole("heading").textContent)).toEqual(["Free", "Pro"]);
    expect(screen.queryByText(/\$99/)).toBeNull();
    // …but the org's current plan is always shown.
    renderWithBilling(<PricingTable plans={plans} currency="brl" currentPlanId="team" />);
    expect(screen.getAllByRole("article", { name: "Team" })).toHaveLength(1);
  });

  it("lists entitlements", () => {
    renderWithBilling(<PricingTable />);
    const team = within(card("Team"));
    expect(team.getByText("Unlimited Standard messages")).toBeTruthy();
    expect(team.getByText("1,000 Premium messages per month")).toBeTruthy();
    expect(team.getByText("Priority support")).toBeTruthy();
  });

  it("shows members the cards without buttons", () => {
    renderWithBilling(<PricingTable />, { setup: (f, a) => f.setQueryResult(a.getOrgBilling, orgBilling("member")) });
    expect(screen.getAllByRole("article")).toHaveLength(3);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("opens the checkout dialog for the chosen plan", async () => {
    const user = userEvent.setup();
    renderWithBilling(<PricingTable />, {
      setup: (f, a) => f.registerActionFake(a.previewCheckout, ({ planId }) => preview({ planId, planName: "Team", total: 99, lines: [{ description: "Team", amount: 99 }] })),
    });
    await user.click(within(card("Team")).getByRole("button", { name: "Upgrade" }));
    expect(await screen.findByRole("dialog", { name: "Upgrade to Team" })).toBeTruthy();
  });

  it("renders plan names and descriptions from Autumn as text, never HTML", () => {
    const evil = "<script>window.__pwned = true</script><img src=x onerror=alert(1)>";
    const plans = PLANS.map((p) => (p.planId === "pro" ? { ...p, name: evil, description: `<b>${evil}</b>` } : p));
    const { container } = renderWithBilling(<PricingTable plans={plans} />);
    expect(screen.getByRole("heading", { name: evil }).textContent).toBe(evil);
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
  });
});
