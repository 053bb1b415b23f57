// Test data shaped like the backend's answers, modelled on autumn.config.ts:
// free (default), pro ($29 / R$87, 7-day trial), team ($99 / R$297) and a
// one-off AI credit pack add-on. Builders take overrides for each state.
import type { Balance, CheckoutPreview, CurrentPlan, FeatureCheck, OrgBilling, OrgBillingView, OrgRole, Plan, PlanItem } from "../types";

export const DAY_MS = 86_400_000;

function item(featureId: string, featureName: string, overrides: Partial<PlanItem> = {}): PlanItem {
  return {
    featureId, featureName, featureType: "metered", consumable: true, display: null,
    included: 0, unlimited: false, reset: { interval: "month", intervalCount: 1 }, price: null, ...overrides,
  };
}

function plan(overrides: Partial<Plan> & Pick<Plan, "planId" | "name" | "sortKey">): Plan {
  return {
    version: 1, description: null, group: "main", addOn: false, autoEnable: false, price: null, freeTrial: null,
    items: [], archived: false, syncedAt: 0, ...overrides,
  };
}

const monthly = (amount: number, brl: number) => ({
  amount, currency: "usd", interval: "month", intervalCount: 1, additionalCurrencies: [{ currency: "brl", amount: brl }],
});

export const PLANS: Plan[] = [
  plan({
    planId: "free", name: "Free", sortKey: 0, autoEnable: true, description: "For trying things out",
    items: [item("standard_messages", "Standard messages", { included: 50 }), item("seats", "Seats", { included: 2, consumable: false, reset: null })],
  }),
  plan({
    planId: "pro", name: "Pro", sortKey: 29, description: "For small teams shipping every day", price: monthly(29, 87),
    freeTrial: { durationLength: 7, durationType: "day", cardRequired: true },
    items: [
      item("standard_messages", "Standard messages", { included: 1000 }),
      item("premium_messages", "Premium messages", { included: 100 }),
      item("seats", "Seats", { included: 5, consumable: false, reset: null }),
      item("custom_branding", "Custom branding", { featureType: "boolean", reset: null }),
    ],
  }),
  plan({
    planId: "team", name: "Team", sortKey: 99, description: "For growing organizations", price: monthly(99, 297),
    items: [
      item("standard_messages", "Standard messages", { unlimited: true }),
      item("premium_messages", "Premium messages", { included: 1000 }),
      item("seats", "Seats", { included: 20, consumable: false, reset: null }),
      item("custom_branding", "Custom branding", { featureType: "boolean", reset: null }),
      item("priority_support", "Priority support", { featureType: "boolean", reset: null }),
    ],
  }),
  plan({
    planId: "credit_pack", name: "AI credit pack", sortKey: 1000, group: null, addOn: true, description: "500 AI credits, never expire",
    price: { amount: 10, currency: "usd", interval: "one_off", intervalCount: 1, additionalCurrencies: [{ currency: "brl", amount: 30 }] },
    items: [item("ai_credits", "AI credits", { featureType: "credit_system", included: 500, reset: { interval: "one_off", intervalCount: 1 } })],
  }),
];

export function planById(planId: string): Plan {
  const found = PLANS.find((p) => p.planId === planId);
  if (!found) throw new Error(`No fixture plan ${planId}`);
  return found;
}

export function balance(featureId: string, name: string, overrides: Partial<Balance> = {}): Balance {
  return {
    featureId, name, type: "metered", display: null, granted: 100, remaining: 100, usage: 0, unlimited: false,
    overageAllowed: false, maxPurchase: null, nextResetAt: null, ...overrides,
  };
}

export function currentPlan(planId: string, overrides: Partial<CurrentPlan> = {}): CurrentPlan {
  const p = planById(planId);
  return {
    planId, name: p.name, status: "active", trialEndsAt: null, canceledAt: null, expiresAt: null,
    currentPeriodEnd: null, price: p.price, ...overrides,
  };
}

export function billingView(overrides: Partial<OrgBillingView> = {}): OrgBillingView {
  return {
    organizationId: "org_1", provisioned: true, plan: currentPlan("free"), scheduledChange: null, addOns: [],
    balances: [
      balance("standard_messages", "Standard messages", { granted: 50, usage: 10, remaining: 40 }),
      balance("seats", "Seats", { granted: 2, usage: 1, remaining: 1 }),
    ],
    flags: [], invoices: [], syncedAt: 0, lastSyncError: null, ...overrides,
  };
}

export function orgBilling(role: OrgRole = "owner", overrides: Partial<OrgBillingView> = {}): OrgBilling {
  return { billing: billingView(overrides), role, canManage: role === "owner" };
}

export function featureCheck(featureId: string, overrides: Partial<FeatureCheck> = {}): FeatureCheck {
  return {
    featureId, allowed: true, included: true, unlimited: false, balance: null, usage: null, granted: null,
    nextResetAt: null, reason: "ok", requiredBalance: 1, ...overrides,
  };
}

export function preview(overrides: Partial<CheckoutPreview> = {}): CheckoutPreview {
  return {
    planId: "pro", planName: "Pro", action: "upgrade", lines: [{ description: "Pro - Base price", amount: 29 }],
    total: 29, currency: "usd", effectiveAt: null, nextCycle: null, requiresRedirect: false, ...overrides,
  };
}
