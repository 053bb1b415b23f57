// Charging what is shown: the currency picker (default from the locale,
// only the catalog's currencies), the locked currency after the first
// payment (no picker, a short note, prices and checkout in that currency,
// plans without it hidden), CURRENCY_MISMATCH, and the trial button states
// driven by Autumn's eligibility (a card never announces a trial that the
// checkout would then charge for).
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { currencyForLocale, formatMoney, planOffersCurrency } from "../format";
import { currentPlan, orgBilling, PLANS, preview } from "../testing/fixtures";
import { renderWithBilling } from "../testing/render";
import type { BillingApi } from "../api";
import type { FakeConvexClient } from "../testing/fakeConvex";
import type { PlanEligibility } from "../types";
import { BillingTab } from "./BillingTab";
import { CurrencySelect } from "./CurrencySelect";
import { PricingTable } from "./PricingTable";

const card = (name: string) => screen.getByRole("article", { name });
const raw = { normalizer: (text: string) => text.trim() };

function eligibility(planId: string, overrides: Partial<PlanEligibility> = {}): PlanEligibility {
  return { planId, attachAction: "upgrade", trialAvailable: null, status: null, canceling: false, trialing: false, ...overrides };
}

function Pricing() {
  return (
    <>
      <CurrencySelect />
      <PricingTable />
    </>
  );
}

