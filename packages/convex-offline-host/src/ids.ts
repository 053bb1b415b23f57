// Document ids for the offline host: random, time-ordered ids of the same
// shape convex-test uses (`<digits><table>`, which its id validation
// parses), that never repeat, not even across restarts and wipes.
// installIds puts them in place of DatabaseFake._generateId.

import { randomInt } from "node:crypto";
import type { DbFake } from "./engineHook.js";

let lastIdMs = 0;
let idSeq = 0;
/**
 * `<13-digit ms><random digits><table>`, at least 32 characters like
 * convex-test's own (`…10012organization`). The time prefix never goes
 * backwards within a process and moves on across restarts and wipes; the
 * random part (≥ 6 digits, plus a per-ms sequence) separates ids made in one
 * millisecond and on clocks that jumped back.
 */
export function newId(table: string, exists: (id: string) => boolean): string {
  const digits = Math.max(20, 32 - table.length);
  for (;;) {
    let ms = Date.now();
    if (ms <= lastIdMs) { ms = lastIdMs; idSeq += 1; } else { lastIdMs = ms; idSeq = 0; }
    const randLen = digits - 13 - 3;
    let rand = "";
    while (rand.length < randLen) rand += randomInt(0, 1_000_000).toString().padStart(6, "0");
    const id = `${ms}${(idSeq % 1000).toString().padStart(3, "0")}${rand.slice(0, randLen)}${table}`;
    if (!exists(id)) return id;
  }
}

export function installIds(db: DbFake): void {
  db._generateId = (table: string) => newId(table, (id) => db.get(undefined, id) !== null || id in db._documents);
}
