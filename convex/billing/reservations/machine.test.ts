// The reservation state machine, edge by edge (pure: no Convex, no Autumn):
// every edge it has, and that every other (state, event) pair is refused —
// in particular nothing reaches `released` once the work is recorded done,
// and nothing reaches `settled` before it (never both confirm and release).
import { describe, expect, it } from "vitest";
import {
  InvalidTransition, isAbandoned, LOCK_TTL_MS, RESERVE_TIMEOUT_MS, SETTLE_TIMEOUT_MS, STATES, sweepActionFor, transition, tryTransition,
  type ReservationEvent, type ReservationState,
} from "./machine";

const EVENTS: ReservationEvent[] = [
  { type: "begin_reserve" }, { type: "lease_taken" }, { type: "reserve_ok" }, { type: "reserve_denied" }, { type: "reserve_refused" },
  { type: "reserve_lost" }, { type: "work_ok" }, { type: "work_ok", failOpen: true }, { type: "released" }, { type: "lock_expired" },
  { type: "settled", by: "confirmed" }, { type: "settled", by: "tracked" },
];
const label = (e: ReservationEvent): string => (e.type === "work_ok" && e.failOpen ? "work_ok(failOpen)" : e.type === "settled" ? `settled(${e.by})` : e.type);

/** Every edge of the machine: [from, event, to, outcome]. */
const EDGES: Array<[ReservationState, string, ReservationState, string | null]> = [
  ["claimed", "begin_reserve", "reserving", null],
  ["claimed", "lease_taken", "reserved", null],
  ["claimed", "released", "released", "released"],
  ["reserving", "reserve_ok", "reserved", null],
  ["reserving", "reserve_denied", "released", "denied"],
  ["reserving", "reserve_refused", "released", "refused"],
  ["reserving", "reserve_lost", "reserve_unknown", null],
  ["reserving", "released", "released", "released"],
  ["reserving", "work_ok(failOpen)", "work_done", null],
  ["reserving", "lock_expired", "expired", "expired"],
  ["reserve_unknown", "reserve_ok", "reserved", null],
  ["reserve_unknown", "reserve_denied", "released", "denied"],
  ["reserve_unknown", "reserve_refused", "released", "refused"],
  ["reserve_unknown", "reserve_lost", "reserve_unknown", null],
  ["reserve_unknown", "released", "released", "released"],
  ["reserve_unknown", "work_ok(failOpen)", "work_done", null],
  ["reserve_unknown", "lock_expired", "expired", "expired"],
  ["reserved", "work_ok", "work_done", null],
  ["reserved", "work_ok(failOpen)", "work_done", null],
  ["reserved", "released", "released", "released"],
  ["reserved", "lock_expired", "expired", "expired"],
  ["work_done", "settled(confirmed)", "settled", "confirmed"],
  ["work_done", "settled(tracked)", "settled", "tracked"],
];

describe("reservation transitions", () => {
  for (const [from, event, to, outcome] of EDGES) {
    it(`${from} --${event}--> ${to}${outcome ? ` (${outcome})` : ""}`, () => {
      const e = EVENTS.find((x) => label(x) === event) as ReservationEvent;
      expect(transition(from, e)).toEqual({ state: to, outcome });
    });
  }

  it("every other (state, event) pair is refused", () => {
    let refused = 0;
    for (const state of STATES) {
      for (const e of EVENTS) {
        if (EDGES.some(([f, ev]) => f === state && ev === label(e))) continue;
        expect(() => transition(state, e), `${state} + ${label(e)}`).toThrow(InvalidTransition);
        expect(tryTransition(state, e)).toBeNull();
        refused += 1;
      }
    }
    expect(refused).toBe(STATES.length * EVENTS.length - EDGES.length);
  });

  it("never both confirm and release: no path from work_done to released, none to settled that skips work_done", () => {
    for (const e of EVENTS) expect(tryTransition("work_done", e)?.state ?? null).not.toBe("released");
    for (const state of STATES) {
      if (state === "work_done") continue;
      for (const e of EVENTS) expect(tryTransition(state, e)?.state ?? null).not.toBe("settled");
    }
  });

  it("final states have no way out", () => {
    for (const state of ["settled", "released", "expired"] as const) for (const e of EVENTS) expect(tryTransition(state, e)).toBeNull();
  });
});

describe("abandonment and what the sweeper does", () => {
  const T = 1_800_000_000_000;
  const row = (state: ReservationState, extra: { failOpen?: boolean } = {}) => ({ state, updatedAt: T, expiresAt: T + LOCK_TTL_MS, ...extra });

  it("claimed / reserving / reserve_unknown: after RESERVE_TIMEOUT_MS", () => {
    for (const s of ["claimed", "reserving", "reserve_unknown"] as const) {
      expect(isAbandoned(row(s), T + RESERVE_TIMEOUT_MS - 1)).toBe(false);
      expect(isAbandoned(row(s), T + RESERVE_TIMEOUT_MS)).toBe(true);
    }
  });
  it("a fail-open reserve_unknown (work may be running): only at the lock's expiry", () => {
    expect(isAbandoned(row("reserve_unknown", { failOpen: true }), T + RESERVE_TIMEOUT_MS)).toBe(false);
    expect(isAbandoned(row("reserve_unknown", { failOpen: true }), T + LOCK_TTL_MS)).toBe(true);
  });
  it("reserved: the work may run until the lock expires", () => {
    expect(isAbandoned(row("reserved"), T + LOCK_TTL_MS - 1)).toBe(false);
    expect(isAbandoned(row("reserved"), T + LOCK_TTL_MS)).toBe(true);
  });
  it("work_done: when the background confirm has not landed after SETTLE_TIMEOUT_MS", () => {
    expect(isAbandoned(row("work_done"), T + SETTLE_TIMEOUT_MS - 1)).toBe(false);
    expect(isAbandoned(row("work_done"), T + SETTLE_TIMEOUT_MS)).toBe(true);
  });
  it("final rows are never abandoned", () => {
    for (const s of ["settled", "released", "expired"] as const) expect(isAbandoned(row(s), T + 10 * LOCK_TTL_MS)).toBe(false);
  });
  it("sweep actions: claimed → local release; reserving/unknown/reserved → release in Autumn; leased reserved → back to the lease; work_done → settle", () => {
    expect(sweepActionFor({ state: "claimed", leased: false })).toBe("release_local");
    expect(sweepActionFor({ state: "reserving", leased: false })).toBe("release_in_autumn");
    expect(sweepActionFor({ state: "reserve_unknown", leased: false })).toBe("release_in_autumn");
    expect(sweepActionFor({ state: "reserved", leased: false })).toBe("release_in_autumn");
    expect(sweepActionFor({ state: "reserved", leased: true })).toBe("release_local");
    expect(sweepActionFor({ state: "work_done", leased: false })).toBe("settle");
    for (const s of ["settled", "released", "expired"] as const) expect(sweepActionFor({ state: s, leased: false })).toBeNull();
  });
});
