import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Metrics } from '../../api/types.js';
import { useLoad } from '../Async.js';
import { useSession } from '../../session.js';

/** Slipway samples every 15 s: the charts ask again as often. */
const REFRESH_MS = 15_000;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

/** One series over time, drawn by uPlot; redrawn in place when the data changes. */
function Chart({ title, times, values, color, format }: { title: string; times: number[]; values: number[]; color: string; format: (v: number) => string }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const width = Math.max(260, el.clientWidth);
    plot.current = new uPlot(
      {
        title,
        width,
        height: 180,
        series: [{}, { label: title, stroke: color, fill: `${color}22`, width: 1.5, value: (_u, v) => (v === null ? '—' : format(v)) }],
        axes: [{}, { values: (_u, splits) => splits.map(format), size: 70 }],
        legend: { show: true },
      },
      [[], []],
      el,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(260, el.clientWidth), height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [title, color, format]);

  useEffect(() => {
    plot.current?.setData([times, values]);
  }, [times, values]);

  return <div className="chart" ref={holder} data-testid={`chart-${title.toLowerCase().split(' ')[0]}`} />;
}

const formatCpu = (v: number) => `${v.toFixed(v < 1 ? 2 : v < 10 ? 1 : 0)} %`;

/** CPU and memory of the service over the last hour, from `GET …/metrics`. */
export function MetricsCharts({ serviceId }: { serviceId: string }) {
  const { client } = useSession();
  const { data, error, reload } = useLoad<Metrics>(() => client.metrics(serviceId, '1h'), [client, serviceId]);
  useEffect(() => {
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const series = useRef<{ key: Metrics | null; times: number[]; cpu: number[]; memory: number[] }>({ key: null, times: [], cpu: [], memory: [] });
  if (data && series.current.key !== data) {
    series.current = {
      key: data,
      times: data.points.map((p) => new Date(p.ts).getTime() / 1000),
      cpu: data.points.map((p) => p.cpuPercent),
      memory: data.points.map((p) => p.memoryBytes),
    };
  }
  const { times, cpu, memory } = series.current;

  if (error && !data) return <p className="form-error">Cannot read metrics: {error.message}</p>;
  if (!data) return <p className="muted">Loading metrics…</p>;
  if (!data.available) return <p className="muted">This runtime does not measure CPU and memory (no metrics API in the cluster).</p>;
  return (
    <>
      {data.points.length === 0 ? (
        <p className="muted" role="status">
          No samples yet: Slipway measures every {data.intervalSeconds} s while the service runs.
        </p>
      ) : null}
      <div className="charts">
        <Chart title="CPU (% of a core)" times={times} values={cpu} color="#1f5fd1" format={formatCpu} />
        <Chart title="Memory" times={times} values={memory} color="#17703a" format={formatBytes} />
      </div>
    </>
  );
}
