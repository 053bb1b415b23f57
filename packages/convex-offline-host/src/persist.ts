// Durable state for the offline host: every committed transaction is on disk
// before its result is acknowledged, a kill -9 loses no acknowledged write,
// and ids never repeat (not even after a wipe).
//
// Storage choice: an append-only log (one line per committed transaction,
// `<crc32 hex>\t<json>\n`, fdatasync'd before the commit returns) plus a
// compacted snapshot (snapshot.json, written to a temp file, fsync'd and
// renamed). Not an embedded database: better-sqlite3 is a native addon
// (better-sqlite3 13 segfaults on Node 20; 12 needs a prebuilt binary or a
// toolchain), while the engine keeps every document in memory anyway
// (convex-test's DatabaseFake scans `_documents`), so the disk only has to
// hold a redo log. Records hold the FINAL values of the documents a
// transaction wrote (or null for a delete), so replaying is idempotent and
// a record is all-or-nothing: a torn or corrupt line fails its checksum.
// Replay stops at the first bad line, reports it, keeps a copy of the bad
// file beside it and truncates the log to the last good record.
//
// The engine hook is in engineHook.ts, the id generator in ids.ts, the record
// and snapshot format in redoLog.ts. Here: on open, the lock, snapshot load,
// log replay and compaction; then every top-level commit's pending write set
// is read just before TransactionManager.commit, the committed values just
// after, and the record is appended and synced before commit returns (so
// before the mutation's result reaches anyone).

import {
  closeSync, copyFileSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync,
  readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync,
} from "node:fs";
import { join } from "node:path";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import type { DbFake, Doc, EngineInternals } from "./engineHook.js";
import { installIds } from "./ids.js";
import { frame, LOG, readLog, SNAPSHOT, type LogRecord, type ReplayReport, type Snapshot, type WriteRecord } from "./redoLog.js";

type Log = (line: string) => void;

const LOCK = "host.lock";

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* not supported on every platform */ }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface PersistStats {
  documents: number;
  records: number;
  replayMs: number;
  droppedTail: ReplayReport["droppedTail"];
  fromSnapshot: boolean;
}

/**
 * Owns one data directory: loads it into the engine, logs every commit,
 * compacts. One host per directory (a lock file holds the owner's pid).
 */
export class Persistence {
  private fd: number | null = null;
  private seq = 0;
  private logBytes = 0;
  private crons: Record<string, number> = {};
  /** Appends and their fdatasync, for the banner and the report. */
  readonly timing = { appends: 0, totalMs: 0, maxMs: 0 };

  constructor(
    readonly dir: string,
    private readonly internals: EngineInternals,
    private readonly log: Log,
    private readonly compactBytes = 8 * 1024 * 1024,
  ) {}

