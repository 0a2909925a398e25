/** The session, the Setup page's facts, readiness and search, and their cache keys. */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';

/** /ready's body (not part of the REST API: it answers load balancers too). */
export interface Ready {
  status: string;
  failed: string[];
  checks: Record<string, { status: string; detail?: string }>;
}

export type SearchMode = 'hybrid' | 'semantic' | 'fulltext';
export interface SearchQuery {
  q: string;
  type?: 'call' | 'message';
  contactId?: string;
  from?: string;
  to?: string;
}

export const systemQueries = {
  session: () =>
    queryOptions({
      queryKey: ['session'] as const,
      queryFn: () => unwrap(api.GET('/api/session')),
      retry: false,
      staleTime: 60_000,
    }),
  setup: () => queryOptions({ queryKey: ['setup'] as const, queryFn: () => unwrap(api.GET('/api/setup')) }),
  ready: () =>
    queryOptions({
      queryKey: ['ready'] as const,
      queryFn: async (): Promise<Ready> =>
        (await fetch('/ready', { credentials: 'same-origin' })).json() as Promise<Ready>,
      refetchInterval: 30_000,
    }),
  search: (mode: SearchMode, query: SearchQuery) =>
    queryOptions({
      queryKey: ['search', mode, query] as const,
      enabled: query.q.trim().length > 0,
      queryFn: (): Promise<Schemas['SearchResult']> => {
        const params = { query: { ...query, limit: 20 } };
        if (mode === 'semantic') return unwrap(api.GET('/api/search/semantic', { params }));
        if (mode === 'fulltext') return unwrap(api.GET('/api/search/fulltext', { params }));
        return unwrap(api.GET('/api/search', { params }));
      },
    }),
};
