// Usage over time (recharts): one line per metered feature, one point per
// UTC day, from metering's getUsageHistory (reactive, cache only). The API
// entry is optional: without it, or if the query fails, the chart quietly
// says so. A visually hidden table carries the same numbers for screen readers.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useBillingContext } from "../context";
import { formatDay } from "../format";
import { useBillingQuery } from "../hooks/useBillingQuery";
import type { UsageHistory } from "../types";

export interface UsageChartProps {
  /** One feature only (default: every metered feature with usage). */
  featureId?: string;
  /** Days back, today included (default 30). */
  days?: number;
  /** Chart height in px (default 240; the loading placeholder has the same). */
  height?: number;
  /** Render this data instead of querying (e.g. an admin view). */
  history?: UsageHistory;
}

const COLORS = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2"];

export function UsageChart({ featureId, days = 30, height = 240, history }: UsageChartProps) {
  const { api, locale } = useBillingContext();
  const args = featureId === undefined ? { days } : { featureId, days };
  const query = useBillingQuery(api.getUsageHistory, history ? "skip" : args);
  const data = history ?? query.data;

  if (!history && !api.getUsageHistory) return null;
  if (!data) {
    return (
      <div className="billing-chart" style={{ height }} aria-busy={query.status === "loading"}>
        {query.status === "error" ? <p className="billing-muted">Usage history isn't available right now.</p> : <div className="billing-skeleton billing-skeleton--block" aria-hidden="true" />}
      </div>
    );
  }
  if (data.series.length === 0 || data.series.every((s) => s.points.every((p) => p.units === 0))) {
    return <div className="billing-chart billing-chart--empty" style={{ height }}><p className="billing-muted">No usage in the last {days} days.</p></div>;
  }

  const rows = new Map<number, Record<string, number>>();
  for (const s of data.series) {
    for (const p of s.points) {
      const row = rows.get(p.day) ?? { day: p.day };
      row[s.featureId] = p.units;
      rows.set(p.day, row);
    }
  }
  const chartData = [...rows.values()].sort((a, b) => (a.day ?? 0) - (b.day ?? 0));
  // Small counts get whole-number ticks 0…max (never 0, 0.5, 1 or repeated 1s); larger ones recharts' own.
  const top = Math.max(1, ...data.series.flatMap((s) => s.points.map((p) => p.units)));
  const smallTicks = top <= 6 ? Array.from({ length: Math.ceil(top) + 1 }, (_, i) => i) : undefined;

  return (
    <figure className="billing-chart" style={{ height }}>
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 600, height }}>
        <LineChart data={chartData} margin={{ top: 8, right: 24, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" className="billing-chart__grid" />
          {/* Padding keeps the first and last day labels inside the chart (they were clipped at the edges). */}
          <XAxis dataKey="day" tickFormatter={(d: number) => formatDay(d, locale)} minTickGap={24} padding={{ left: 12, right: 12 }} interval="preserveStartEnd" />
          <YAxis allowDecimals={false} width={40} {...(smallTicks ? { ticks: smallTicks, domain: [0, smallTicks[smallTicks.length - 1] ?? 1] } : {})} />
          <Tooltip labelFormatter={(d) => (typeof d === "number" ? formatDay(d, locale) : String(d))} />
          <Legend />
          {data.series.map((s, i) => (
            <Line key={s.featureId} type="monotone" dataKey={s.featureId} name={s.name} stroke={COLORS[i % COLORS.length]} dot={false} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <table className="billing-sr-only">
        <caption>Usage per day</caption>
        <thead><tr><th scope="col">Day</th>{data.series.map((s) => <th key={s.featureId} scope="col">{s.name}</th>)}</tr></thead>
        <tbody>
          {chartData.map((row) => (
            <tr key={row.day}>
              <th scope="row">{formatDay(row.day ?? 0, locale)}</th>
              {data.series.map((s) => <td key={s.featureId}>{row[s.featureId] ?? 0}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
