// BillingTab: every plan status (active, trialing, canceling + Uncancel,
// scheduled downgrade + Keep current plan, past due + Manage billing), usage
// bars, add-ons, cancel with confirmation, invoices, provisioning, and
// read-only rendering for members and admins (no buttons that would fail).
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, formatMoney } from "../format";
import { balance, billingView, currentPlan, DAY_MS, orgBilling, preview } from "../testing/fixtures";
import { renderWithBilling } from "../testing/render";
import type { OrgBillingView, OrgRole } from "../types";
import { BillingTab } from "./BillingTab";

const NOW = Date.UTC(2026, 2, 10, 12);
const PERIOD_END = Date.UTC(2026, 3, 1);
const raw = { normalizer: (text: string) => text.trim() };

function renderTab(view: Partial<OrgBillingView>, role: OrgRole = "owner", extra: Parameters<typeof renderWithBilling>[1] = {}) {
  return renderWithBilling(<BillingTab />, {
    ...extra,
    provider: { now: () => NOW, ...extra.provider },
    setup: (f, a) => { f.setQueryResult(a.getOrgBilling, orgBilling(role, view)); extra.setup?.(f, a); },
  });
}

const proPlan = (overrides: Parameters<typeof currentPlan>[1] = {}) => currentPlan("pro", { currentPeriodEnd: PERIOD_END, ...overrides });
const section = (name: string) => screen.getByRole("region", { name });

