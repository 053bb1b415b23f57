import { describe, expect, it, vi } from "vitest";
import { billingAwareLogger, expectedCodeIn } from "./logger";

describe("billingAwareLogger", () => {
  const line = (code: string) => `[CONVEX A(chat/chat:sendMessage)] Uncaught ConvexError: {"featureId":"standard_messages","limitType":"usage_limit","code":"${code}","message":"x"}`;
  it("writes expected billing refusals at debug level, everything else as errors", () => {
    const out = { debug: vi.fn(), log: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const logger = billingAwareLogger({ console: out });
    logger.error(line("QUOTA_EXCEEDED"));
    logger.error(line("AUTUMN_UNAVAILABLE"));
    logger.error("[CONVEX M(x)] Uncaught Error: boom");
    expect(out.debug).toHaveBeenCalledTimes(1);
    expect(out.error.mock.calls.map((c) => c[0])).toEqual([line("AUTUMN_UNAVAILABLE"), "[CONVEX M(x)] Uncaught Error: boom"]);
  });
  it("finds the code only inside a ConvexError", () => {
    expect(expectedCodeIn(line("FORBIDDEN"))).toBe("FORBIDDEN");
    expect(expectedCodeIn('{"code":"QUOTA_EXCEEDED"}')).toBeNull();
    expect(expectedCodeIn(42)).toBeNull();
  });
});
