// The on-disk format of the offline host's data directory: the append-only
// redo log (one line per committed transaction or cron run,
// `<crc32 hex>\t<json>\n`) and the compacted snapshot. A record holds the
// FINAL values of the documents a transaction wrote (null for a delete), so
// replaying is idempotent; a torn or corrupt line fails its checksum and
// readLog stops there.

import { crc32 } from "node:zlib";
import type { JSONValue } from "convex/values";

export interface WriteRecord { seq: number; ts: string; w: Array<[component: string, id: string, doc: JSONValue | null]> }
export interface CronRecord { seq: number; cron: string; at: number }
export type LogRecord = WriteRecord | CronRecord;
export interface Snapshot {
  version: 1;
  seq: number;
  lastCommitTs: string;
  crons: Record<string, number>;
  components: Record<string, JSONValue[]>;
}

export const LOG = "convex.log";
export const SNAPSHOT = "snapshot.json";

export function frame(rec: LogRecord): string {
  const json = JSON.stringify(rec);
  return `${crc32(json).toString(16).padStart(8, "0")}\t${json}\n`;
}

export interface ReplayReport {
  records: number;
  /** Set when the log ended in a torn or corrupt record (dropped). */
  droppedTail: { atByte: number; bytes: number; reason: string; savedAs: string } | null;
}

/** Parse the log; stop at the first torn or corrupt record. */
export function readLog(buf: Buffer): { records: LogRecord[]; goodBytes: number; reason: string | null } {
  const records: LogRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl === -1) return { records, goodBytes: pos, reason: "truncated record (no end of line)" };
    const line = buf.subarray(pos, nl).toString("utf8");
    const tab = line.indexOf("\t");
    const json = tab === 8 ? line.slice(9) : null;
    if (json === null || parseInt(line.slice(0, 8), 16) !== crc32(json)) {
      return { records, goodBytes: pos, reason: "checksum mismatch" };
    }
    try {
      records.push(JSON.parse(json) as LogRecord);
    } catch {
      return { records, goodBytes: pos, reason: "unparseable record" };
    }
    pos = nl + 1;
  }
  return { records, goodBytes: pos, reason: null };
}
