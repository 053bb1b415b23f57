// callAutumn against a real local Autumn sandbox (no mocks of Autumn): the
// unmodified autumn-js client, real HTTP, injected faults. Proves retries,
// Retry-After, idempotent writes under lost responses, fail-closed
// behaviour and the mapping of Autumn's errors to typed billing codes.
import { ConvexError } from "convex/values";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RequestAbortedError, RequestTimeoutError, ResponseValidationError, UnexpectedClientError, ConnectionError, type Autumn } from "autumn-js";
import { startTestSandbox, type TestSandbox } from "../../packages/autumn-sandbox/src/testing";
import { autumnConfig, backoffMs, callAutumn, createAutumn, MAX_BACKOFF_MS, parseRetryAfter } from "./autumn";
import { convexRuntimeFetch, nativeFetch } from "./runtimeFetch.helpers";
import { billingErrorCode, type BillingErrorData } from "./errors";

let t: TestSandbox;
let autumn: Autumn;
let seq = 0;
const noSleep = async (): Promise<void> => {};

beforeAll(async () => {
  t = await startTestSandbox({ keys: ["am_sk_test_x"] });
  autumn = createAutumn({ secretKey: "am_sk_test_x", serverURL: t.url });
});
afterAll(async () => {
  await t.close();
});
afterEach(async () => {
  await t.control("/sandbox/faults", undefined, "DELETE");
});

async function freshCustomer(): Promise<string> {
  const id = `org_autumn_${++seq}_${Date.now()}`;
  await t.autumn.customers.getOrCreate({ customerId: id });
  return id;
}

async function calls(route: string): Promise<number> {
  const stats = (await t.control("/sandbox/stats", undefined, "GET")) as { calls: Record<string, number> };
  return stats.calls[route] ?? 0;
}

async function failure(p: Promise<unknown>): Promise<{ err: unknown; code: string | null; data: BillingErrorData }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConvexError);
    return { err, code: billingErrorCode(err), data: (err as ConvexError<BillingErrorData>).data };
  }
  throw new Error("expected the call to fail");
}

async function remaining(customerId: string, featureId = "standard_messages"): Promise<number | undefined> {
  const c = await t.autumn.customers.get({ customerId });
  return c.balances[featureId]?.remaining;
}

