// Wire-level checks of the sync protocol, mutations and HTTP actions against
// a tiny fixture app (src/__fixtures__/convex), with a raw `ws` client for
// exact message order/versions and the unmodified ConvexClient for the
// client-visible guarantees.
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { version } from "convex";
import { decodeTs } from "./protocol.js";
import { startOfflineHost, type OfflineHost } from "./host.js";
import { Changes } from "./testing/changes.js";

const FIXTURE = resolve(fileURLToPath(new URL(".", import.meta.url)), "__fixtures__/convex");

type Msg = { type: string } & Record<string, unknown>;
type Version = { querySet: number; identity: number; ts: string };

const list = makeFunctionReference<"query", Record<string, never>, Array<{ body: string; author: string | null }>>("messages:list");
const count = makeFunctionReference<"query", Record<string, never>, number>("messages:count");
const ticks = makeFunctionReference<"query", Record<string, never>, number>("messages:ticks");
const send = makeFunctionReference<"mutation", { body: string }, string>("messages:send");
const fail = makeFunctionReference<"mutation", Record<string, never>, null>("messages:fail");
const sendLater = makeFunctionReference<"mutation", { body: string; delayMs: number }, null>("messages:sendLater");
const shout = makeFunctionReference<"action", { body: string }, string>("messages:shout");

let host: OfflineHost;
const logs: string[] = [];
const closers: Array<() => unknown> = [];
/** Notified by every callback that feeds an `until` probe: socket messages and closes, client updates. */
const changes = new Changes();

beforeAll(async () => {
  host = await startOfflineHost({ convexDir: FIXTURE, port: 0, log: recordTo(logs), pollIntervalMs: 100 });
});
afterAll(async () => {
  for (const c of closers) await c();
  await host?.close();
});

/** Re-checks the probe each time `changes` is notified (never on a timer); fails after `timeoutMs`. */
function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  return changes.until(probe, timeoutMs, () => `Timed out waiting for ${what}`);
}

/** A callback that appends to `into` and wakes `until`. */
function recordTo<T>(into: T[]): (value: T) => void {
  return (value) => {
    into.push(value);
    changes.notify();
  };
}

/** A bare protocol client: what it sends and, in order, everything it got. */
async function raw(sessionId = crypto.randomUUID()) {
  const ws = new WebSocket(`${host.url.replace(/^http/, "ws")}/api/${version}/sync`);
  const got: Msg[] = [];
  let closed = false;
  const receive = recordTo(got);
  ws.on("message", (data) => receive(JSON.parse(String(data)) as Msg));
  ws.on("close", () => {
    closed = true;
    changes.notify();
  });
  await new Promise((r, j) => ws.once("open", r).once("error", j));
  closers.push(() => ws.close());
  const sendMsg = (m: Record<string, unknown>) => ws.send(JSON.stringify(m));
  sendMsg({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: "InitialConnect", clientTs: Date.now() });
  return {
    got,
    send: sendMsg,
    isClosed: () => closed,
    next: (type: string, from = 0, pred: (m: Msg) => boolean = () => true) =>
      until(`${type} message`, () => got.slice(from).find((m) => m.type === type && pred(m))),
  };
}

function client(): ConvexClient {
  const c = new ConvexClient(host.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket, logger: false });
  closers.push(() => c.close());
  return c;
}

