// Scheduled functions that outlived their process. convex-test runs a
// scheduled function from a setTimeout made when it was scheduled; after a
// restart those timers are gone while the `_scheduled_functions` rows (now
// persisted) still say "pending". This re-arms them, moving each row through
// the same states convex-test's runScheduledFunction does:
//   pending    → timer at its scheduledTime (at once if it fell due while down)
//   inProgress → a mutation is run again (its writes never committed: a
//                mutation is one transaction); an action is marked failed,
//                as a deployment does (actions run at most once).
// A restored mutation commits its writes and its job's "success" as ONE
// transaction. (convex-test's own runner, which runs jobs scheduled while the
// host is up, marks success in a transaction of its own: a kill -9 exactly
// between the two would run such a mutation once more on start — a known gap.)
import type { Value } from "convex/values";
import type { Root } from "./engine.js";
import type { Persistence } from "./persist.js";

type Log = (line: string) => void;

interface Job {
  _id: string;
  name: string;
  args: Value[];
  scheduledTime: number;
  state: { kind: string };
}

/** The runtime surface of a convex-test accessor beyond its typings. */
export interface RawAccessor {
  runInComponent(componentPath: string, handler: () => Promise<unknown>): Promise<unknown>;
  fun(functionPath: { componentPath: string; udfPath: string }, args: unknown): Promise<unknown>;
}

const WRITTEN_AGAINST = "written against convex-test 0.0.60";

/** A `_scheduled_functions` document as convex-test writes it: the fields this file reads, checked. */
export function asJob(doc: unknown): Job {
  if (
    typeof doc === "object" && doc !== null
    && "_id" in doc && typeof doc._id === "string"
    && "name" in doc && typeof doc.name === "string"
    && "args" in doc && Array.isArray(doc.args)
    && "scheduledTime" in doc && typeof doc.scheduledTime === "number"
    && "state" in doc && typeof doc.state === "object" && doc.state !== null
    && "kind" in doc.state && typeof doc.state.kind === "string"
  ) {
    const args: Value[] = doc.args;
    return { _id: doc._id, name: doc.name, args, scheduledTime: doc.scheduledTime, state: { kind: doc.state.kind } };
  }
  const id = typeof doc === "object" && doc !== null && "_id" in doc ? String(doc._id) : "?";
  throw new Error(`convex-offline-host: the _scheduled_functions document ${id} is not what scheduled.ts expects `
    + `(_id, name, args[], scheduledTime, state.kind; ${WRITTEN_AGAINST}): ${JSON.stringify(doc)}`);
}

/** convex-test's accessor, checked to have the two methods its typings do not declare. */
export function rawAccessor(t: object): RawAccessor {
  if ("runInComponent" in t && typeof t.runInComponent === "function" && "fun" in t && typeof t.fun === "function") {
    const runInComponent = t.runInComponent;
    const fun = t.fun;
    return {
      runInComponent: (componentPath, handler) => Promise.resolve(runInComponent.call(t, componentPath, handler)),
      fun: (functionPath, args) => Promise.resolve(fun.call(t, functionPath, args)),
    };
  }
  throw new Error(`convex-offline-host: convex-test's accessor has no runInComponent/fun methods, which scheduled.ts uses to restore scheduled functions (${WRITTEN_AGAINST})`);
}

export class ScheduledRecovery {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly raw: RawAccessor;

  constructor(
    t: Root,
    private readonly persistence: Persistence,
    /** "mutation" | "action" | "query" | null for a component's function path ("billing/sync:syncCustomer"). */
    private readonly kindOf: (componentPath: string, udfPath: string) => Promise<string | null>,
    private readonly log: Log,
    private readonly changed: () => void,
  ) {
    this.raw = rawAccessor(t);
  }

  /** Re-arm every pending job; settle the ones a crash left in progress. Returns counts. */
  async start(components: string[]): Promise<{ due: number; later: number; failed: number; rerun: number }> {
    const counts = { due: 0, later: 0, failed: 0, rerun: 0 };
    const now = Date.now();
    for (const path of components) {
      const db = this.persistence.db(path);
      if (!db) continue;
      const jobs = Object.values(db._documents).filter((d) => d._id.endsWith("_scheduled_functions")).map(asJob);
      for (const job of jobs.sort((a, b) => a.scheduledTime - b.scheduledTime)) {
        if (job.state.kind === "pending") {
          if (job.scheduledTime <= now) counts.due += 1;
          else counts.later += 1;
          this.arm(path, job, Math.max(0, job.scheduledTime - now));
        } else if (job.state.kind === "inProgress") {
          const kind = await this.kindOf(path, job.name);
          if (kind === "mutation") {
            counts.rerun += 1;
            await this.setState(path, job._id, "pending");
            this.arm(path, job, 0);
          } else {
            counts.failed += 1;
            await this.setState(path, job._id, "failed", { completedTime: now });
            this.log(`[scheduler] ${job.name} (${job._id}) was running when the host stopped: marked failed (actions run at most once)`);
          }
        }
      }
    }
    if (counts.failed > 0) this.changed();
    return counts;
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private arm(path: string, job: Job, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(path, job)
        .catch((err: unknown) => this.log(`[scheduler] ${job.name} (${job._id}) not run: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => this.changed());
    }, Math.min(delayMs, 2 ** 31 - 1));
    timer.unref();
    this.timers.add(timer);
  }

  private async setState(path: string, id: string, kind: string, extra: Record<string, Value> = {}): Promise<boolean> {
    const db = this.persistence.db(path);
    if (!db) return false;
    const done = await this.raw.runInComponent(path, async () => {
      if (db.get("_scheduled_functions", id) === null) return false;
      db.patch("_scheduled_functions", id, { state: { kind }, ...extra });
      return true;
    });
    return done === true;
  }

  private async run(path: string, job: Job): Promise<void> {
    const raw = this.raw;
    const db = this.persistence.db(path);
    const doc = db?.get("_scheduled_functions", job._id) ?? null;
    const current = doc === null ? null : asJob(doc);
    if (!current || current.state.kind !== "pending") return; // canceled or already handled
    await this.setState(path, job._id, "inProgress");
    this.log(`[scheduler] running ${job.name} (scheduled for ${new Date(job.scheduledTime).toISOString()}, restored after a restart)`);
    const fn = { componentPath: path, udfPath: job.name };
    const args = job.args[0] ?? {};
    try {
      if ((await this.kindOf(path, job.name)) === "mutation" && db) {
        // One transaction: the mutation runs nested inside the one that marks the job done, so its writes and
        // "success" reach the log as one record — a kill between them cannot leave a done job looking interrupted
        // (which the next start would run again).
        await raw.runInComponent(path, async () => {
          await raw.fun(fn, args);
          db.patch("_scheduled_functions", job._id, { state: { kind: "success" }, completedTime: Date.now() });
        });
        return;
      }
      await raw.fun(fn, args);
    } catch (err) {
      this.log(`[scheduler] ${job.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      await this.setState(path, job._id, "failed", { completedTime: Date.now() });
      return;
    }
    await this.setState(path, job._id, "success", { completedTime: Date.now() });
  }
}
