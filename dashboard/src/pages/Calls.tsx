import { useInfiniteQuery } from '@tanstack/react-query';
import { ago, duration, when } from '../format';
import { Link, setSearch, useLocation, useTitle } from '../router';
import { Badge, Empty, ErrorBox, LoadMore, Loading } from '../ui';
import { currentStage, STAGES } from '../calls';
import { ContactSelect } from '../contacts';
import { callQueries } from '../queries/calls';

const STATUSES = ['completed', 'missed', 'answered', 'ringing', 'initiated', 'rejected', 'busy', 'failed'] as const;

export function Calls() {
  useTitle('Calls');
  const { search } = useLocation();
  const filters = {
    direction: (search.get('direction') ?? undefined) as 'inbound' | 'outbound' | undefined,
    status: (search.get('status') ?? undefined) as (typeof STATUSES)[number] | undefined,
    contactId: search.get('contactId') ?? undefined,
    from: search.get('from') ?? undefined,
    to: search.get('to') ?? undefined,
    hasTranscript: (search.get('hasTranscript') ?? undefined) as 'true' | 'false' | undefined,
    failedStage: (search.get('failedStage') ?? undefined) as (typeof STAGES)[number] | undefined,
  };
  // Calls in progress show their stage live.
  const calls = useInfiniteQuery(callQueries.list(filters));
  const rows = calls.data?.pages.flatMap((p) => p.items) ?? [];
  const any = Object.values(filters).some(Boolean);
  return (
    <div className="page">
      <h1>Calls</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter calls">
        <label>
          Direction
          <select value={filters.direction ?? ''} onChange={(e) => setSearch({ direction: e.target.value })}>
            <option value="">Any</option>
            <option value="inbound">Inbound</option>
            <option value="outbound">Outbound</option>
          </select>
        </label>
        <label>
          Status
          <select value={filters.status ?? ''} onChange={(e) => setSearch({ status: e.target.value })}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <ContactSelect value={filters.contactId} onChange={(contactId) => setSearch({ contactId })} />
        <label>
          From
          <input type="date" value={filters.from ?? ''} onChange={(e) => setSearch({ from: e.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={filters.to ?? ''} onChange={(e) => setSearch({ to: e.target.value })} />
        </label>
        <label>
          Transcript
          <select value={filters.hasTranscript ?? ''} onChange={(e) => setSearch({ hasTranscript: e.target.value })}>
            <option value="">Any</option>
            <option value="true">Has one</option>
            <option value="false">None</option>
          </select>
        </label>
        <label>
          Failed stage
          <select value={filters.failedStage ?? ''} onChange={(e) => setSearch({ failedStage: e.target.value })}>
            <option value="">Any</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {any && (
          <button
            type="button"
            className="link"
            onClick={() => setSearch(Object.fromEntries(Object.keys(filters).map((k) => [k, undefined])))}
          >
            Clear filters
          </button>
        )}
      </form>
      {calls.isPending ? (
        <Loading what="Loading calls" />
      ) : calls.isError ? (
        <ErrorBox error={calls.error} retry={() => calls.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>
          {any
            ? 'No call matches these filters.'
            : 'No calls yet. Point Telnyx at this server (see Setup) or run `npm run simulate`.'}
        </Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="list">
              <thead>
                <tr>
                  <th scope="col">Who</th>
                  <th scope="col">When</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Status</th>
                  <th scope="col">Summary</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => {
                  const stage = currentStage(c);
                  const failed = STAGES.filter((s) => c.stageStatus[s]?.status === 'failed');
                  return (
                    <tr key={c.id}>
                      <td>
                        <Link to={`/calls/${c.id}`}>{c.contactName ?? c.phoneFormatted}</Link>
                        <div className="muted small">{c.direction}</div>
                      </td>
                      <td title={when(c.startedAt ?? c.createdAt)}>{ago(c.startedAt ?? c.createdAt)}</td>
                      <td>{duration(c.durationSeconds)}</td>
                      <td>
                        <Badge value={c.status} />
                        {stage && <Badge value="running" label={stage} />}
                        {failed.map((s) => (
                          <Badge key={s} value="failed" label={`${s} failed`} />
                        ))}
                      </td>
                      <td className="clip">{c.summary ?? <span className="muted">—</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <LoadMore list={calls} />
        </>
      )}
    </div>
  );
}
