// @vitest-environment jsdom
// The example's UI over its own api: <BillingGuard> shows the metered
// feature while checkFeature allows it and the fallback once it does not.
import { createFakeConvex, featureCheck, orgBilling, PLANS } from "@billing/react/testing";
import { cleanup, render, screen } from "@testing-library/react";
import { ConvexProvider } from "convex/react";
import { afterEach, describe, expect, it } from "vitest";
import { api } from "../convex/_generated/api";
import { Billing, billingApi, Summarizer } from "./billing";

afterEach(() => cleanup());

function renderSummarizer(allowed: boolean) {
  const fake = createFakeConvex();
  fake.setQueryResult(billingApi.listPlans, PLANS);
  fake.setQueryResult(billingApi.getOrgBilling, orgBilling("viewer"));
  fake.registerActionFake(billingApi.ensureBilling, () => ({ ok: true, error: null }));
  fake.registerQueryFake(billingApi.checkFeature, ({ featureId }) =>
    featureCheck(featureId, allowed ? {} : { allowed: false, reason: "quota_exceeded", balance: 0 }));
  fake.registerActionFake(api.summaries.summarize, () => "summary");
  return render(<ConvexProvider client={fake.client}><Billing><Summarizer /></Billing></ConvexProvider>);
}

describe("examples/minimal UI", () => {
  it("BillingGuard shows the metered feature while the org has units left", () => {
    renderSummarizer(true);
    expect(screen.getByRole("button", { name: "Summarize" })).toBeTruthy();
  });

  it("BillingGuard shows the app's fallback at the limit", () => {
    renderSummarizer(false);
    expect(screen.queryByRole("button", { name: "Summarize" })).toBeNull();
    expect(screen.getByText(/Out of summaries this month/)).toBeTruthy();
  });
});
