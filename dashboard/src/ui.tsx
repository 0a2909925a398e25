/** Small building blocks every page uses: states (loading, empty, error), cards, badges, charts. */
import type { ReactNode } from 'react';
import { ApiFailure } from './api/client';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what} …
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof ApiFailure || error instanceof Error ? error.message : 'Something went wrong';
  return (
    <div className="state error" role="alert">
      <strong>Could not load this.</strong> {message}
      {retry && (
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

export function Card({
  title,
  children,
  action,
  className,
}: {
  title?: ReactNode;
  children: ReactNode;
  action?: ReactNode;
  className?: string;
}) {
  return (
    <section className={`card ${className ?? ''}`}>
      {(title || action) && (
        <header className="card-head">
          {title && <h2>{title}</h2>}
          {action}
        </header>
      )}
      {children}
    </section>
  );
}

const tones: Record<string, string> = {
  positive: 'good',
  done: 'good',
  completed: 'good',
  answered: 'good',
  ok: 'good',
  sent: 'good',
  negative: 'bad',
  failed: 'bad',
  missed: 'bad',
  rejected: 'bad',
  busy: 'bad',
  unavailable: 'bad',
  running: 'info',
  pending: 'info',
  in_progress: 'info',
  ringing: 'info',
  initiated: 'info',
  open: 'info',
  skipped: 'muted',
  cancelled: 'muted',
  retracted: 'muted',
  neutral: 'muted',
};

export function Badge({ value, label }: { value: string | null | undefined; label?: string }) {
  if (!value) return null;
  return <span className={`badge ${tones[value] ?? 'muted'}`}>{label ?? value.replace(/_/g, ' ')}</span>;
}

export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-value">{value}</div>
      <div className="stat-label">{label}</div>
      {hint && <div className="stat-hint">{hint}</div>}
    </div>
  );
}

/** Bars for a series of days; the tallest bar fills the height. Accessible as a table of values. */
export function BarChart({ data, label }: { data: { label: string; value: number; title: string }[]; label: string }) {
  const max = Math.max(1, ...data.map((d) => d.value));
  const w = 100 / Math.max(1, data.length);
  return (
    <figure className="chart">
      <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={label}>
        {data.map((d, i) => (
          <rect
            key={d.label}
            x={i * w + w * 0.15}
            width={w * 0.7}
            y={40 - (d.value / max) * 38}
            height={(d.value / max) * 38}
            className="bar"
          >
            <title>{d.title}</title>
          </rect>
        ))}
      </svg>
      <figcaption className="chart-axis">
        <span>{data[0]?.label}</span>
        <span>{data[data.length - 1]?.label}</span>
      </figcaption>
    </figure>
  );
}

/** A line over time (score history), 0-100. */
export function LineChart({ points, label }: { points: { at: string; value: number }[]; label: string }) {
  if (points.length < 2) return <p className="muted">Not enough history for a chart yet.</p>;
  const t0 = new Date(points[0]!.at).getTime();
  const t1 = new Date(points[points.length - 1]!.at).getTime();
  const x = (at: string) => ((new Date(at).getTime() - t0) / Math.max(1, t1 - t0)) * 100;
  const d = points
    .map((p, i) => `${i ? 'L' : 'M'}${x(p.at).toFixed(2)},${(40 - (p.value / 100) * 38).toFixed(2)}`)
    .join(' ');
  return (
    <figure className="chart">
      <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={label}>
        <path d={d} className="line" vectorEffect="non-scaling-stroke" />
      </svg>
    </figure>
  );
}

/** The "Load more" button of a keyset-paged list. */
export function LoadMore({
  list,
}: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  if (!list.hasNextPage) return null;
  return (
    <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
      {list.isFetchingNextPage ? 'Loading …' : 'Load more'}
    </button>
  );
}