describe("autumnConfig: explicit or refused", () => {
  const cases: Array<[string, Record<string, string>, { secretKey: string; serverURL: string | undefined; mode: "sandbox" | "autumn" }]> = [
    ["sandbox URL + test key → that sandbox", { AUTUMN_SANDBOX_URL: "http://127.0.0.1:9999", AUTUMN_SECRET_KEY: "am_sk_test_local" }, { secretKey: "am_sk_test_local", serverURL: "http://127.0.0.1:9999", mode: "sandbox" }],
    ["live key → real Autumn (SDK default URL)", { AUTUMN_SECRET_KEY: "am_sk_live_abc" }, { secretKey: "am_sk_live_abc", serverURL: undefined, mode: "autumn" }],
    ["test key → real Autumn (SDK default URL)", { AUTUMN_SECRET_KEY: "am_sk_test_abc" }, { secretKey: "am_sk_test_abc", serverURL: undefined, mode: "autumn" }],
    ["real key + API URL", { AUTUMN_SECRET_KEY: "am_sk_test_abc", AUTUMN_API_URL: "https://proxy.example" }, { secretKey: "am_sk_test_abc", serverURL: "https://proxy.example", mode: "autumn" }],
    ["empty sandbox URL counts as unset", { AUTUMN_SANDBOX_URL: " ", AUTUMN_SECRET_KEY: "am_sk_test_abc" }, { secretKey: "am_sk_test_abc", serverURL: undefined, mode: "autumn" }],
  ];
  it.each(cases)("%s", (_name, env, expected) => {
    expect(autumnConfig(env)).toEqual({ ...expected, timeoutMs: 10_000 });
  });

  const refused: Array<[string, Record<string, string>, string]> = [
    ["nothing set (no silent localhost default)", {}, "missing_key"],
    ["a sandbox URL without a key", { AUTUMN_SANDBOX_URL: "http://127.0.0.1:3210" }, "missing_key"],
    ["an API URL without a key", { AUTUMN_API_URL: "https://proxy.example" }, "missing_key"],
    ["a blank key", { AUTUMN_SECRET_KEY: " " }, "missing_key"],
    ["something that is not an Autumn key", { AUTUMN_SECRET_KEY: "sk_live_stripe" }, "malformed_key"],
    ["a live key with a sandbox URL (the sandbox URL must not win)", { AUTUMN_SECRET_KEY: "am_sk_live_abc", AUTUMN_SANDBOX_URL: "http://127.0.0.1:3210" }, "live_key_with_sandbox"],
    ["both a sandbox URL and an API URL", { AUTUMN_SECRET_KEY: "am_sk_test_abc", AUTUMN_SANDBOX_URL: "http://h:1", AUTUMN_API_URL: "https://x" }, "contradictory_urls"],
  ];
  it.each(refused)("refuses %s with AUTUMN_NOT_CONFIGURED", (_name, env, reason) => {
    let thrown: unknown;
    try { autumnConfig(env); } catch (err) { thrown = err; }
    expect(billingErrorCode(thrown)).toBe("AUTUMN_NOT_CONFIGURED");
    expect((thrown as ConvexError<BillingErrorData>).data.reason).toBe(reason);
    expect(JSON.stringify((thrown as ConvexError<BillingErrorData>).data)).not.toContain("am_sk_live_abc");
  });

  it("callAutumn without a configuration throws AUTUMN_NOT_CONFIGURED and calls nothing", async () => {
    const saved = { key: process.env.AUTUMN_SECRET_KEY, url: process.env.AUTUMN_SANDBOX_URL };
    delete process.env.AUTUMN_SECRET_KEY;
    process.env.AUTUMN_SANDBOX_URL = t.url;
    try {
      let called = 0;
      const { code } = await failure(callAutumn("customers.get", (a, o) => { called++; return a.customers.get({ customerId: "org_x" }, o); }));
      expect(code).toBe("AUTUMN_NOT_CONFIGURED");
      expect(called).toBe(0);
    } finally {
      if (saved.key === undefined) delete process.env.AUTUMN_SECRET_KEY; else process.env.AUTUMN_SECRET_KEY = saved.key;
      if (saved.url === undefined) delete process.env.AUTUMN_SANDBOX_URL; else process.env.AUTUMN_SANDBOX_URL = saved.url;
    }
  });

  it("reads AUTUMN_TIMEOUT_MS and ignores nonsense", () => {
    const key = { AUTUMN_SECRET_KEY: "am_sk_test_abc" };
    expect(autumnConfig({ ...key, AUTUMN_TIMEOUT_MS: "2500" }).timeoutMs).toBe(2500);
    expect(autumnConfig({ ...key, AUTUMN_TIMEOUT_MS: "soon" }).timeoutMs).toBe(10_000);
    expect(autumnConfig({ ...key, AUTUMN_TIMEOUT_MS: "-1" }).timeoutMs).toBe(10_000);
  });
});