describe("currency", () => {
  it("defaults from the locale: pt-BR → BRL, anything else → USD", () => {
    expect(currencyForLocale("pt-BR")).toBe("brl");
    expect(currencyForLocale("pt_br")).toBe("brl");
    expect(currencyForLocale("pt-PT")).toBe("usd");
    expect(currencyForLocale("en-US")).toBe("usd");
    expect(currencyForLocale(undefined)).toBe("usd");

    renderWithBilling(<Pricing />, { provider: { locale: "pt-BR" } });
    expect((screen.getByTestId("currency") as HTMLSelectElement).value).toBe("brl");
    expect(within(card("Pro")).getByText(`${formatMoney(87, "brl")}/month`, raw)).toBeTruthy();
  });

  it("offers only the catalog's currencies; a locale currency the catalog lacks falls back to the base one", () => {
    renderWithBilling(<Pricing />, { provider: { defaultCurrency: "eur" } });
    const select = screen.getByTestId("currency") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["usd", "brl"]);
    expect(select.value).toBe("usd");
    expect(within(card("Pro")).getByText(/^\$29\.00\/month$/)).toBeTruthy();
  });

  it("the pick changes every price and what the checkout quotes and charges", async () => {
    const user = userEvent.setup();
    const { fake, api } = renderWithBilling(<Pricing />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, ({ planId, currency }) => preview({
          planId, planName: "Team", action: "upgrade", currency: currency ?? "usd", total: 297, lines: [{ description: "Team - Base price", amount: 297 }], requiresRedirect: true,
        }));
        f.registerActionFake(a.checkout, () => ({ status: "redirect" as const, paymentUrl: "https://pay.example.test/c/1" }));
      },
    });
    await user.selectOptions(screen.getByTestId("currency"), "brl");
    expect(within(card("Team")).getByText(`${formatMoney(297, "brl")}/month`, raw)).toBeTruthy();
    expect(screen.queryByText(/^\$/, { selector: ".billing-plan-card__price" })).toBeNull();

    await user.click(within(card("Team")).getByRole("button", { name: "Upgrade" }));
    const dialog = await screen.findByRole("dialog", { name: "Upgrade to Team" });
    expect(within(dialog).getByRole("row", { name: /Total due today/ }).textContent).toContain(formatMoney(297, "brl"));
    await user.click(within(dialog).getByRole("button", { name: "Continue to payment" }));
    expect(fake.callsTo(api.previewCheckout)).toEqual([{ planId: "team", currency: "brl" }]);
    expect(fake.callsTo(api.checkout)).toEqual([{ planId: "team", successUrl: "/billing/success?planId=team", currency: "brl", intentId: expect.any(String) }]);
  });

  it("once the first payment locked the org's currency: no picker, a short note, only that currency", async () => {
    const user = userEvent.setup();
    const plans = PLANS.map((p) => (p.planId === "team" && p.price ? { ...p, price: { ...p.price, additionalCurrencies: [] } } : p));
    const { fake, api } = renderWithBilling(<Pricing />, {
      // The visitor's locale would say USD: the lock wins.
      provider: { locale: "en-US" },
      setup: (f, a) => {
        f.setQueryResult(a.listPlans, plans);
        f.setQueryResult(a.getOrgBilling, orgBilling("owner", { plan: currentPlan("pro"), currency: "brl" }));
        f.registerActionFake(a.previewCheckout, () => preview({ planId: "free", planName: "Free", action: "downgrade", currency: "brl", total: 0, lines: [], effectiveAt: Date.UTC(2026, 4, 1) }));
      },
    });
    expect(screen.queryByTestId("currency")).toBeNull();
    expect(screen.getByTestId("currency-locked").textContent).toBe("Prices in BRL: your organization is billed in BRL since its first payment.");
    expect(within(card("Pro")).getByText(`${formatMoney(87, "brl")}/month`, raw)).toBeTruthy();
    // Team has no BRL price: not offered at all (never "$99.00" next to "R$ 87,00").
    expect(screen.getAllByRole("article").map((a) => within(a).getByRole("heading").textContent)).toEqual(["Free", "Pro"]);
    expect(screen.queryByText(/\$\d/)).toBeNull();
    await user.click(within(card("Free")).getByRole("button", { name: "Downgrade" }));
    await screen.findByRole("dialog", { name: "Switch to Free" });
    expect(fake.callsTo(api.previewCheckout)).toEqual([{ planId: "free", currency: "brl" }]);
  });

  it("the billing tab shows the locked currency on the current plan, the plans and the add-ons", () => {
    renderWithBilling(<BillingTab />, {
      setup: (f, a) => f.setQueryResult(a.getOrgBilling, orgBilling("owner", {
        plan: currentPlan("pro"), currency: "brl",
        invoices: [{ stripeId: "in_1", planIds: ["pro"], status: "paid", total: 87, currency: "brl", createdAt: Date.UTC(2026, 2, 1), hostedInvoiceUrl: null }],
      })),
    });
    const current = screen.getByRole("region", { name: "Current plan" });
    expect(within(current).getByText(`${formatMoney(87, "brl")}/month`, raw)).toBeTruthy();
    expect(screen.getByTestId("currency-locked")).toBeTruthy();
    expect(within(card("Team")).getByText(`${formatMoney(297, "brl")}/month`, raw)).toBeTruthy();
    expect(within(screen.getByRole("region", { name: "Add-ons" })).getByText(/^R\$\s30,00 one-time/)).toBeTruthy();
    expect(within(screen.getByRole("region", { name: "Invoices" })).getByText(formatMoney(87, "brl"), raw)).toBeTruthy();
  });

  it("planOffersCurrency: free plans in any currency, paid ones only with a price in it", () => {
    const [free, pro] = PLANS;
    expect(free && planOffersCurrency(free, "eur")).toBe(true);
    expect(pro && planOffersCurrency(pro, "BRL")).toBe(true);
    expect(pro && planOffersCurrency(pro, "eur")).toBe(false);
  });

  it("Autumn's currency mismatch reads as a typed, plain message in the dialog", async () => {
    const user = userEvent.setup();
    renderWithBilling(<PricingTable />, {
      setup: (f, a) => f.registerActionFake(a.previewCheckout, () => {
        throw new ConvexError({ code: "CURRENCY_MISMATCH", message: "Customer is locked to BRL", lockedCurrency: "brl" });
      }),
    });
    await user.click(within(card("Team")).getByRole("button", { name: "Upgrade" }));
    const alert = await screen.findByRole("alert");
    expect(alert.getAttribute("data-code")).toBe("CURRENCY_MISMATCH");
    expect(alert.textContent).toBe("This organization is billed in BRL. Prices are shown in BRL; try again.");
  });
});

