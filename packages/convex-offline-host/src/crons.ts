// convex/crons.ts on real timers (convex-test never runs crons). The
// default export is a `Crons` object whose `.crons` record holds
// { name: "billing/reconcile:start", args: [encodedArgs], schedule }.
// Schedules are UTC, as on a deployment.
import { Cron } from "croner";
import type { JSONValue } from "convex/values";
import type { Engine, Outcome } from "./engine.js";

type Log = (line: string) => void;

export type CronSchedule =
  | { type: "interval"; seconds?: number; minutes?: number; hours?: number }
  | { type: "hourly"; minuteUTC?: number }
  | { type: "daily"; hourUTC: number; minuteUTC?: number }
  | { type: "weekly"; dayOfWeek: string; hourUTC: number; minuteUTC?: number }
  | { type: "monthly"; day: number; hourUTC: number; minuteUTC?: number }
  | { type: "cron"; cron: string };

export interface CronEntry {
  identifier: string;
  functionName: string;
  args: JSONValue | undefined;
  schedule: CronSchedule;
}

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** Narrow a crons.ts default export. */
export function parseCrons(exported: unknown): CronEntry[] {
  if (typeof exported !== "object" || exported === null || !("crons" in exported)) return [];
  const record: unknown = exported.crons;
  if (typeof record !== "object" || record === null) return [];
  const entries: CronEntry[] = [];
  for (const [identifier, value] of Object.entries(record as Record<string, unknown>)) {
    if (typeof value !== "object" || value === null) continue;
    const v = value as { name?: unknown; args?: unknown; schedule?: unknown };
    if (typeof v.name !== "string" || typeof v.schedule !== "object" || v.schedule === null) continue;
    const args = Array.isArray(v.args) ? (v.args[0] as JSONValue | undefined) : undefined;
    entries.push({ identifier, functionName: v.name, args, schedule: v.schedule as CronSchedule });
  }
  return entries;
}

/** A 5-field UTC cron pattern for a calendar schedule, or an interval in ms. */
export function cronTiming(schedule: CronSchedule): { pattern: string } | { everyMs: number } {
  const m = (minute: number | undefined) => minute ?? 0;
  switch (schedule.type) {
    case "interval":
      return { everyMs: ((schedule.seconds ?? 0) + (schedule.minutes ?? 0) * 60 + (schedule.hours ?? 0) * 3600) * 1000 };
    case "hourly":
      return { pattern: `${m(schedule.minuteUTC)} * * * *` };
    case "daily":
      return { pattern: `${m(schedule.minuteUTC)} ${schedule.hourUTC} * * *` };
    case "weekly":
      return { pattern: `${m(schedule.minuteUTC)} ${schedule.hourUTC} * * ${DAYS.indexOf(schedule.dayOfWeek)}` };
    case "monthly":
      return { pattern: `${m(schedule.minuteUTC)} ${schedule.hourUTC} ${schedule.day} * *` };
    case "cron":
      return { pattern: schedule.cron };
  }
}

export class CronRunner {
  private readonly stops: Array<() => void> = [];
  private readonly running = new Set<string>();

  constructor(
    readonly entries: CronEntry[],
    private readonly engine: Engine,
    private readonly log: Log,
    private readonly changed: () => void,
    /** Persisted last-run times: records each run, and says which runs were missed while the host was down. */
    private readonly history?: { lastRuns(): Record<string, number>; record(identifier: string, at: number): void },
  ) {}

  /**
   * Crons whose next run after their recorded last run has passed (they fell
   * due while the host was down): one catch-up run each, like a deployment
   * after downtime (not one per missed tick). A cron never seen before is
   * recorded as run now.
   */
  missed(now = Date.now()): Array<{ identifier: string; dueAt: number }> {
    if (!this.history) return [];
    const last = this.history.lastRuns();
    const due: Array<{ identifier: string; dueAt: number }> = [];
    for (const entry of this.entries) {
      const at = last[entry.identifier];
      if (at === undefined) {
        this.history.record(entry.identifier, now);
        continue;
      }
      const timing = cronTiming(entry.schedule);
      const next = "everyMs" in timing
        ? (timing.everyMs > 0 ? at + timing.everyMs : Infinity)
        : (new Cron(timing.pattern, { utcOffset: 0, paused: true }).nextRun(new Date(at))?.getTime() ?? Infinity);
      if (next <= now) due.push({ identifier: entry.identifier, dueAt: next });
    }
    return due;
  }

  start(): void {
    for (const { identifier, dueAt } of this.missed()) {
      this.log(`[cron] "${identifier}" was due at ${new Date(dueAt).toISOString()} while the host was down: running it now`);
      void this.run(identifier);
    }
    for (const entry of this.entries) {
      const timing = cronTiming(entry.schedule);
      if ("everyMs" in timing) {
        if (!(timing.everyMs > 0)) {
          this.log(`[cron] "${entry.identifier}": invalid interval, skipped`);
          continue;
        }
        const timer = setInterval(() => void this.run(entry.identifier), timing.everyMs);
        timer.unref();
        this.stops.push(() => clearInterval(timer));
        this.log(`[cron] "${entry.identifier}" → ${entry.functionName} every ${timing.everyMs / 1000}s`);
      } else {
        const job = new Cron(timing.pattern, { utcOffset: 0, unref: true }, () => void this.run(entry.identifier));
        this.stops.push(() => job.stop());
        this.log(`[cron] "${entry.identifier}" → ${entry.functionName} at "${timing.pattern}" UTC (next ${job.nextRun()?.toISOString() ?? "never"})`);
      }
    }
  }

  /** Run one cron's target now (also what the timers call). Overlapping runs of one cron are skipped. */
  async run(identifier: string): Promise<Outcome> {
    const entry = this.entries.find((e) => e.identifier === identifier);
    if (!entry) throw new Error(`No cron named "${identifier}"`);
    if (this.running.has(identifier)) {
      this.log(`[cron] "${identifier}" still running, skipping this run`);
      return { success: false, errorMessage: "Cron is already running" };
    }
    this.running.add(identifier);
    this.history?.record(identifier, Date.now());
    try {
      const outcome = await this.engine.call("any", entry.functionName, entry.args, this.engine.accessor({ identity: null }), {
        allowInternal: true,
      });
      this.log(`[cron] "${identifier}" ${outcome.success ? "succeeded" : `failed: ${outcome.errorMessage}`}`);
      return outcome;
    } finally {
      this.running.delete(identifier);
      this.changed();
    }
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops.length = 0;
  }
}
