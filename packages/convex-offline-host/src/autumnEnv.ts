// Which Autumn the offline host's functions talk to when the developer didn't
// say. The billing module refuses a missing configuration
// (AUTUMN_NOT_CONFIGURED, convex/billing/autumn.ts), so this dev host fills in
// the local sandbox explicitly — one rule, kept apart from main.ts so it can be
// tested: a sandbox URL without a key gets the sandbox's default key, and
// neither set means the local sandbox on its default port with that key. A
// key on its own (real Autumn) is passed through untouched. Empty values count
// as unset, as in the module.
import { DEFAULT_SANDBOX_KEY } from "../../autumn-sandbox/src/server.js";

/** Where `pnpm sandbox` listens by default (AUTUMN_SANDBOX_PORT 3210). */
export const DEFAULT_SANDBOX_URL = "http://127.0.0.1:3210";

export interface AutumnEnv {
  AUTUMN_SANDBOX_URL?: string | undefined;
  AUTUMN_SECRET_KEY?: string | undefined;
}

function set(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== "";
}

/** The Autumn variables to add to `env` (none when it already says which Autumn). */
export function autumnDefaults(env: AutumnEnv): AutumnEnv {
  if (set(env.AUTUMN_SECRET_KEY)) return {};
  if (set(env.AUTUMN_SANDBOX_URL)) return { AUTUMN_SECRET_KEY: DEFAULT_SANDBOX_KEY };
  return { AUTUMN_SANDBOX_URL: DEFAULT_SANDBOX_URL, AUTUMN_SECRET_KEY: DEFAULT_SANDBOX_KEY };
}