  /** Take the lock, load snapshot + log into the engine, compact, hook commits. */
  open(): PersistStats {
    const started = performance.now();
    mkdirSync(this.dir, { recursive: true });
    this.lock();
    for (const c of Object.values(this.internals.components)) installIds(c.db);

    let fromSnapshot = false;
    const snapFile = join(this.dir, SNAPSHOT);
    if (existsSync(snapFile)) {
      let snap: Snapshot;
      try {
        snap = JSON.parse(readFileSync(snapFile, "utf8")) as Snapshot;
      } catch (err) {
        throw new Error(`[persist] ${snapFile} is unreadable (${(err as Error).message}); move it away or run \`pnpm dev --reset\``);
      }
      if (snap.version !== 1) throw new Error(`[persist] ${snapFile}: unsupported version ${String(snap.version)}`);
      for (const [path, docs] of Object.entries(snap.components)) {
        const db = this.db(path);
        if (!db) { this.log(`[persist] snapshot has documents of component "${path}", which is not installed: ignored`); continue; }
        for (const json of docs) { const doc = jsonToConvex(json) as Doc; db._documents[doc._id] = doc; }
      }
      this.seq = snap.seq;
      this.crons = { ...snap.crons };
      this.bumpCommitTs(BigInt(snap.lastCommitTs));
      fromSnapshot = true;
    }

    const logFile = join(this.dir, LOG);
    let records = 0;
    let droppedTail: ReplayReport["droppedTail"] = null;
    if (existsSync(logFile)) {
      const buf = readFileSync(logFile);
      const parsed = readLog(buf);
      for (const rec of parsed.records) {
        if (rec.seq <= this.seq) continue; // already in the snapshot
        this.apply(rec);
        records += 1;
      }
      if (parsed.reason !== null) {
        const savedAs = `${logFile}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
        copyFileSync(logFile, savedAs);
        droppedTail = { atByte: parsed.goodBytes, bytes: buf.length - parsed.goodBytes, reason: parsed.reason, savedAs };
        this.log(
          `[persist] ${logFile}: ${parsed.reason} at byte ${parsed.goodBytes}: dropped the last ${buf.length - parsed.goodBytes} bytes ` +
          `(a write that was never acknowledged, or damage); kept ${parsed.records.length} records. Original saved as ${savedAs}`,
        );
      }
    }
    for (const c of Object.values(this.internals.components)) {
      let maxCreation = c.db._lastCreationTime;
      for (const d of Object.values(c.db._documents)) if (d._creationTime > maxCreation) maxCreation = d._creationTime;
      c.db._lastCreationTime = maxCreation;
    }
    // Start from a clean snapshot and an empty log (this also drops a bad tail for good).
    this.compact();
    this.hookCommits();
    const documents = Object.values(this.internals.components).reduce((n, c) => n + Object.keys(c.db._documents).length, 0);
    return { documents, records, replayMs: Math.round(performance.now() - started), droppedTail, fromSnapshot };
  }

  /** When each cron last ran (ms), as recorded. */
  cronLastRuns(): Record<string, number> {
    return { ...this.crons };
  }

  recordCron(identifier: string, at: number): void {
    this.crons[identifier] = at;
    this.append({ seq: ++this.seq, cron: identifier, at });
  }

  /** The engine's database for a component path ("" is the app). */
  db(path: string): DbFake | undefined {
    return this.internals.components[path]?.db;
  }

  close(): void {
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
    rmSync(join(this.dir, LOCK), { force: true });
  }

  private lock(): void {
    const file = join(this.dir, LOCK);
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
        throw new Error(`[persist] ${this.dir} is in use by another host (pid ${pid}). Stop it first, or use another data directory.`);
      }
    }
    writeFileSync(file, String(process.pid));
  }

  private bumpCommitTs(ts: bigint): void {
    const tm = this.internals.transactionManager;
    if (ts > tm._lastCommitTs) tm._lastCommitTs = ts;
  }

  private apply(rec: LogRecord): void {
    this.seq = Math.max(this.seq, rec.seq);
    if ("cron" in rec) { this.crons[rec.cron] = rec.at; return; }
    for (const [path, id, json] of rec.w) {
      const db = this.db(path);
      if (!db) continue;
      if (json === null) delete db._documents[id];
      else db._documents[id] = jsonToConvex(json) as Doc;
    }
    this.bumpCommitTs(BigInt(rec.ts));
  }

  private hookCommits(): void {
    const tm = this.internals.transactionManager;
    const original = tm.commit.bind(tm);
    tm.commit = (isNested: boolean) => {
      if (isNested) return original(isNested);
      // The top-level write set of every component, before commit applies it.
      const pending = Object.entries(this.internals.components).map(([path, c]) => {
        const top = c.db._writes[c.db._writes.length - 1];
        return { path, db: c.db, ids: top ? Object.keys(top) : [] };
      });
      const ts = original(false);
      const w: WriteRecord["w"] = [];
      for (const { path, db, ids } of pending) {
        for (const id of ids) {
          const doc = db._documents[id];
          w.push([path, id, doc === undefined ? null : convexToJson(doc as Value)]);
        }
      }
      if (w.length > 0) {
        try {
          this.append({ seq: ++this.seq, ts: String(ts ?? tm._lastCommitTs), w });
        } catch (err) {
          // The write is applied in memory but not on disk: acknowledging it would lie. Stop here.
          this.log(`[persist] FATAL: could not write the commit log in ${this.dir}: ${(err as Error).message}`);
          process.exit(70);
        }
      }
      return ts;
    };
  }

  private append(rec: LogRecord): void {
    if (this.fd === null) throw new Error("[persist] log is not open");
    const t0 = performance.now();
    const line = frame(rec);
    writeSync(this.fd, line);
    fdatasyncSync(this.fd);
    const ms = performance.now() - t0;
    this.timing.appends += 1;
    this.timing.totalMs += ms;
    if (ms > this.timing.maxMs) this.timing.maxMs = ms;
    this.logBytes += Buffer.byteLength(line);
    if (this.logBytes > this.compactBytes) this.compact();
  }

  /** Write everything to a new snapshot (temp file, fsync, rename), then start an empty log. */
  compact(): void {
    const snap: Snapshot = {
      version: 1,
      seq: this.seq,
      lastCommitTs: String(this.internals.transactionManager._lastCommitTs),
      crons: this.crons,
      components: Object.fromEntries(
        Object.entries(this.internals.components).map(([path, c]) => [path, Object.values(c.db._documents).map((d) => convexToJson(d as Value))]),
      ),
    };
    const file = join(this.dir, SNAPSHOT);
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, JSON.stringify(snap));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    fsyncDir(this.dir);
    // Records up to snap.seq are in the snapshot; replay skips them even if the truncate below never happens.
    if (this.fd !== null) closeSync(this.fd);
    this.fd = openSync(join(this.dir, LOG), "a");
    ftruncateSync(this.fd, 0);
    fdatasyncSync(this.fd);
    this.logBytes = 0;
  }
}

/** Remove a data directory's host files (the `--reset` of the dev stack); returns what existed. */
export function wipeHostData(dir: string): string[] {
  const wiped: string[] = [];
  if (!existsSync(dir)) return wiped;
  const lockFile = join(dir, LOCK);
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
      throw new Error(`${dir} is in use by a running host (pid ${pid}); stop it before wiping`);
    }
  }
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  const bytes = size(join(dir, SNAPSHOT)) + size(join(dir, LOG));
  rmSync(dir, { recursive: true, force: true });
  wiped.push(`${dir} (${bytes} bytes)`);
  return wiped;
}