describe("BillingTab", () => {
  it("shows the active plan, its price, renewal, usage bars and included features", () => {
    renderTab({
      plan: proPlan(),
      balances: [
        balance("standard_messages", "Standard messages", { granted: 1000, usage: 910, nextResetAt: PERIOD_END }),
        balance("premium_messages", "Premium messages", { granted: 100, usage: 10, nextResetAt: PERIOD_END }),
        balance("seats", "Seats", { granted: 5, usage: 2 }),
        balance("ai_credits", "AI credits", { type: "credit_system", granted: 500, usage: 0 }),
      ],
      flags: [{ featureId: "custom_branding", name: "Custom branding" }],
    });
    const current = within(section("Current plan"));
    expect(current.getByText("Pro")).toBeTruthy();
    expect(current.getByText("Active")).toBeTruthy();
    expect(current.getByText(`${formatMoney(29, "usd")}/month`, raw)).toBeTruthy();
    expect(current.getByText(`Renews on ${formatDate(PERIOD_END)}`)).toBeTruthy();

    const usage = within(section("Usage"));
    const bars = usage.getAllByRole("progressbar");
    expect(bars.map((b) => b.getAttribute("aria-labelledby") && document.getElementById(b.getAttribute("aria-labelledby") ?? "")?.textContent))
      .toEqual(["Standard messages", "Premium messages", "Seats", "AI credits"]);
    expect(usage.getByRole("progressbar", { name: "Standard messages" }).closest(".billing-usage")?.getAttribute("data-level")).toBe("critical");
    expect(usage.getAllByText(`Resets on ${formatDate(PERIOD_END)}`)).toHaveLength(2);
    expect(usage.getByText("Custom branding")).toBeTruthy();
  });

  it("shows trial days left", () => {
    renderTab({ plan: proPlan({ status: "trialing", trialEndsAt: NOW + 3 * DAY_MS, currentPeriodEnd: NOW + 3 * DAY_MS }) });
    const current = within(section("Current plan"));
    expect(current.getByText("Trial")).toBeTruthy();
    expect(current.getByText(/Trial: 3 days left/)).toBeTruthy();
  });

  it("shows the end date of a canceling plan and uncancels it", async () => {
    const user = userEvent.setup();
    const { fake, api } = renderTab({ plan: proPlan({ status: "canceling", canceledAt: NOW - DAY_MS, expiresAt: PERIOD_END }) }, "owner", {
      setup: (f, a) => f.registerActionFake(a.uncancelSubscription, () => null),
    });
    expect(screen.getByText(`Ends on ${formatDate(PERIOD_END)}`)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Cancel plan" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Uncancel" }));
    await waitFor(() => expect(fake.callsTo(api.uncancelSubscription)).toEqual([{ planId: "pro" }]));
    expect(await screen.findByText("Pro will continue.")).toBeTruthy();
  });

  it("shows a scheduled downgrade with Keep current plan", async () => {
    const user = userEvent.setup();
    const { fake, api } = renderTab({
      plan: proPlan({ canceledAt: NOW - DAY_MS }),
      scheduledChange: { planId: "free", planName: "Free", startsAt: PERIOD_END },
    }, "owner", { setup: (f, a) => f.registerActionFake(a.uncancelSubscription, () => null) });
    expect(screen.getByText(`Switches to Free on ${formatDate(PERIOD_END)}`)).toBeTruthy();
    // The Free card says it is scheduled rather than offering another downgrade.
    expect(within(screen.getByRole("article", { name: "Free" })).getByText("Scheduled")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Keep current plan" }));
    await waitFor(() => expect(fake.callsTo(api.uncancelSubscription)).toEqual([{ planId: "pro" }]));
  });

  it("warns about a past-due payment and opens the billing portal", async () => {
    const user = userEvent.setup();
    const { fake, api, redirect } = renderTab({ plan: proPlan({ status: "past_due" }) }, "owner", {
      setup: (f, a) => f.registerActionFake(a.openBillingPortal, () => ({ url: "https://portal.example.test/session/1" })),
    });
    expect(screen.getByRole("alert").textContent).toMatch(/last payment failed.*Update your payment method/);
    await user.click(screen.getByRole("button", { name: "Manage billing" }));
    await waitFor(() => expect(redirect).toHaveBeenCalledWith("https://portal.example.test/session/1"));
    expect(fake.callsTo(api.openBillingPortal)).toEqual([{ returnUrl: "/settings/billing" }]);
  });

  it.each(["member", "admin"] as const)("is read-only for %ss: the same facts, no buttons", (role) => {
    renderTab({
      plan: proPlan({ status: "past_due", canceledAt: NOW }),
      scheduledChange: { planId: "free", planName: "Free", startsAt: PERIOD_END },
      addOns: [{ planId: "credit_pack", planName: "AI credit pack", kind: "purchase", quantity: 2, startedAt: NOW }],
      invoices: [{ stripeId: "in_1", planIds: ["pro"], status: "paid", total: 29, currency: "usd", createdAt: NOW, hostedInvoiceUrl: "https://invoices.example.test/in_1" }],
    }, role);
    expect(screen.queryAllByRole("button")).toEqual([]);
    expect(screen.getByText(`Switches to Free on ${formatDate(PERIOD_END)}`)).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toMatch(/Ask an owner to update the payment method/);
    expect(screen.getByText("You can view billing. Ask an owner to change the plan.")).toBeTruthy();
    expect(screen.getAllByRole("article")).toHaveLength(3);
    expect(screen.getByText(/AI credit pack ×2/)).toBeTruthy();
    expect(screen.getByRole("link", { name: "View" }).getAttribute("href")).toBe("https://invoices.example.test/in_1");
  });

  it("gives owners every action", () => {
    renderTab({ plan: proPlan() });
    for (const name of ["Manage billing", "Cancel plan", "Upgrade", "Downgrade", "Buy AI credit pack"]) {
      expect(screen.getByRole("button", { name })).toBeTruthy();
    }
  });

  it("cancels at the end of the cycle or immediately, after confirmation", async () => {
    const user = userEvent.setup();
    const { fake, api } = renderTab({ plan: proPlan() }, "owner", { setup: (f, a) => f.registerActionFake(a.cancelSubscription, () => null) });
    await user.click(screen.getByRole("button", { name: "Cancel plan" }));
    let dialog = screen.getByRole("dialog", { name: "Cancel Pro?" });
    expect(within(dialog).getByRole("radio", { name: `At the end of the billing period (${formatDate(PERIOD_END)})` })).toHaveProperty("checked", true);
    await user.click(within(dialog).getByRole("button", { name: "Keep plan" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(fake.callsTo(api.cancelSubscription)).toEqual([]);

    await user.click(screen.getByRole("button", { name: "Cancel plan" }));
    dialog = screen.getByRole("dialog", { name: "Cancel Pro?" });
    await user.click(within(dialog).getByRole("radio", { name: "Immediately" }));
    await user.click(within(dialog).getByRole("button", { name: "Cancel plan" }));
    await waitFor(() => expect(fake.callsTo(api.cancelSubscription)).toEqual([{ planId: "pro", cancelAction: "immediately", intentId: expect.any(String) }]));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.getByText("Pro was canceled.")).toBeTruthy();
  });

  it("buys a credit pack through the checkout dialog", async () => {
    const user = userEvent.setup();
    const { fake, api } = renderTab({ plan: proPlan() }, "owner", {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, () => preview({ planId: "credit_pack", planName: "AI credit pack", action: "add_on", total: 10, lines: [{ description: "AI credit pack", amount: 10 }] }));
        f.registerActionFake(a.purchaseAddOn, () => ({ status: "activated" as const }));
      },
    });
    await user.click(screen.getByRole("button", { name: "Buy AI credit pack" }));
    const dialog = await screen.findByRole("dialog", { name: "Buy AI credit pack" });
    await user.click(within(dialog).getByRole("button", { name: "Confirm" }));
    await waitFor(() => expect(fake.callsTo(api.purchaseAddOn)).toEqual([{ planId: "credit_pack", successUrl: "/billing/success?planId=credit_pack", currency: "usd", intentId: expect.any(String) }]));
  });

  it("lists invoices with amounts in their currency", () => {
    renderTab({
      plan: proPlan(),
      invoices: [
        { stripeId: "in_1", planIds: ["pro"], status: "paid", total: 29, currency: "usd", createdAt: NOW - 40 * DAY_MS, hostedInvoiceUrl: null },
        { stripeId: "in_2", planIds: ["pro"], status: "open", total: 87, currency: "brl", createdAt: NOW, hostedInvoiceUrl: "javascript:alert(1)" },
      ],
    });
    const rows = within(section("Invoices")).getAllByRole("row").slice(1);
    expect(rows[0]?.textContent).toContain(formatMoney(87, "brl"));
    expect(rows[0]?.textContent).toContain("Pro");
    expect(rows[1]?.textContent).toContain(formatMoney(29, "usd"));
    // Only http(s) invoice links are rendered.
    expect(within(section("Invoices")).queryByRole("link")).toBeNull();
  });

  it("shows a skeleton while loading, then the tab (no prompt or empty state in between)", () => {
    const { fake, api, container } = renderWithBilling(<BillingTab />, { setup: (f, a) => f.setQueryLoading(a.getOrgBilling) });
    expect(container.querySelector(".billing-tab-skeleton")).not.toBeNull();
    expect(screen.queryByRole("button")).toBeNull();
    act(() => { fake.setQueryResult(api.getOrgBilling, orgBilling("owner", { plan: proPlan() })); });
    expect(container.querySelector(".billing-tab-skeleton")).toBeNull();
    expect(within(section("Current plan")).getByText("Pro")).toBeTruthy();
  });

  it("provisions an unknown org once, then shows it when the query updates", async () => {
    const { fake, api } = renderWithBilling(<><BillingTab /><BillingTab /></>, {
      setup: (f, a) => f.setQueryResult(a.getOrgBilling, orgBilling("owner", { provisioned: false, plan: null, balances: [] })),
    });
    expect(screen.getAllByText("Setting up billing for this organization…")).toHaveLength(2);
    await waitFor(() => expect(fake.callsTo(api.ensureBilling)).toHaveLength(1));
    act(() => { fake.setQueryResult(api.getOrgBilling, orgBilling("owner", { plan: currentPlan("free") })); });
    expect(screen.getAllByRole("region", { name: "Current plan" })).toHaveLength(2);
    expect(fake.callsTo(api.ensureBilling)).toHaveLength(1);
  });

  it("reports a failed provisioning", async () => {
    renderWithBilling(<BillingTab />, {
      setup: (f, a) => {
        f.setQueryResult(a.getOrgBilling, orgBilling("owner", { provisioned: false, plan: null }));
        f.registerActionFake(a.ensureBilling, () => ({ ok: false, error: { code: "AUTUMN_UNAVAILABLE", message: "Autumn is down" } }));
      },
    });
    expect((await screen.findByRole("alert")).textContent).toMatch(/couldn't be set up.*Autumn is down/);
  });

  it("notes a failed background sync", () => {
    renderTab({ plan: proPlan(), lastSyncError: { code: "AUTUMN_UNAVAILABLE", message: "timeout", at: NOW } });
    expect(screen.getByText(/Couldn't refresh from the billing provider/)).toBeTruthy();
  });

  it("renders names from Autumn as text", () => {
    const evil = "<script>document.title='pwned'</script>";
    const { container } = renderTab({
      plan: { ...proPlan(), name: evil },
      balances: [balance("standard_messages", `<img src=x onerror=alert(1)>`, { granted: 10, usage: 1 })],
      flags: [{ featureId: "custom_branding", name: evil }],
    });
    expect(within(section("Current plan")).getByText(evil)).toBeTruthy();
    expect(screen.getByRole("progressbar", { name: "<img src=x onerror=alert(1)>" })).toBeTruthy();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
  });

  it("hides the usage chart when the API has no getUsageHistory, and shows it (loaded on demand) when it does", async () => {
    const { unmount } = renderTab({ plan: proPlan() });
    expect(screen.queryByRole("region", { name: "Usage over time" })).toBeNull();
    unmount();
    const day = Date.UTC(2026, 2, 9);
    renderTab({ plan: proPlan() }, "owner", {
      usageHistory: true,
      setup: (f, a) => {
        if (!a.getUsageHistory) throw new Error("test api without getUsageHistory");
        f.setQueryResult(a.getUsageHistory, { from: day, to: day + DAY_MS, series: [{ featureId: "standard_messages", name: "Standard messages", points: [{ day, units: 12 }, { day: day + DAY_MS, units: 3 }] }] });
      },
    });
    const chart = within(section("Usage over time"));
    // The chart is a lazy chunk: a cold import of recharts can take over findBy's default 1 s on a loaded machine.
    expect(await chart.findByRole("table", { name: "Usage per day" }, { timeout: 10_000 })).toBeTruthy();
    expect(chart.getByRole("columnheader", { name: "Standard messages" })).toBeTruthy();
    expect(chart.getAllByRole("cell").map((c) => c.textContent)).toEqual(["12", "3"]);
  });

  it("shows the plan history when the api has getSubscriptionHistory", () => {
    renderTab({ plan: proPlan() }, "member", {
      subscriptionHistory: true,
      setup: (f, a) => {
        if (!a.getSubscriptionHistory) throw new Error("test api without getSubscriptionHistory");
        f.setQueryResult(a.getSubscriptionHistory, [
          { organizationId: "org_1", planId: "pro", planName: "Pro", change: "trial_started", at: NOW - 10 * DAY_MS },
          { organizationId: "org_1", planId: "pro", planName: "Pro", change: "trial_converted", at: NOW - 3 * DAY_MS },
        ]);
      },
    });
    const rows = within(section("History")).getAllByRole("row").slice(1).map((r) => r.textContent);
    expect(rows).toEqual([`${formatDateTime(NOW - 3 * DAY_MS)}ProTrial converted`, `${formatDateTime(NOW - 10 * DAY_MS)}ProTrial started`]);
  });
});