describe("sync protocol (raw WebSocket)", () => {
  test("transitions chain versions; a MutationResponse precedes a Transition at ts >= its ts", async () => {
    const c = await raw();
    c.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [
        { type: "Add", queryId: 0, udfPath: "messages:list", args: [{}] },
        { type: "Add", queryId: 1, udfPath: "messages.js:count", args: [{}] },
      ],
    });
    const t1 = await c.next("Transition");
    expect(t1.startVersion).toEqual({ querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" });
    expect(t1.endVersion).toMatchObject({ querySet: 1, identity: 0 });
    expect(t1.modifications).toEqual([
      { type: "QueryUpdated", queryId: 0, value: [], logLines: [], journal: null },
      { type: "QueryUpdated", queryId: 1, value: 0, logLines: [], journal: null },
    ]);

    const before = c.got.length;
    c.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "hi" }] });
    const resp = await c.next("MutationResponse", before);
    expect(resp).toMatchObject({ requestId: 0, success: true, logLines: [] });
    const respTs = decodeTs(String(resp.ts));
    const t2 = await c.next("Transition", before, (m) => decodeTs((m.endVersion as Version).ts) >= respTs);
    expect(c.got.indexOf(t2)).toBeGreaterThan(c.got.indexOf(resp));
    // Each Transition starts where the previous one ended.
    const transitions = c.got.filter((m) => m.type === "Transition");
    for (let i = 1; i < transitions.length; i++) expect(transitions[i]?.startVersion).toEqual(transitions[i - 1]?.endVersion);
    expect(t2.modifications).toEqual(
      expect.arrayContaining([{ type: "QueryUpdated", queryId: 0, value: [{ body: "hi", author: null }], logLines: [], journal: null }]),
    );

    // Removing a query: QueryRemoved, querySet version 2.
    const mark = c.got.length;
    c.send({ type: "ModifyQuerySet", baseVersion: 1, newVersion: 2, modifications: [{ type: "Remove", queryId: 1 }] });
    const t3 = await c.next("Transition", mark);
    expect(t3.modifications).toEqual([{ type: "QueryRemoved", queryId: 1 }]);
    expect((t3.endVersion as Version).querySet).toBe(2);
  });

  test("a mutation resent after a reconnect (same session, same requestId) is not run twice", async () => {
    const http = new ConvexHttpClient(host.url, { logger: false });
    const sessionId = crypto.randomUUID();
    const a = await raw(sessionId);
    a.send({ type: "Mutation", requestId: 7, udfPath: "messages:send", args: [{ body: "once" }] });
    const first = await a.next("MutationResponse");
    const n = await http.query(count, {});
    const b = await raw(sessionId);
    b.send({ type: "Mutation", requestId: 7, udfPath: "messages:send", args: [{ body: "once" }] });
    expect(await b.next("MutationResponse")).toEqual(first);
    expect(await http.query(count, {})).toBe(n);
  });

  test("errors: ConvexError data as errorData; bad base version is fatal; an unverifiable token gets AuthError then close", async () => {
    const c = await raw();
    c.send({ type: "Mutation", requestId: 1, udfPath: "messages:fail", args: [{}] });
    expect(await c.next("MutationResponse")).toMatchObject({
      success: false,
      errorData: { code: "NOPE", message: "always fails" },
    });
    const mark = c.got.length;
    c.send({ type: "Authenticate", tokenType: "None", baseVersion: 0 });
    // The identity version the client sent is confirmed by the next Transition that changes it.
    const t = await c.next("Transition", mark, (m) => (m.endVersion as Version).identity !== (m.startVersion as Version).identity);
    expect(t.startVersion).toMatchObject({ identity: 0 });
    expect(t.endVersion).toMatchObject({ identity: 1 });

    c.send({ type: "Authenticate", tokenType: "User", value: "a.b.c", baseVersion: 1 });
    expect(await c.next("AuthError")).toMatchObject({ baseVersion: 1, authUpdateAttempted: true });
    await until("close after AuthError", () => c.isClosed());

    const d = await raw();
    d.send({ type: "ModifyQuerySet", baseVersion: 5, newVersion: 6, modifications: [] });
    expect(await d.next("FatalError")).toMatchObject({ error: expect.stringContaining("Base version") });
    await until("close after FatalError", () => d.isClosed());
  });
});

describe("unmodified ConvexClient against the fixture", () => {
  test("a resolved mutation is already reflected in subscriptions; actions; ConvexError data", async () => {
    const c = client();
    const seen: Array<Array<{ body: string }>> = [];
    c.onUpdate(list, {}, recordTo(seen));
    await until("initial list", () => seen.length > 0);
    await c.mutation(send, { body: "reflected" });
    expect(seen.at(-1)?.some((m) => m.body === "reflected")).toBe(true);

    expect(await c.action(shout, { body: "hey" })).toBe("HEY");
    const err = await c.mutation(fail, {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ data: { code: "NOPE" } });
  });

  test("writes by scheduled functions and crons reach subscribers", async () => {
    const c = client();
    const seen: Array<Array<{ body: string }>> = [];
    c.onUpdate(list, {}, recordTo(seen));
    await c.mutation(sendLater, { body: "later", delayMs: 200 });
    expect(seen.at(-1)?.some((m) => m.body === "later")).toBe(false);
    await until("scheduled insert pushed", () => seen.at(-1)?.some((m) => m.body === "later"), 5000);

    expect(host.cronNames).toEqual(["tick"]);
    const tickCounts: number[] = [];
    c.onUpdate(ticks, {}, recordTo(tickCounts));
    await until("ticks subscribed", () => tickCounts.length > 0);
    expect((await host.runCron("tick")).success).toBe(true);
    await until("cron write pushed", () => tickCounts.at(-1) === 1);
  });
});

describe("HTTP actions through the host", () => {
  test("method, headers and raw body reach t.fetch; status, every Set-Cookie and the body come back", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const res = await fetch(`${host.siteUrl}/echo?x=1`, { method: "POST", headers: { "x-test": "yes" }, body: bytes });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-seen-header")).toBe("yes");
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/; HttpOnly", "b=2; Path=/"]);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);

    expect(await (await fetch(`${host.siteUrl}/stream`)).text()).toBe("one,two");
    expect((await fetch(`${host.siteUrl}/nope`)).status).toBe(404);
  });
});
