// Number and text formatting shared by the table renderers (table.ts,
// table-reconcile.ts), so every cell prints its kind of number the same way.

export type Calls = Record<string, number>;

export const int = (n: number): string => Math.round(n).toLocaleString("en-US");
export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
export const secs = (ms: number): string => {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7_200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3_600).toFixed(1)} h`;
};
export const ms = (x: number): string => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`);
export const times = (r: number): string => `${r >= 10 ? Math.round(r).toLocaleString("en-US") : r.toFixed(1)}×`;
export const sizeLabel = (n: number): string => (n >= 1000 ? `${n / 1000}k` : String(n));
export const calls = (c: Calls): string => Object.entries(c).map(([k, v]) => (v === 1 ? `\`${k}\`` : `${v}× \`${k}\``)).join(" + ") || "none";

