// Durability of the offline host: a host in a child process (tsx
// __fixtures__/child-host.ts) is killed with SIGKILL while clients write,
// then restarted on the same data directory.
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { CronRunner, type CronEntry } from "./crons.js";
import type { Engine } from "./engine.js";
import { newId } from "./ids.js";
import { readLog } from "./redoLog.js";
import { wipeHostData } from "./persist.js";
import { Changes } from "./testing/changes.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const PACKAGE_DIR = resolve(HERE, "..");
const CHILD = resolve(HERE, "__fixtures__/child-host.ts");

const send = makeFunctionReference<"mutation", { body: string }, string>("messages:send");
const sendPair = makeFunctionReference<"mutation", { tag: string }, [string, string]>("messages:sendPair");
const sendLater = makeFunctionReference<"mutation", { body: string; delayMs: number }, null>("messages:sendLater");
const ids = makeFunctionReference<"query", Record<string, never>, Array<{ id: string; body: string }>>("messages:ids");

const dirs: string[] = [];
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "offline-host-persist-"));
  dirs.push(d);
  return d;
}

/** `changes` is notified on each chunk of the child's stderr (its log) and by whatever else a test watches. */
interface Child { proc: ChildProcess; url: string; stderr: () => string; exited: Promise<void>; changes: Changes }

async function startChild(dataDir: string): Promise<Child> {
  // node itself (not the tsx CLI, which would put a wrapper process in between): SIGKILL must hit the host.
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, dataDir], { cwd: PACKAGE_DIR, stdio: ["ignore", "pipe", "pipe"] });
  children.add(proc);
  let err = "";
  let out = "";
  const changes = new Changes();
  proc.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
    changes.notify();
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => { children.delete(proc); r(); }));
  const url = await new Promise<string>((resolveUrl, reject) => {
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolveUrl((JSON.parse(line) as { url: string }).url);
    });
    proc.once("exit", (code) => reject(new Error(`child exited (${code}) before listening:\n${err}`)));
  });
  return { proc, url, stderr: () => err, exited, changes };
}

async function kill9(child: Child): Promise<void> {
  child.proc.kill("SIGKILL");
  await child.exited;
}

async function allIds(url: string): Promise<Array<{ id: string; body: string }>> {
  return new ConvexHttpClient(url, { logger: false }).query(ids, {});
}

describe("kill -9", () => {
  test("every acknowledged write survives, nothing is half-applied, ids never repeat", async () => {
    const dir = tempDir();
    const acked = new Map<string, string>(); // id → body
    let round = 0;
    for (; round < 3; round++) {
      const child = await startChild(dir);
      const client = new ConvexHttpClient(child.url, { logger: false });
      // Everything acknowledged before this round must already be there.
      const before = await client.query(ids, {});
      const present = new Map(before.map((d) => [d.id, d.body]));
      for (const [id, body] of acked) expect(present.get(id), `acknowledged ${body} lost`).toBe(body);

      let killed = false;
      const worker = async (w: number) => {
        for (let i = 0; !killed; i++) {
          try {
            if (i % 2 === 0) {
              const [a, b] = await client.mutation(sendPair, { tag: `r${round}w${w}i${i}` });
              acked.set(a, `r${round}w${w}i${i}:a`);
              acked.set(b, `r${round}w${w}i${i}:b`);
            } else {
              const id = await client.mutation(send, { body: `r${round}w${w}i${i}` });
              acked.set(id, `r${round}w${w}i${i}`);
            }
          } catch {
            return; // the host died mid-request: that write was never acknowledged
          }
        }
      };
      const workers = [0, 1, 2, 3].map(worker);
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 350));
      killed = true;
      await kill9(child);
      await Promise.all(workers);
    }
    const child = await startChild(dir);
    const docs = await allIds(child.url);
    const byId = new Map(docs.map((d) => [d.id, d.body]));
    for (const [id, body] of acked) expect(byId.get(id), `acknowledged ${body} lost`).toBe(body);
    // Pairs are one transaction: both halves or neither.
    const halves = new Map<string, number>();
    for (const d of docs) {
      const m = /^(.*):[ab]$/.exec(d.body);
      if (m?.[1]) halves.set(m[1], (halves.get(m[1]) ?? 0) + 1);
    }
    for (const [tag, n] of halves) expect(n, `pair ${tag}`).toBe(2);
    expect(new Set(docs.map((d) => d.id)).size).toBe(docs.length);
    expect(acked.size).toBeGreaterThan(30);
    for (const d of docs) expect(d.id).toMatch(/^\d{24}messages$/); // 32 characters, like convex-test's own
    await kill9(child);
  });
});

