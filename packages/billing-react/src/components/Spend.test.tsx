// Owner spend controls in the UI (issue 14): the controls form (validation,
// owner vs member), alerts list + add, auto top-up, the bell (unread count,
// list, mark all read), the past-due banner (Pay now for owners, ask an owner
// otherwise), next charge with and without overage, card states, and the
// paged invoice history; and QUOTA_EXCEEDED's message per limit type.
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexProvider } from "convex/react";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { useState, type ReactElement } from "react";
import { describe, expect, it, vi } from "vitest";
import { BillingProvider } from "../BillingProvider";
import { describeBillingError } from "../errors";
import type { BillingSpendApi, SpendBillingControls, SpendControlsView } from "../spendApi";
import { createFakeConvex, type FakeConvexClient } from "../testing/fakeConvex";
import { orgBilling, PLANS } from "../testing/fixtures";
import { createTestBillingApi } from "../testing/testApi";
import { AlertsBell } from "./AlertsBell";
import { InvoiceHistory } from "./InvoiceHistory";
import { NextCharge } from "./NextCharge";
import { PastDueBanner } from "./PastDueBanner";
import { PaymentMethod } from "./PaymentMethod";
import { SpendControls } from "./SpendControls";
import { UsageAlertsForm } from "./UsageAlertsForm";

const q = (n: string) => makeFunctionReference<"query">(n);
const a = (n: string) => makeFunctionReference<"action">(n);
const spendApi = {
  getSpendControls: q("billing/controlsApi:getSpendControls"), setSpendLimit: a("billing/controlsApi:setSpendLimit"),
  setUsageLimit: a("billing/controlsApi:setUsageLimit"), setOverageAllowed: a("billing/controlsApi:setOverageAllowed"),
  setUsageAlerts: a("billing/controlsApi:setUsageAlerts"), setAutoTopup: a("billing/topups:setAutoTopup"),
  listNotifications: q("billing/notifications:listNotifications"), unreadCount: q("billing/notifications:unreadCount"),
  markRead: makeFunctionReference<"mutation">("billing/notifications:markRead"),
  getNextCharge: q("billing/invoices:getNextCharge"), getPastDue: q("billing/invoices:getPastDue"),
  openPaymentSetup: a("billing/invoices:openPaymentSetup"), getPaymentMethod: a("billing/invoices:getPaymentMethod"),
  listInvoices: a("billing/invoices:listInvoices"),
} as unknown as BillingSpendApi;

const EMPTY: SpendBillingControls = { usageLimits: [], spendLimits: [], overageAllowed: [], usageAlerts: [], autoTopups: [] };
const FEATURES = [
  { featureId: "premium_messages", name: "Premium messages", type: "metered", usageBased: true },
  { featureId: "standard_messages", name: "Standard messages", type: "metered", usageBased: false },
];
const view = (canManage: boolean, controls: Partial<SpendBillingControls> = {}): SpendControlsView => ({ controls: { ...EMPTY, ...controls }, features: FEATURES, canManage });

function renderSpend(ui: ReactElement, setup: (f: FakeConvexClient) => void = () => {}) {
  const fake = createFakeConvex();
  const api = { ...createTestBillingApi(), ...spendApi };
  fake.setQueryResult(api.listPlans, PLANS);
  fake.setQueryResult(api.getOrgBilling, orgBilling("owner"));
  fake.registerActionFake(api.ensureBilling, () => ({ ok: true, error: null }));
  setup(fake);
  const redirect = vi.fn<(url: string) => void>();
  render(<ConvexProvider client={fake.client}><BillingProvider api={api} redirect={redirect} onNavigate={vi.fn()}>{ui}</BillingProvider></ConvexProvider>);
  return { fake, redirect };
}