describe("fetch failures the way the Convex runtime reports them", () => {
  // The raw SDK error first (proves the test fetch really produces the runtime's
  // shapes), then what callAutumn makes of it.
  const convexFetch = convexRuntimeFetch(nativeFetch());

  async function rawError(client: Autumn, id: string): Promise<unknown> {
    try { await client.customers.get({ customerId: id }); } catch (err) { return err; }
    throw new Error("expected the call to fail");
  }

  it("a timed-out fetch (DOMException AbortError → RequestAbortedError) → AUTUMN_UNAVAILABLE (timeout), retried", async () => {
    const id = await freshCustomer();
    const client = createAutumn({ secretKey: "am_sk_test_x", serverURL: t.url, timeoutMs: 150, fetch: convexFetch });
    await t.control("/sandbox/faults", { route: "customers.get", mode: "latency", latency_ms: 1500 });
    const raw = await rawError(client, id);
    expect(raw).toBeInstanceOf(RequestAbortedError);
    expect((raw as { cause?: { name?: string } }).cause?.name).toBe("AbortError");
    const before = await calls("customers.get");
    const { code, data } = await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: id }, o), { client, maxAttempts: 3, sleep: noSleep }));
    expect(code).toBe("AUTUMN_UNAVAILABLE");
    expect(data).toMatchObject({ reason: "timeout", attempts: 3 });
    expect((await calls("customers.get")) - before).toBe(3);
  });

  it("a refused connection (plain Error → UnexpectedClientError) → AUTUMN_UNAVAILABLE (connection) after 4 attempts", async () => {
    const gone = await startTestSandbox({ keys: ["am_sk_test_x"] });
    const url = gone.url;
    await gone.close();
    const client = createAutumn({ secretKey: "am_sk_test_x", serverURL: url, fetch: convexFetch });
    const raw = await rawError(client, "org_any");
    expect(raw).toBeInstanceOf(UnexpectedClientError);
    expect((raw as { cause?: unknown }).cause).not.toBeInstanceOf(TypeError);
    let slept = 0;
    const { code, data } = await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: "org_any" }, o), { client, sleep: async () => { slept++; } }));
    expect(code).toBe("AUTUMN_UNAVAILABLE");
    expect(data).toMatchObject({ reason: "connection", attempts: 4 });
    expect(slept).toBe(3);
  });

  it("a write (with its Idempotency-Key) is retried after a runtime timeout and applied once", async () => {
    const id = await freshCustomer();
    const client = createAutumn({ secretKey: "am_sk_test_x", serverURL: t.url, timeoutMs: 300, fetch: convexFetch });
    await t.control("/sandbox/faults", { route: "balances.track", mode: "latency", latency_ms: 1000, count: 1 });
    const keys: string[] = [];
    await callAutumn("track", (a, o) => {
      keys.push(o.headers?.["Idempotency-Key"] ?? "");
      return a.track({ customerId: id, featureId: "standard_messages", value: 3 }, o);
    }, {
      client, write: true, sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(ms, 1200))),
      onDuplicate: async () => autumn.track({ customerId: id, featureId: "standard_messages", value: 0 }),
    });
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1);
    expect(await remaining(id)).toBe(47);
  });

  it("Node's shapes (TimeoutError / TypeError) still map the same way", async () => {
    const id = await freshCustomer();
    const node = createAutumn({ secretKey: "am_sk_test_x", serverURL: t.url, timeoutMs: 150, fetch: nativeFetch() });
    await t.control("/sandbox/faults", { route: "customers.get", mode: "latency", latency_ms: 1500 });
    expect(await rawError(node, id)).toBeInstanceOf(RequestTimeoutError);
    expect((await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: id }, o), { client: node, maxAttempts: 2, sleep: noSleep }))).data)
      .toMatchObject({ code: "AUTUMN_UNAVAILABLE", reason: "timeout" });
    await t.control("/sandbox/faults", undefined, "DELETE");
    const gone = await startTestSandbox({ keys: ["am_sk_test_x"] });
    const url = gone.url;
    await gone.close();
    const nodeGone = createAutumn({ secretKey: "am_sk_test_x", serverURL: url, fetch: nativeFetch() });
    expect(await rawError(nodeGone, "org_any")).toBeInstanceOf(ConnectionError);
    expect((await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: "org_any" }, o), { client: nodeGone, maxAttempts: 2, sleep: noSleep }))).data)
      .toMatchObject({ code: "AUTUMN_UNAVAILABLE", reason: "connection" });
  });
});

describe("backoff", () => {
  it("grows exponentially with jitter, capped per wait", () => {
    expect(backoffMs(1, null, () => 0)).toBe(125);
    expect(backoffMs(1, null, () => 1)).toBe(250);
    expect(backoffMs(3, null, () => 1)).toBe(1000);
    expect(backoffMs(20, null, () => 1)).toBe(MAX_BACKOFF_MS);
  });
  it("treats Retry-After as a floor and gives up when it exceeds the cap", () => {
    expect(backoffMs(1, 3000, () => 0)).toBe(3000);
    expect(backoffMs(1, 60_000, () => 0)).toBeNull();
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 7_000)).toBe(3000);
    expect(parseRetryAfter(null)).toBeNull();
  });
});