describe("damaged log", () => {
  test("a truncated tail is reported and dropped; the records before it load", async () => {
    const dir = tempDir();
    let child = await startChild(dir);
    const client = new ConvexHttpClient(child.url, { logger: false });
    for (let i = 0; i < 10; i++) await client.mutation(send, { body: `m${i}` });
    await kill9(child);
    const log = join(dir, "convex.log");
    expect(readLog(readFileSync(log)).records).toHaveLength(10);
    truncateSync(log, statSync(log).size - 7); // a torn last write

    child = await startChild(dir);
    const bodies = (await allIds(child.url)).map((d) => d.body).sort();
    expect(bodies).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"]);
    expect(child.stderr()).toMatch(/\[persist\] .*convex\.log: truncated record \(no end of line\) at byte \d+: dropped the last \d+ bytes .*kept 9 records/);
    await kill9(child);

    // A damaged record in the middle: the records before it are kept, the damage is reported.
    child = await startChild(dir);
    const c2 = new ConvexHttpClient(child.url, { logger: false });
    for (let i = 0; i < 3; i++) await c2.mutation(send, { body: `n${i}` });
    await kill9(child);
    const text = readFileSync(log, "utf8").split("\n");
    text[1] = text[1]!.replace('"n1"', '"N1"'); // bit rot: the checksum no longer matches
    truncateSync(log, 0);
    appendFileSync(log, text.join("\n"));
    child = await startChild(dir);
    const after = (await allIds(child.url)).map((d) => d.body);
    expect(after).toContain("n0");
    expect(after).not.toContain("N1");
    expect(child.stderr()).toMatch(/checksum mismatch/);
    await kill9(child);
  });
});

describe("ids", () => {
  test("never repeat across a restart or a wipe", async () => {
    const dir = tempDir();
    const seen = new Set<string>();
    for (const wipe of [false, true]) {
      const child = await startChild(dir);
      const client = new ConvexHttpClient(child.url, { logger: false });
      for (let i = 0; i < 5; i++) {
        const id = await client.mutation(send, { body: `x${i}` });
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
      await kill9(child);
      if (wipe) expect(wipeHostData(dir)).toHaveLength(1);
    }
    const child = await startChild(dir);
    expect(await allIds(child.url)).toEqual([]);
    const id = await new ConvexHttpClient(child.url, { logger: false }).mutation(send, { body: "after wipe" });
    expect(seen.has(id)).toBe(false);
    await kill9(child);
  });

  test("ids made in one millisecond differ and keep convex-test's <digits><table> shape", () => {
    const made = new Set<string>();
    for (let i = 0; i < 5000; i++) made.add(newId("organization", (id) => made.has(id)));
    expect(made.size).toBe(5000);
    for (const id of [...made].slice(0, 5)) expect(id).toMatch(/^\d{20}organization$/);
    expect(newId("_scheduled_functions", () => false)).toMatch(/^\d{20}_scheduled_functions$/);
  });
});

describe("scheduled functions and crons", () => {
  test("a scheduled function that fell due while the host was down runs on start", async () => {
    const dir = tempDir();
    let child = await startChild(dir);
    const t0 = Date.now();
    // Long enough that the kill lands first even on a loaded machine; then wait until it is due.
    await new ConvexHttpClient(child.url, { logger: false }).mutation(sendLater, { body: "later", delayMs: 2000 });
    await kill9(child);
    // The one wall-clock wait left, on purpose: the job must fall due while NO host is running, and
    // "due" is judged by the restarted child's own Date.now() — a separate process whose clock this
    // test cannot drive (child-host.ts takes only a data directory). Nothing happens meanwhile to wait on.
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 2100 - Date.now())));
    child = await startChild(dir);
    expect(child.stderr()).toMatch(/Scheduled functions restored: 1 due now/);
    // Event-driven: re-checked on each stderr chunk of the child (its scheduler logs "running …") and
    // each update of a subscription to the messages, which the host pushes once the write commits.
    const restarted = child;
    const watcher = new ConvexClient(restarted.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket, logger: false });
    let visible: Array<{ id: string; body: string }> = [];
    watcher.onUpdate(ids, {}, (docs) => {
      visible = docs;
      restarted.changes.notify();
    });
    try {
      await restarted.changes.until(
        () => /\[scheduler\] running messages(\.js)?:insert /.test(restarted.stderr()) && visible.some((d) => d.body === "later"),
        15_000,
        () => `scheduled function never ran\n${restarted.stderr()}`,
      );
    } finally {
      await watcher.close();
    }
    expect((await allIds(child.url)).filter((d) => d.body === "later")).toHaveLength(1);
    await kill9(child);
    // It ran once: a further restart does not run it again.
    child = await startChild(dir);
    expect(child.stderr()).not.toMatch(/Scheduled functions restored/);
    expect((await allIds(child.url)).filter((d) => d.body === "later")).toHaveLength(1);
    await kill9(child);
  });

  test("a cron that fell due while down is run once on start; a new cron is only recorded", () => {
    const hour = 3_600_000;
    const entries: CronEntry[] = [
      { identifier: "hourly", functionName: "messages:tick", args: {}, schedule: { type: "interval", hours: 1 } },
      { identifier: "daily", functionName: "messages:tick", args: {}, schedule: { type: "daily", hourUTC: 3, minuteUTC: 0 } },
      { identifier: "fresh", functionName: "messages:tick", args: {}, schedule: { type: "interval", minutes: 5 } },
    ];
    const now = Date.UTC(2026, 0, 10, 12, 0);
    const last: Record<string, number> = { hourly: now - 2 * hour, daily: Date.UTC(2026, 0, 10, 3, 0) };
    const runner = new CronRunner(entries, null as unknown as Engine, () => undefined, () => undefined, {
      lastRuns: () => ({ ...last }),
      record: (id, at) => (last[id] = at),
    });
    expect(runner.missed(now)).toEqual([{ identifier: "hourly", dueAt: now - hour }]);
    expect(last.fresh).toBe(now);
    expect(runner.missed(Date.UTC(2026, 0, 11, 3, 1)).map((m) => m.identifier).sort()).toEqual(["daily", "fresh", "hourly"]);
  });
});
