// The usage chart, loaded on demand. recharts is most of this package's
// weight (~104 KiB gzip, measured by `pnpm bench`), so the billing tab pulls
// it in a separate chunk after the rest has rendered; a placeholder of the
// chart's height keeps the layout from shifting while it loads.
import { lazy, Suspense } from "react";
import type { UsageChartProps } from "./UsageChart";

const UsageChart = lazy(() => import("./UsageChart").then((m) => ({ default: m.UsageChart })));

export function LazyUsageChart(props: UsageChartProps) {
  const height = props.height ?? 240;
  return (
    <Suspense fallback={<div className="billing-chart-placeholder" style={{ minHeight: height }} aria-busy="true" aria-label="Loading usage chart" />}>
      <UsageChart {...props} />
    </Suspense>
  );
}
