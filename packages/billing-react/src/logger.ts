// A Convex client logger that does not report EXPECTED, typed billing
// outcomes as errors. The Convex client logs every failed mutation/action as
// "[CONVEX A(fn)] Uncaught ConvexError: {...}" on console.error, even when
// the app catches the error and shows it (QUOTA_EXCEEDED at a limit, a member
// getting FORBIDDEN, a form's INVALID_ARGUMENT). Those are outcomes, not
// bugs: this logger writes them at debug level; everything else is an error
// as before.
//
//   new ConvexReactClient(url, { logger: billingAwareLogger() })

/** Codes that are answers to the user, not failures of the app. */
export const EXPECTED_BILLING_CODES: ReadonlySet<string> = new Set([
  "QUOTA_EXCEEDED", "FEATURE_NOT_AVAILABLE", "FEATURE_NOT_FOUND", "FORBIDDEN", "INVALID_ARGUMENT", "INVALID_REDIRECT",
  "CURRENCY_MISMATCH", "PLAN_NOT_FOUND", "CONFLICT", "NO_ACTIVE_ORGANIZATION", "UNAUTHENTICATED",
]);

export interface ConvexLogger {
  logVerbose(...args: unknown[]): void;
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** The billing code in a Convex client log line ("… Uncaught ConvexError: {…"code":"X"…}"), or null. */
export function expectedCodeIn(line: unknown): string | null {
  if (typeof line !== "string") return null;
  const at = line.indexOf("ConvexError");
  if (at < 0) return null;
  const m = /"code"\s*:\s*"([A-Z_]+)"/.exec(line.slice(at));
  return m && m[1] && EXPECTED_BILLING_CODES.has(m[1]) ? m[1] : null;
}

export function billingAwareLogger(options: { verbose?: boolean; console?: Pick<Console, "debug" | "log" | "warn" | "error"> } = {}): ConvexLogger {
  const out = options.console ?? console;
  return {
    logVerbose: (...args) => { if (options.verbose) out.debug(...args); },
    log: (...args) => out.log(...args),
    warn: (...args) => out.warn(...args),
    error: (...args) => {
      const code = expectedCodeIn(args[0]);
      if (code) out.debug(`[billing] expected outcome ${code}:`, ...args);
      else out.error(...args);
    },
  };
}