describe("trial button states (Autumn's eligibility)", () => {
  const withEligibility = (rows: PlanEligibility[]) => (f: FakeConvexClient, a: BillingApi) =>
    f.setQueryResult(a.getOrgBilling, orgBilling("owner", { eligibility: rows }));

  it("trial available → Start trial, with the trial announced", () => {
    renderWithBilling(<PricingTable />, { setup: withEligibility([eligibility("pro", { trialAvailable: true })]) });
    expect(within(card("Pro")).getByRole("button", { name: "Start trial" })).toBeTruthy();
    expect(within(card("Pro")).getByText("7-day free trial")).toBeTruthy();
  });

  it("trial used (this org or its owner's other org) → Upgrade, no trial announced, billed from day one", () => {
    renderWithBilling(<PricingTable />, { setup: withEligibility([eligibility("pro", { trialAvailable: false })]) });
    expect(within(card("Pro")).queryByRole("button", { name: "Start trial" })).toBeNull();
    expect(within(card("Pro")).getByRole("button", { name: "Upgrade" })).toBeTruthy();
    expect(within(card("Pro")).queryByText("7-day free trial")).toBeNull();
    expect(within(card("Pro")).getByTestId("trial-used").textContent).toBe("Free trial already used: billed from day one");
  });

  it("a plan without a trial never offers one; a downgrade never does either", () => {
    renderWithBilling(<PricingTable />, {
      setup: (f, a) => f.setQueryResult(a.getOrgBilling, orgBilling("owner", {
        plan: currentPlan("team"),
        eligibility: [eligibility("pro", { attachAction: "downgrade", trialAvailable: true }), eligibility("team", { attachAction: "none", status: "active" })],
      })),
    });
    expect(within(card("Pro")).getByRole("button", { name: "Downgrade" })).toBeTruthy();
    expect(within(card("Pro")).queryByText("7-day free trial")).toBeNull();
    expect(within(card("Pro")).queryByTestId("trial-used")).toBeNull();
  });

  it("without cached eligibility: a trial from the free plan only, not while trialing", () => {
    renderWithBilling(<PricingTable />);
    expect(within(card("Pro")).getByRole("button", { name: "Start trial" })).toBeTruthy();
  });

  it("a card that announced a trial: if Autumn will charge instead, the dialog says so before anything is paid", async () => {
    const user = userEvent.setup();
    renderWithBilling(<PricingTable />, {
      setup: (f, a) => {
        withEligibility([eligibility("pro", { trialAvailable: true })])(f, a);
        // The trial was used in the meantime (another org of the same owner): Autumn quotes the full price.
        f.registerActionFake(a.previewCheckout, () => preview({ planId: "pro", action: "new", total: 29, requiresRedirect: true }));
      },
    });
    await user.click(within(card("Pro")).getByRole("button", { name: "Start trial" }));
    const dialog = await screen.findByRole("dialog", { name: "Subscribe to Pro" });
    expect(within(dialog).getByTestId("no-trial").textContent).toBe(`No free trial is available for this organization: ${formatMoney(29, "usd")} is due today.`);
    expect(within(dialog).getByRole("row", { name: /Total due today/ }).textContent).toContain(formatMoney(29, "usd"));
  });

  it("a trial that is really a trial shows nothing due today and no warning", async () => {
    const user = userEvent.setup();
    renderWithBilling(<PricingTable />, {
      setup: (f, a) => {
        withEligibility([eligibility("pro", { trialAvailable: true })])(f, a);
        f.registerActionFake(a.previewCheckout, () => preview({
          planId: "pro", action: "trial", total: 0, lines: [{ description: "Pro - 7-day free trial", amount: 0 }],
          nextCycle: { startsAt: Date.UTC(2026, 3, 8), total: 29 }, requiresRedirect: true,
        }));
      },
    });
    await user.click(within(card("Pro")).getByRole("button", { name: "Start trial" }));
    const dialog = await screen.findByRole("dialog", { name: "Start your Pro trial" });
    expect(within(dialog).queryByTestId("no-trial")).toBeNull();
    expect(within(dialog).getByRole("row", { name: /Total due today/ }).textContent).toContain(formatMoney(0, "usd"));
  });
});
