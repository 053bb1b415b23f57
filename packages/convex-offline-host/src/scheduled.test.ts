// scheduled.ts reads convex-test internals its typings do not declare: the
// raw `_scheduled_functions` documents and the accessor's runInComponent /
// fun. These pin that the checks accept what convex-test 0.0.60 really
// produces, and refuse, with a message naming the cause, a shape they do
// not know (a convex-test upgrade that changed it).
import { afterEach, describe, expect, test, vi } from "vitest";
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import schema from "./__fixtures__/convex/schema.js";
import { buildModuleIndex } from "./modules.js";
import { engineInternals } from "./engineHook.js";
import { asJob, rawAccessor } from "./scheduled.js";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./__fixtures__/convex", import.meta.url));
const sendLater = makeFunctionReference<"mutation", { body: string; delayMs: number }, null>("messages:sendLater");

afterEach(() => { vi.useRealTimers(); });

describe("convex-test's real shapes pass the checks", () => {
  test("a job scheduled through ctx.scheduler is read back with its name, args, time and state", async () => {
    vi.useFakeTimers(); // the job stays pending: its timer is never run
    const t = convexTest(schema, buildModuleIndex(FIXTURE).map);
    const before = Date.now();
    await t.mutation(sendLater, { body: "later", delayMs: 3_600_000 });
    const db = (await engineInternals(t)).components[""]?.db;
    const docs = Object.values(db?._documents ?? {}).filter((d) => d._id.endsWith("_scheduled_functions"));
    expect(docs).toHaveLength(1);
    const job = asJob(docs[0]);
    expect(job).toMatchObject({ name: "messages:insert", args: [{ body: "later" }], state: { kind: "pending" } });
    expect(job.scheduledTime).toBeGreaterThanOrEqual(before + 3_600_000);
  });

  test("the root accessor has runInComponent and fun, and runInComponent returns the handler's value", async () => {
    const raw = rawAccessor(convexTest(schema, buildModuleIndex(FIXTURE).map));
    expect(await raw.runInComponent("", async () => 42)).toBe(42);
  });
});

describe("an unknown shape fails loudly", () => {
  test("a job document without state.kind names the document, the fields and the convex-test version", () => {
    const doc = { _id: "1_scheduled_functions", name: "messages:insert", args: [{}], scheduledTime: 0, state: { status: "pending" } };
    expect(() => asJob(doc)).toThrow(/_scheduled_functions document 1_scheduled_functions is not what scheduled\.ts expects.*state\.kind.*convex-test 0\.0\.60/);
    expect(() => asJob({ ...doc, state: { kind: "pending" }, scheduledTime: "soon" })).toThrow(/is not what scheduled\.ts expects/);
  });

  test("an accessor without runInComponent or fun is refused when recovery is set up", () => {
    expect(() => rawAccessor({ fun: async () => null })).toThrow(/no runInComponent\/fun methods.*convex-test 0\.0\.60/);
    expect(() => rawAccessor({ runInComponent: async () => null })).toThrow(/no runInComponent\/fun methods/);
  });
});