describe("callAutumn against the sandbox", () => {
  it("a read succeeds", async () => {
    const id = await freshCustomer();
    const c = await callAutumn("customers.get", (a, o) => a.customers.get({ customerId: id }, o), { client: autumn });
    expect(c.id).toBe(id);
    expect(c.balances.standard_messages?.remaining).toBe(50);
  });

  it("retries two 500s and then succeeds (3 calls reach Autumn)", async () => {
    const id = await freshCustomer();
    const before = await calls("customers.get");
    await t.control("/sandbox/faults", { route: "customers.get", mode: "error", status: 500, count: 2 });
    const waits: number[] = [];
    const c = await callAutumn("customers.get", (a, o) => a.customers.get({ customerId: id }, o), {
      client: autumn,
      sleep: async (ms) => { waits.push(ms); },
    });
    expect(c.id).toBe(id);
    expect((await calls("customers.get")) - before).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThanOrEqual(waits[0] ?? Infinity); // exponential: 125–250 ms, then 250–500 ms
  });

  it("honours Retry-After on 429 without slowing the test", async () => {
    const id = await freshCustomer();
    const before = await calls("customers.get");
    await t.control("/sandbox/faults", { route: "customers.get", mode: "rate_limit", retry_after_s: 3, count: 1 });
    const waits: number[] = [];
    const c = await callAutumn("customers.get", (a, o) => a.customers.get({ customerId: id }, o), {
      client: autumn,
      sleep: async (ms) => { waits.push(ms); },
    });
    expect(c.id).toBe(id);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(3000);
    expect(waits[0]).toBeLessThanOrEqual(MAX_BACKOFF_MS);
    expect((await calls("customers.get")) - before).toBe(2);
  });

  it("persistent 429 → RATE_LIMITED with retryAfterSeconds", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "customers.get", mode: "rate_limit", retry_after_s: 1 });
    const { code, data } = await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: id }, o), { client: autumn, sleep: noSleep }));
    expect(code).toBe("RATE_LIMITED");
    expect(data).toMatchObject({ status: 429, retryAfterSeconds: 1, op: "customers.get", attempts: 4 });
  });

  it("a Retry-After beyond the per-wait cap is not slept through: RATE_LIMITED at once", async () => {
    const id = await freshCustomer();
    const before = await calls("customers.get");
    await t.control("/sandbox/faults", { route: "customers.get", mode: "rate_limit", retry_after_s: 60 });
    const { code, data } = await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: id }, o), { client: autumn, sleep: noSleep }));
    expect(code).toBe("RATE_LIMITED");
    expect(data.retryAfterSeconds).toBe(60);
    expect((await calls("customers.get")) - before).toBe(1);
  });

  it("persistent 500 → AUTUMN_UNAVAILABLE after maxAttempts", async () => {
    const id = await freshCustomer();
    const before = await calls("customers.get");
    await t.control("/sandbox/faults", { route: "customers.get", mode: "error", status: 502 });
    let slept = 0;
    const { code, data } = await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: id }, o), {
      client: autumn,
      maxAttempts: 3,
      sleep: async () => { slept++; },
    }));
    expect(code).toBe("AUTUMN_UNAVAILABLE");
    expect(data).toMatchObject({ status: 502, autumnCode: "internal_error", op: "customers.get", attempts: 3 });
    expect(slept).toBe(2);
    expect((await calls("customers.get")) - before).toBe(3);
  });

  it("latency beyond the client timeout → AUTUMN_UNAVAILABLE (timeout), retried", async () => {
    const id = await freshCustomer();
    const fast = createAutumn({ secretKey: "am_sk_test_x", serverURL: t.url, timeoutMs: 150 });
    const before = await calls("customers.get");
    await t.control("/sandbox/faults", { route: "customers.get", mode: "latency", latency_ms: 1500 });
    const { code, data } = await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: id }, o), { client: fast, maxAttempts: 2, sleep: noSleep }));
    expect(code).toBe("AUTUMN_UNAVAILABLE");
    expect(data).toMatchObject({ reason: "timeout", attempts: 2 });
    expect((await calls("customers.get")) - before).toBe(2);
  });

  it("404 customer_not_found → CUSTOMER_NOT_FOUND, not retried", async () => {
    const before = await calls("customers.get");
    const { code, data } = await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: "org_nobody" }, o), { client: autumn, sleep: noSleep }));
    expect(code).toBe("CUSTOMER_NOT_FOUND");
    expect(data).toMatchObject({ status: 404, autumnCode: "customer_not_found", op: "customers.get", attempts: 1 });
    expect((await calls("customers.get")) - before).toBe(1);
  });

  it("unknown plan on billing.attach → PLAN_NOT_FOUND", async () => {
    const id = await freshCustomer();
    const { code, data } = await failure(callAutumn("billing.attach", (a, o) => a.billing.attach({ customerId: id, planId: "no_such_plan" }, o), { client: autumn, write: true, sleep: noSleep }));
    expect(code).toBe("PLAN_NOT_FOUND");
    expect(data).toMatchObject({ status: 404, autumnCode: "product_not_found", op: "billing.attach" });
  });

  it("unknown feature → FEATURE_NOT_FOUND; unknown lock → INVALID_ARGUMENT", async () => {
    const id = await freshCustomer();
    const feature = await failure(callAutumn("check", (a, o) => a.check({ customerId: id, featureId: "no_such_feature" }, o), { client: autumn }));
    expect(feature.code).toBe("FEATURE_NOT_FOUND");
    const lock = await failure(callAutumn("balances.finalize", (a, o) => a.balances.finalize({ lockId: "no_such_lock", action: "confirm" }, o), { client: autumn, write: true }));
    expect(lock.code).toBe("INVALID_ARGUMENT");
    expect(lock.data).toMatchObject({ status: 400, autumnCode: "invalid_request" });
  });

  it("a write whose response was lost is retried with the same key, 409 → onDuplicate, deducted once", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "balances.track", mode: "drop_response", count: 1 });
    const keys: string[] = [];
    let duplicates = 0;
    const result = await callAutumn(
      "track",
      async (a, o) => {
        keys.push(o.headers?.["Idempotency-Key"] ?? "");
        const r = await a.track({ customerId: id, featureId: "standard_messages", value: 5 }, o);
        return r.balance?.remaining ?? null;
      },
      {
        client: autumn,
        write: true,
        sleep: noSleep,
        onDuplicate: async () => {
          duplicates++;
          return (await autumn.customers.get({ customerId: id })).balances.standard_messages?.remaining ?? null;
        },
      },
    );
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^track:/);
    expect(keys[1]).toBe(keys[0]);
    expect(duplicates).toBe(1);
    expect(result).toBe(45);
    expect(await remaining(id)).toBe(45);
  });

  it("without onDuplicate, a lost-response write throws CONFLICT {duplicate: true}", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "balances.track", mode: "drop_response", count: 1 });
    const { code, data } = await failure(callAutumn("track", (a, o) => a.track({ customerId: id, featureId: "standard_messages", value: 2 }, o), { client: autumn, write: true, sleep: noSleep }));
    expect(code).toBe("CONFLICT");
    expect(data).toMatchObject({ duplicate: true, status: 409, autumnCode: "duplicate_idempotency_key" });
    expect(await remaining(id)).toBe(48);
  });

  it("writes carry an Idempotency-Key: the same key again is a 409, and nothing is deducted twice", async () => {
    const id = await freshCustomer();
    const key = `test-key-${id}`;
    await callAutumn("track", (a, o) => a.track({ customerId: id, featureId: "standard_messages", value: 1 }, o), { client: autumn, write: true, idempotencyKey: key });
    const direct = await t.rpc("balances.track", { customer_id: id, feature_id: "standard_messages", value: 1 }, { "Idempotency-Key": key });
    expect(direct.status).toBe(409);
    expect(direct.body.code).toBe("duplicate_idempotency_key");

    // A generated key reaches Autumn too.
    let generated = "";
    await callAutumn("track", (a, o) => {
      generated = o.headers?.["Idempotency-Key"] ?? "";
      return a.track({ customerId: id, featureId: "standard_messages", value: 1 }, o);
    }, { client: autumn, write: true });
    expect(generated).not.toBe("");
    expect((await t.rpc("balances.track", { customer_id: id, feature_id: "standard_messages", value: 1 }, { "Idempotency-Key": generated })).status).toBe(409);
    expect(await remaining(id)).toBe(48);
  });

  it("retries of a write reuse one key across 5xx", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "balances.track", mode: "error", status: 503, retry_after_s: 0, count: 2 });
    const keys: string[] = [];
    await callAutumn("track", (a, o) => {
      keys.push(o.headers?.["Idempotency-Key"] ?? "");
      return a.track({ customerId: id, featureId: "standard_messages", value: 4 }, o);
    }, { client: autumn, write: true, sleep: noSleep });
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(await remaining(id)).toBe(46);
  });

  it("a key reused by the caller (409 on the first attempt) is a real CONFLICT", async () => {
    const id = await freshCustomer();
    const key = `reused-${id}`;
    await t.rpc("balances.track", { customer_id: id, feature_id: "standard_messages", value: 1 }, { "Idempotency-Key": key });
    let dup = 0;
    const { code, data } = await failure(callAutumn("track", (a, o) => a.track({ customerId: id, featureId: "standard_messages", value: 1 }, o), {
      client: autumn,
      write: true,
      idempotencyKey: key,
      onDuplicate: async () => { dup++; return (await autumn.track({ customerId: id, featureId: "standard_messages", value: 0 })); },
    }));
    expect(code).toBe("CONFLICT");
    expect(data).toMatchObject({ duplicate: false, attempts: 1 });
    expect(dup).toBe(0);
    expect(await remaining(id)).toBe(49);
  });

  it("a bad secret key → AUTUMN_ERROR that never echoes the key", async () => {
    const bad = createAutumn({ secretKey: "am_sk_live_x", serverURL: t.url });
    const { err, code, data } = await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: "org_any" }, o), { client: bad, sleep: noSleep }));
    expect(code).toBe("AUTUMN_ERROR");
    expect(data).toMatchObject({ status: 401, attempts: 1 });
    expect((err as Error).message).not.toContain("am_sk_live_x");
    expect(JSON.stringify(data)).not.toContain("am_sk_live_x");
  });

  it("Autumn down (closed server) → AUTUMN_UNAVAILABLE after retries", async () => {
    const gone = await startTestSandbox({ keys: ["am_sk_test_x"] });
    const url = gone.url;
    await gone.close();
    let slept = 0;
    const { code, data } = await failure(callAutumn("customers.get", (a, o) => a.customers.get({ customerId: "org_any" }, o), {
      client: createAutumn({ secretKey: "am_sk_test_x", serverURL: url }),
      sleep: async () => { slept++; },
    }));
    expect(code).toBe("AUTUMN_UNAVAILABLE");
    expect(data).toMatchObject({ reason: "connection", attempts: 4, op: "customers.get" });
    expect(slept).toBe(3);
  });

  it("check fails closed: a 500 on check is an error, never 'allowed'", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "balances.check", mode: "error", status: 500 });
    const { code } = await failure(callAutumn("check", (a, o) => a.check({ customerId: id, featureId: "standard_messages" }, o), { client: autumn, maxAttempts: 2, sleep: noSleep }));
    expect(code).toBe("AUTUMN_UNAVAILABLE");
  });

  it("a response the SDK cannot validate → AUTUMN_ERROR, not retried", async () => {
    let attempts = 0;
    const { code, data } = await failure(callAutumn("customers.get", () => {
      attempts++;
      const response = new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
      throw new ResponseValidationError("Response validation failed", {
        response, request: new Request(`${t.url}/v1/customers.get`), body: "{}", cause: new Error("bad"), rawValue: {}, rawMessage: "bad",
      });
    }, { client: autumn, sleep: noSleep }));
    expect(code).toBe("AUTUMN_ERROR");
    expect(data.reason).toBe("invalid_response");
    expect(attempts).toBe(1);
  });
});
