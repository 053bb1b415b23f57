// Unit names (planActions.unitLabel): singular or plural by count, and a unit
// that is only the feature's name lowercased keeps the name's casing — one
// rule for plan cards (describeItem) and usage bars (UsageBar).
import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { UsageBar } from "./components/UsageBar";
import { describeItem, unitLabel } from "./planActions";
import { renderWithBilling } from "./testing/render";
import type { PlanItem } from "./types";

const credits = { singular: "ai credit", plural: "ai credits" };

function item(included: number, display: PlanItem["display"]): PlanItem {
  return {
    featureId: "ai_credits", featureName: "AI credits", featureType: "metered", consumable: true,
    display, included, unlimited: false, reset: null, price: null,
  };
}

describe("unitLabel", () => {
  it("picks the singular for one and the plural otherwise", () => {
    const messages = { singular: "message", plural: "messages" };
    expect(unitLabel(messages, 1, "Standard messages")).toBe("message");
    expect(unitLabel(messages, 0, "Standard messages")).toBe("messages");
    expect(unitLabel(messages, 2, "Standard messages")).toBe("messages");
  });

  it("keeps the feature name's casing when the unit is only that name lowercased", () => {
    expect(unitLabel(credits, 500, "AI credits")).toBe("AI credits");
    expect(unitLabel(credits, 1, "AI credits")).toBe("ai credit");
  });

  it("is the rule both plan cards and usage bars follow", () => {
    expect(describeItem(item(500, credits), "en-US")).toBe("500 AI credits");
    expect(describeItem(item(500, null), "en-US")).toBe("500 AI credits");
    renderWithBilling(<UsageBar label="AI credits" usage={20} granted={500} display={credits} />);
    expect(screen.getByText("20 / 500 AI credits")).toBeTruthy();
  });
});
