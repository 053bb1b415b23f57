// Test-only: render UI inside ConvexProvider (fake client) + BillingProvider,
// with the default fakes of a signed-in owner on the free plan. Returns the
// fake (to change query results / assert calls) and the injected navigators.
import { render, type RenderResult } from "@testing-library/react";
import { ConvexProvider } from "convex/react";
import type { ReactElement } from "react";
import { vi, type Mock } from "vitest";
import type { BillingApi } from "../api";
import { BillingProvider, type BillingProviderProps } from "../BillingProvider";
import { createFakeConvex, type FakeConvexClient } from "./fakeConvex";
import { orgBilling, PLANS } from "./fixtures";
import { createTestBillingApi } from "./testApi";

export interface BillingRender extends RenderResult {
  fake: FakeConvexClient;
  api: BillingApi;
  navigate: Mock<(path: string) => void>;
  redirect: Mock<(url: string) => void>;
}

export interface RenderOptions {
  /** Set up fakes before the first render (defaults are registered first). */
  setup?: (fake: FakeConvexClient, api: BillingApi) => void;
  provider?: Partial<Omit<BillingProviderProps, "api" | "children">>;
  /** Include the optional getUsageHistory / getSubscriptionHistory entries (default: without). */
  usageHistory?: boolean;
  subscriptionHistory?: boolean;
}

export function renderWithBilling(ui: ReactElement, options: RenderOptions = {}): BillingRender {
  const fake = createFakeConvex();
  const api = createTestBillingApi({ usageHistory: options.usageHistory ?? false, subscriptionHistory: options.subscriptionHistory ?? false });
  fake.setQueryResult(api.listPlans, PLANS);
  fake.setQueryResult(api.getOrgBilling, orgBilling("owner"));
  fake.registerActionFake(api.ensureBilling, () => ({ ok: true, error: null }));
  options.setup?.(fake, api);
  const navigate = vi.fn<(path: string) => void>();
  const redirect = vi.fn<(url: string) => void>();
  const result = render(
    <ConvexProvider client={fake.client}>
      <BillingProvider api={api} onNavigate={navigate} redirect={redirect} {...options.provider}>
        {ui}
      </BillingProvider>
    </ConvexProvider>,
  );
  return { ...result, fake, api, navigate, redirect };
}
