/** Calls: the log (paged, filtered), one call, and their cache keys. */
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { api, unwrap, unwrapPage, type Schemas } from '../api/client';
import { currentStage } from '../calls';
import type { paths } from '../api/schema';

type Summary = Schemas['PhoneRecordSummary'];
export type CallFilters = NonNullable<paths['/api/phone-records']['get']['parameters']['query']>;

export const callKeys = {
  /** Every list of calls (any filter, a contact's calls too). */
  lists: ['calls'] as const,
  list: (filters: CallFilters) => ['calls', filters] as const,
  /** Every call's detail. */
  details: ['call'] as const,
  detail: (id: string) => ['call', id] as const,
};

export const callQueries = {
  /** The call log, 25 a page; calls in progress refresh every 3 s to show their stage live. */
  list: (filters: CallFilters) =>
    infiniteQueryOptions({
      queryKey: callKeys.list(filters),
      initialPageParam: undefined as string | undefined,
      queryFn: ({ pageParam }) =>
        unwrapPage<Summary>(
          api.GET('/api/phone-records', { params: { query: { ...filters, limit: 25, cursor: pageParam } } }),
        ),
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((c) => currentStage(c))) ? 3_000 : 60_000),
    }),
  /** A contact's latest 50 calls. */
  ofContact: (contactId: string) =>
    queryOptions({
      queryKey: callKeys.list({ contactId }),
      queryFn: () =>
        unwrapPage<Summary>(api.GET('/api/phone-records', { params: { query: { contactId, limit: 50 } } })),
    }),
  /** One call in full; refreshes every 3 s while its pipeline runs. */
  detail: (id: string) =>
    queryOptions({
      queryKey: callKeys.detail(id),
      queryFn: () => unwrap(api.GET('/api/phone-records/{id}', { params: { path: { id } } })),
      refetchInterval: (q) => (q.state.data && currentStage(q.state.data) ? 3_000 : false),
    }),
};
