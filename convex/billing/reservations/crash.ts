// Crash points for the fault suite: tests install a hook that throws a
// CrashError at a named step, so the action (or the background settler) stops
// exactly there, as if its process died — nothing after the point runs, and
// nothing before it is undone. Without a hook (production) `crashPoint` is a
// no-op. The hook lives on globalThis so the test file and the modules
// convex-test loads share it.
export const CRASH_POINTS = ["after_claim", "during_reserve", "after_reserve", "after_work", "during_confirm"] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export class CrashError extends Error {
  constructor(readonly point: CrashPoint) {
    super(`crash injected at ${point}`);
    this.name = "CrashError";
  }
}

type Hook = (point: CrashPoint, lockId: string, phase: "before" | "after") => boolean;
declare global {
  /** The crash hook lives on globalThis so every bundled copy of this module (tests load several) sees one. */
  var __billingReservationsCrashHook: Hook | undefined;
}

/** Tests only: crash wherever `shouldCrash(point, lockId)` says so; `null` removes the hook. */
export function setCrashHook(shouldCrash: Hook | null): void {
  globalThis.__billingReservationsCrashHook = shouldCrash ?? undefined;
}

/** A named step of the flow (`phase`: before or after its Autumn call, where it has one): throws CrashError when a test asked to crash here. */
export function crashPoint(point: CrashPoint, lockId: string, phase: "before" | "after" = "after"): void {
  const hook = globalThis.__billingReservationsCrashHook;
  if (hook?.(point, lockId, phase)) throw new CrashError(point);
}
