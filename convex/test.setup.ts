/// <reference types="vite/client" />
// Module maps for convex-test (platform-notes §4): the app's functions and
// the locally installed better-auth component's. Multi-dot files (tests,
// *.config.ts, .d.ts) are excluded, matching Convex's own module rule.
export const modules = import.meta.glob(["./**/*.{ts,js}", "!./**/*.*.*", "!./betterAuth/**"]);
export const authModules = import.meta.glob(["./betterAuth/**/*.{ts,js}", "!./betterAuth/**/*.*.*"]);
