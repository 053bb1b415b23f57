// The reservation state machine, pure (no Convex, no Autumn): every metered
// operation is one row whose state is written BEFORE the Autumn call it leads
// to, so an action that dies at any point leaves a row that says what is owed.
// The flow (../metering.ts), the background settler (settle.ts) and the
// sweeper (sweeper.ts) only ever move a row with `transition`.
//
//   claimed ──begin_reserve──▶ reserving ──reserve_ok──▶ reserved ──work_ok──▶ work_done ──settled──▶ settled
//      │                          │  ▲                      │  ▲                    (confirm, or track with the
//      │ lease_taken ─────────────┼──┼──────────────────────┘  │                     row's key if the lock expired)
//      │ (units from a lease:     │  │ reserve_ok              │
//      │  no Autumn call)         │  │                         │ released (lock released in Autumn, or nothing held)
//      │                          ▼  │                         ▼
//      │                     reserve_unknown ──released──▶ released ◀── reserve_denied / reserve_refused
//      └── released (no check was ever sent) ──────────────────┘
//   reserved ──lock_expired──▶ expired   (action dead; Autumn let the lock go at its expiry)
//   reserve_unknown ──work_ok (fail-open only)──▶ work_done   (confirm if the lock exists, else track)
//
// Never both confirm and release: `released` is reachable only from states in
// which the work has not been recorded done, and `settled` only from work_done.
// What each state owes, and what the sweeper does with it when its action died:
//   claimed          nothing was sent to Autumn          → released (no call)
//   reserving        a check may have created the lock   → finalize release by lock id (unknown lock = fine)
//   reserve_unknown  the check's answer was lost         → the same
//   reserved         a lock is held, the work not done   → finalize release (after expiry: expired, no call)
//   work_done        the work ran: usage is owed         → finalize confirm; lock gone → track (row's key)

export const STATES = ["claimed", "reserving", "reserve_unknown", "reserved", "work_done", "settled", "released", "expired"] as const;
export type ReservationState = (typeof STATES)[number];
/** States the sweeper settles when their action is gone (oldest first). */
export const OPEN_STATES: readonly ReservationState[] = ["claimed", "reserving", "reserve_unknown", "reserved", "work_done"];

/** How a settled/released row ended (for audit and the proof). */
export type Outcome = "confirmed" | "tracked" | "released" | "denied" | "refused" | "expired";

export type ReservationEvent =
  | { type: "begin_reserve" }
  | { type: "lease_taken" }
  | { type: "reserve_ok" }
  | { type: "reserve_denied" }
  /** Autumn answered with an error that means no lock was created (4xx). */
  | { type: "reserve_refused" }
  /** No answer (timeout, 5xx after retries, connection lost): the lock may exist. */
  | { type: "reserve_lost" }
  /** The work finished; `failOpen`: it ran without a confirmed reservation. */
  | { type: "work_ok"; failOpen?: boolean }
  /** Whatever was held is given back (Autumn release applied, lock unknown to Autumn, or nothing was ever sent). */
  | { type: "released" }
  /** Autumn released the lock at its expiry; the work was never recorded done. */
  | { type: "lock_expired" }
  /** The usage is in Autumn: by the lock's confirm, or by a track with the row's key. */
  | { type: "settled"; by: "confirmed" | "tracked" };

export interface Step {
  state: ReservationState;
  outcome: Outcome | null;
}

/** An event that does not apply to the state: the caller leaves the row alone (a late or duplicate step). */
export class InvalidTransition extends Error {
  constructor(readonly from: ReservationState, readonly event: ReservationEvent["type"]) {
    super(`reservation: ${event} does not apply to a ${from} row`);
  }
}

/** (state, event) → next state and how it ended; throws InvalidTransition for an edge the machine does not have. */
export function transition(state: ReservationState, event: ReservationEvent): Step {
  const to = (next: ReservationState, outcome: Outcome | null = null): Step => ({ state: next, outcome });
  switch (state) {
    case "claimed":
      if (event.type === "begin_reserve") return to("reserving");
      if (event.type === "lease_taken") return to("reserved");
      if (event.type === "released") return to("released", "released");
      break;
    case "reserving":
    case "reserve_unknown":
      if (event.type === "reserve_ok") return to("reserved");
      if (event.type === "reserve_denied") return to("released", "denied");
      if (event.type === "reserve_refused") return to("released", "refused");
      if (event.type === "reserve_lost") return to("reserve_unknown");
      if (event.type === "released") return to("released", "released");
      if (event.type === "work_ok" && event.failOpen) return to("work_done");
      if (event.type === "lock_expired") return to("expired", "expired");
      break;
    case "reserved":
      if (event.type === "work_ok") return to("work_done");
      if (event.type === "released") return to("released", "released");
      if (event.type === "lock_expired") return to("expired", "expired");
      break;
    case "work_done":
      if (event.type === "settled") return to("settled", event.by);
      break;
    case "settled":
    case "released":
    case "expired":
      break;
  }
  throw new InvalidTransition(state, event.type);
}

/** `transition`, or null when the edge does not exist (for callers that skip stale steps). */
export function tryTransition(state: ReservationState, event: ReservationEvent): Step | null {
  try {
    return transition(state, event);
  } catch (err) {
    if (err instanceof InvalidTransition) return null;
    throw err;
  }
}

// ── timing ───────────────────────────────────────────────────────────────────

/** How long a reservation may be held before Autumn releases it by itself. */
export const LOCK_TTL_MS = 5 * 60_000;
/** A claimed / reserving / reserve_unknown row this old has no live action behind it (a check is never this slow). */
export const RESERVE_TIMEOUT_MS = 30_000;
/**
 * A lock Autumn does not know yet may still be created by a check that is slow
 * server-side; until this age an "unknown lock" release is retried, not trusted.
 */
export const CHECK_HORIZON_MS = 2 * 60_000;
/** A work_done row whose background confirm has not landed after this long is settled by the sweeper. */
export const SETTLE_TIMEOUT_MS = 30_000;
/** The sweeper's cron interval (crons.ts). */
export const SWEEP_INTERVAL_MS = 60_000;

/** Is a row in `state`, last moved at `updatedAt`, abandoned at `now` (its action is dead and the sweeper takes over)? */
export function isAbandoned(row: { state: ReservationState; updatedAt: number; expiresAt: number; failOpen?: boolean }, now: number): boolean {
  switch (row.state) {
    case "claimed":
    case "reserving":
      return now - row.updatedAt >= RESERVE_TIMEOUT_MS;
    case "reserve_unknown":
      // A fail-open work may still be running: its lock (if any) expires by itself.
      return row.failOpen ? now >= row.expiresAt : now - row.updatedAt >= RESERVE_TIMEOUT_MS;
    case "reserved":
      // The work may legitimately run until the lock expires.
      return now >= row.expiresAt;
    case "work_done":
      return now - row.updatedAt >= SETTLE_TIMEOUT_MS;
    default:
      return false;
  }
}

/** The sweeper's decision for an abandoned row (what to ask Autumn, if anything). */
export type SweepAction = "release_local" | "release_in_autumn" | "settle";

export function sweepActionFor(row: { state: ReservationState; leased: boolean }): SweepAction | null {
  switch (row.state) {
    case "claimed":
      return "release_local"; // no check was ever sent
    case "reserving":
    case "reserve_unknown":
      return "release_in_autumn";
    case "reserved":
      // A unit taken from a lease goes back to the lease; Autumn holds the lease's lock, not this row's.
      return row.leased ? "release_local" : "release_in_autumn";
    case "work_done":
      return "settle";
    default:
      return null;
  }
}