describe("SpendControls", () => {
  it("owners set a usage limit (validated first) and a spend limit; Remove clears", async () => {
    const user = userEvent.setup();
    const { fake } = renderSpend(<SpendControls />, (f) => {
      f.setQueryResult(spendApi.getSpendControls, view(true, { spendLimits: [{ featureId: "premium_messages", enabled: true, limitType: "absolute", overageLimit: 20, skipOverageBilling: false, source: "customer" }] }));
      f.registerActionFake(spendApi.setUsageLimit, () => EMPTY);
      f.registerActionFake(spendApi.setSpendLimit, () => EMPTY);
    });
    const std = screen.getByTestId("usage-limit-standard_messages");
    expect(within(std).getByText("No limit")).toBeTruthy();
    const input = within(std).getByLabelText("Usage limit for Standard messages");
    await user.type(input, "-3");
    await user.click(within(std).getByRole("button", { name: "Save limit" }));
    expect(within(std).getByRole("alert").textContent).toBe("Enter 0 or more");
    expect(fake.callsTo(spendApi.setUsageLimit)).toEqual([]);
    await user.clear(input);
    await user.type(input, "100");
    await user.selectOptions(within(std).getByLabelText("Period for Standard messages"), "day");
    await user.click(within(std).getByRole("button", { name: "Save limit" }));
    expect(fake.callsTo(spendApi.setUsageLimit)).toEqual([{ featureId: "standard_messages", limit: 100, interval: "day" }]);
    const prem = screen.getByTestId("spend-limit-premium_messages");
    expect(within(prem).getByText("$20.00 of overage a month")).toBeTruthy();
    await user.click(within(prem).getByRole("button", { name: "Remove" }));
    expect(fake.callsTo(spendApi.setSpendLimit)).toEqual([{ featureId: "premium_messages", overageLimit: null }]);
  });

  it("shows a server INVALID_ARGUMENT in place", async () => {
    const user = userEvent.setup();
    renderSpend(<SpendControls />, (f) => {
      f.setQueryResult(spendApi.getSpendControls, view(true));
      f.registerActionFake(spendApi.setUsageLimit, () => { throw new ConvexError({ code: "INVALID_ARGUMENT", message: "no", field: "limit" }); });
    });
    const std = screen.getByTestId("usage-limit-standard_messages");
    await user.type(within(std).getByLabelText("Usage limit for Standard messages"), "5");
    await user.click(within(std).getByRole("button", { name: "Save limit" }));
    await waitFor(() => expect(within(std).getByRole("alert").textContent).toMatch(/isn't valid/));
  });

  it("members see the limits read-only and whom to ask", () => {
    renderSpend(<SpendControls />, (f) => f.setQueryResult(spendApi.getSpendControls, view(false, {
      usageLimits: [{ featureId: "standard_messages", enabled: true, limit: 100, interval: "month", anchor: "billing_cycle", filter: [], usage: 12, windowEndsAt: null, source: "customer" }],
    })));
    expect(screen.getByText("Only owners can change limits. Ask an owner to raise one.")).toBeTruthy();
    expect(screen.getByText("100 per month · 12 used")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });
});

describe("SpendControls: only what the org holds", () => {
  it("hides features the org has no balance of, and the overage row where its plan bills no usage", () => {
    renderSpend(<SpendControls />, (f) => f.setQueryResult(spendApi.getSpendControls, { ...view(true), features: [
      { ...FEATURES[0]!, included: true, overage: false }, { ...FEATURES[1]!, included: true, overage: false },
      { featureId: "ai_credits", name: "AI credits", type: "credit_system", usageBased: false, included: false, overage: false },
    ] }));
    expect(screen.queryByTestId("usage-limit-ai_credits")).toBeNull();
    expect(screen.getByTestId("usage-limit-premium_messages")).toBeTruthy();
    expect(screen.queryByTestId("spend-limit-premium_messages")).toBeNull();
  });
});

describe("UsageAlertsForm", () => {
  it("lists alerts and adds an 80 % alert to the whole list", async () => {
    const user = userEvent.setup();
    const { fake } = renderSpend(<UsageAlertsForm />, (f) => {
      f.setQueryResult(spendApi.getSpendControls, view(true, { usageAlerts: [{ featureId: "premium_messages", enabled: true, threshold: 10, thresholdType: "remaining", basis: "balance", filter: [], name: null, source: "customer" }] }));
      f.registerActionFake(spendApi.setUsageAlerts, () => EMPTY);
    });
    expect(screen.getByText("10 Premium messages left")).toBeTruthy();
    await user.selectOptions(screen.getByLabelText("Feature"), "standard_messages");
    await user.click(screen.getByRole("button", { name: "Add alert" }));
    expect(fake.callsTo(spendApi.setUsageAlerts)).toEqual([{ alerts: [
      { featureId: "premium_messages", thresholdType: "remaining", threshold: 10 },
      { featureId: "standard_messages", thresholdType: "usage_percentage", threshold: 80 },
    ] }]);
  });
});

describe("AlertsBell", () => {
  it("shows the unread count, the list when opened, and marks all read", async () => {
    const user = userEvent.setup();
    const { fake } = renderSpend(<AlertsBell />, (f) => {
      f.setQueryResult(spendApi.unreadCount, { count: 1, capped: false });
      f.setQueryResult(spendApi.listNotifications, [{ _id: "n1", _creationTime: 1, organizationId: "o", kind: "usage_alert", featureId: "standard_messages",
        title: "80% of Standard messages used", body: "Your organization has used 80%.", dedupeKey: "k", source: "cache", createdAt: Date.UTC(2026, 0, 1), read: false }]);
      f.registerMutationFake(spendApi.markRead, () => 1);
    });
    const bell = screen.getByRole("button", { name: "Notifications, 1 unread" });
    await user.click(bell);
    expect(screen.getByText("80% of Standard messages used")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Mark all read" }));
    expect(fake.callsTo(spendApi.markRead)).toEqual([{}]);
    act(() => { fake.setQueryResult(spendApi.unreadCount, { count: 0, capped: false }); });
    expect(screen.getByRole("button", { name: "Notifications" })).toBeTruthy();
  });
});

describe("PastDueBanner", () => {
  const due = { pastDue: true, openInvoices: [{ invoiceId: "in_1", total: 29, currency: "usd", createdAt: 1, hostedInvoiceUrl: null }] };
  it("owners: Pay now opens the payment page; the banner goes when the state clears", async () => {
    const user = userEvent.setup();
    const { fake, redirect } = renderSpend(<PastDueBanner />, (f) => {
      f.setQueryResult(spendApi.getPastDue, { ...due, canPay: true });
      f.registerActionFake(spendApi.openPaymentSetup, () => ({ url: "https://pay.example/cs_1" }));
    });
    expect(screen.getByRole("alert").textContent).toContain("$29.00 is unpaid");
    await user.click(screen.getByRole("button", { name: "Pay now" }));
    expect(fake.callsTo(spendApi.openPaymentSetup)).toEqual([{ returnUrl: "/settings/billing" }]);
    expect(redirect).toHaveBeenCalledWith("https://pay.example/cs_1");
    act(() => { fake.setQueryResult(spendApi.getPastDue, { pastDue: false, openInvoices: [], canPay: true }); });
    expect(screen.queryByTestId("past-due-banner")).toBeNull();
  });
  it("members are told to ask an owner", () => {
    renderSpend(<PastDueBanner />, (f) => f.setQueryResult(spendApi.getPastDue, { ...due, canPay: false }));
    expect(screen.queryByRole("button", { name: "Pay now" })).toBeNull();
    expect(screen.getByText("Ask an owner to pay the open invoice.")).toBeTruthy();
  });
});

describe("NextCharge, PaymentMethod, InvoiceHistory", () => {
  it("next charge with projected overage, without, and none", () => {
    const at = Date.UTC(2026, 3, 1);
    renderSpend(<NextCharge />, (f) => f.setQueryResult(spendApi.getNextCharge, { planId: "team", planName: "Team", at, currency: "usd", planAmount: 99,
      overageSoFar: 0.2, projectedOverage: 1.5, total: 100.5, lines: [{ description: "Team", amount: 99, featureId: null }, { description: "Premium messages over 1000 included", amount: 1.5, featureId: "premium_messages" }] }));
    expect(screen.getByTestId("next-charge").textContent).toContain("$100.50");
    expect(screen.getByText("(projected)", { exact: false })).toBeTruthy();
    expect(screen.getByText("Overage so far this period: $0.20")).toBeTruthy();
  });
  it("next charge without overage, and none at all", () => {
    renderSpend(<><NextCharge /></>, (f) => f.setQueryResult(spendApi.getNextCharge, { planId: "pro", planName: "Pro", at: Date.UTC(2026, 3, 1), currency: "usd", planAmount: 29,
      overageSoFar: 0, projectedOverage: 0, total: 29, lines: [{ description: "Pro", amount: 29, featureId: null }] }));
    expect(screen.getByTestId("next-charge").textContent).toContain("$29.00");
    expect(screen.queryByText("(projected)", { exact: false })).toBeNull();
  });
  it("card on file, no card, and Update card for owners", async () => {
    const user = userEvent.setup();
    const { redirect } = renderSpend(<PaymentMethod canManage />, (f) => {
      f.registerActionFake(spendApi.getPaymentMethod, () => ({ brand: "visa", last4: "4242", expMonth: 12, expYear: 2034 }));
      f.registerActionFake(spendApi.openPaymentSetup, () => ({ url: "https://pay.example/setup" }));
    });
    expect(await screen.findByText("Visa ending in 4242, expires 12/2034")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Update card" }));
    expect(redirect).toHaveBeenCalledWith("https://pay.example/setup");
  });
  it("no card on file: members get no button", async () => {
    renderSpend(<PaymentMethod canManage={false} />, (f) => f.registerActionFake(spendApi.getPaymentMethod, () => null));
    expect(await screen.findByText("No card on file.")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });
  it("invoice history pages with Show more", async () => {
    const user = userEvent.setup();
    const inv = (n: number) => ({ invoiceId: `in_${n}`, number: `in_${n}`, status: "paid", total: 10, currency: "usd", createdAt: Date.UTC(2026, 0, n), planIds: ["credit_pack"], hostedInvoiceUrl: `https://inv.example/${n}` });
    const { fake } = renderSpend(<InvoiceHistory pageSize={1} />, (f) => f.registerActionFake(spendApi.listInvoices, ({ cursor }) =>
      cursor ? { invoices: [inv(1)], nextCursor: null } : { invoices: [inv(2)], nextCursor: "c1" }));
    expect(await screen.findByText("in_2", { selector: ".billing-invoice__number" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Show more" }));
    expect(await screen.findByText("in_1", { selector: ".billing-invoice__number" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Show more" })).toBeNull();
    expect(fake.callsTo(spendApi.listInvoices)).toEqual([{ cursor: null, limit: 1 }, { cursor: "c1", limit: 1 }]);
  });
  it("invoice history re-reads its first page when the cached billing state learns of a new invoice (refreshKey)", async () => {
    const user = userEvent.setup();
    const inv = (n: number, status: string) => ({ invoiceId: `in_${n}`, number: `in_${n}`, status, total: 99, currency: "usd", createdAt: Date.UTC(2026, 0, n), planIds: ["team"], hostedInvoiceUrl: null });
    let renewalFailed = false;
    function Harness() {
      const [key, setKey] = useState("in_1:paid");
      return (
        <>
          <button type="button" onClick={() => { renewalFailed = true; setKey("in_1:paid,in_2:open"); }}>renewal fails</button>
          <InvoiceHistory refreshKey={key} />
        </>
      );
    }
    const { fake } = renderSpend(<Harness />, (f) => f.registerActionFake(spendApi.listInvoices, () =>
      ({ invoices: renewalFailed ? [inv(2, "open"), inv(1, "paid")] : [inv(1, "paid")], nextCursor: null })));
    expect(await screen.findByText("in_1", { selector: ".billing-invoice__number" })).toBeTruthy();
    expect(screen.queryByText("in_2", { selector: ".billing-invoice__number" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "renewal fails" }));
    expect(await screen.findByText("in_2", { selector: ".billing-invoice__number" })).toBeTruthy();
    expect(fake.callsTo(spendApi.listInvoices)).toHaveLength(2);
  });
});

describe("QUOTA_EXCEEDED per limit type", () => {
  const err = (limitType: string) => new ConvexError({ code: "QUOTA_EXCEEDED", message: "x", featureId: "standard_messages", limitType });
  it("an org-set limit: owners raise it, others ask an owner; the plan's grant still says upgrade", () => {
    expect(describeBillingError(err("usage_limit"), { canManage: true })).toMatchObject({ action: { kind: "manage_billing", label: "Raise the limit" } });
    expect(describeBillingError(err("spend_limit"), { canManage: false })).toMatchObject({ action: null, message: expect.stringContaining("Ask an owner") });
    expect(describeBillingError(err("included"), { canManage: true })).toMatchObject({ action: { kind: "upgrade" } });
  });
});
