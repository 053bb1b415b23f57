// The product catalog, in atmn 1.x format. One file feeds both worlds:
// `pnpm catalog:push` (atmn push) sends it to real Autumn, and the local
// sandbox (packages/autumn-sandbox) seeds itself from it at start-up.
// It deliberately covers every kind of feature Autumn has, so the billing
// module is proven on each: boolean, consumable metered, allocated (seats),
// a credit system, a free default plan, two paid plans with an upgrade path
// (one with a 7-day card-required trial) and a one-off add-on credit pack.
// Prices carry a BRL variant so currency formatting is exercised too.
import { feature, item, plan } from "atmn";

// ── Features ────────────────────────────────────────────────────────────────

export const customBranding = feature({
  id: "custom_branding",
  name: "Custom branding",
  type: "boolean",
});

export const prioritySupport = feature({
  id: "priority_support",
  name: "Priority support",
  type: "boolean",
});

export const standardMessages = feature({
  id: "standard_messages",
  name: "Standard messages",
  type: "metered",
  consumable: true,
});

export const premiumMessages = feature({
  id: "premium_messages",
  name: "Premium messages",
  type: "metered",
  consumable: true,
});

export const seats = feature({
  id: "seats",
  name: "Seats",
  type: "metered",
  consumable: false,
});

export const aiCredits = feature({
  id: "ai_credits",
  name: "AI credits",
  type: "credit_system",
  creditSchema: [
    { meteredFeatureId: standardMessages.id, creditCost: 1 },
    { meteredFeatureId: premiumMessages.id, creditCost: 5 },
  ],
});

// ── Plans ───────────────────────────────────────────────────────────────────

export const free = plan({
  id: "free",
  name: "Free",
  description: "For trying things out",
  group: "main",
  autoEnable: true,
  items: [
    item({ featureId: standardMessages.id, included: 50, reset: { interval: "month" } }),
    item({ featureId: seats.id, included: 2 }),
  ],
});

export const pro = plan({
  id: "pro",
  name: "Pro",
  description: "For small teams shipping every day",
  group: "main",
  price: {
    amount: 29,
    interval: "month",
    additionalCurrencies: [{ currency: "brl", amount: 87 }],
  },
  freeTrial: { durationLength: 7, durationType: "day", cardRequired: true },
  items: [
    item({ featureId: standardMessages.id, included: 1000, reset: { interval: "month" } }),
    item({ featureId: premiumMessages.id, included: 100, reset: { interval: "month" } }),
    item({ featureId: seats.id, included: 5 }),
    item({ featureId: customBranding.id }),
  ],
});

export const team = plan({
  id: "team",
  name: "Team",
  description: "For growing organizations",
  group: "main",
  price: {
    amount: 99,
    interval: "month",
    additionalCurrencies: [{ currency: "brl", amount: 297 }],
  },
  items: [
    item({ featureId: standardMessages.id, unlimited: true }),
    item({
      featureId: premiumMessages.id,
      included: 1000,
      reset: { interval: "month" },
      price: {
        amount: 0.02,
        billingMethod: "usage_based",
        billingUnits: 1,
        interval: "month",
        additionalCurrencies: [{ currency: "brl", amount: 0.1 }],
      },
    }),
    item({ featureId: seats.id, included: 20 }),
    item({ featureId: customBranding.id }),
    item({ featureId: prioritySupport.id }),
  ],
});

export const creditPack = plan({
  id: "credit_pack",
  name: "AI credit pack",
  description: "500 AI credits, never expire",
  addOn: true,
  price: {
    amount: 10,
    interval: "one_off",
    additionalCurrencies: [{ currency: "brl", amount: 30 }],
  },
  // A one-off grant: atmn requires an explicit reset on consumable items, and "one_off" means "never resets".
  items: [item({ featureId: aiCredits.id, included: 500, reset: { interval: "one_off" } })],
});
