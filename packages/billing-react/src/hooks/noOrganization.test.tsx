// A signed-in user with no active organization (e.g. a global admin): the
// provider's hasOrganization={false} makes useBilling / useBillingErrors skip
// getOrgBilling instead of asking again and again for NO_ACTIVE_ORGANIZATION.
import { screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { renderWithBilling } from "../testing/render";
import { useBilling } from "./useBilling";
import { useBillingErrors } from "./useBillingErrors";

function Probe() {
  const billing = useBilling();
  useBillingErrors();
  return <p>status: {billing.status}</p>;
}

describe("no active organization", () => {
  it("never subscribes to getOrgBilling", () => {
    const asked = vi.fn(() => { throw new Error("NO_ACTIVE_ORGANIZATION"); });
    renderWithBilling(<Probe />, { provider: { hasOrganization: false }, setup: (f, api) => f.registerQueryFake(api.getOrgBilling, asked) });
    expect(screen.getByText("status: loading")).toBeTruthy();
    expect(asked).not.toHaveBeenCalled();
  });
  it("with an organization it does", () => {
    const asked = vi.fn(() => { throw new Error("NO_ACTIVE_ORGANIZATION"); });
    renderWithBilling(<Probe />, { setup: (f, api) => f.registerQueryFake(api.getOrgBilling, asked) });
    expect(asked).toHaveBeenCalled();
  });
});
