/** Contacts: the list, one contact's intelligence and score, everyone's names, and their cache keys. */
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { api, unwrap, unwrapPage, type Schemas } from '../api/client';
import type { paths } from '../api/schema';

export type ContactSort = NonNullable<paths['/api/contacts']['get']['parameters']['query']>['sort'];

export const contactKeys = {
  /** Every list of contacts (and the names). */
  lists: ['contacts'] as const,
  list: (q: string, sort: ContactSort) => ['contacts', q, sort] as const,
  names: ['contacts', 'all-names'] as const,
  /** Everything about one contact. */
  one: (id: string) => ['contact', id] as const,
};

export const contactQueries = {
  list: (q: string, sort: ContactSort) =>
    infiniteQueryOptions({
      queryKey: contactKeys.list(q, sort),
      initialPageParam: undefined as string | undefined,
      queryFn: ({ pageParam }) =>
        unwrapPage<Schemas['Contact']>(
          api.GET('/api/contacts', { params: { query: { q: q || undefined, sort, limit: 50, cursor: pageParam } } }),
        ),
      getNextPageParam: (last) => last.nextCursor ?? undefined,
    }),
  /** Up to 200 contacts by name, for pickers. */
  names: () =>
    queryOptions({
      queryKey: contactKeys.names,
      queryFn: () =>
        unwrapPage<Schemas['Contact']>(api.GET('/api/contacts', { params: { query: { sort: 'name', limit: 200 } } })),
    }),
  intelligence: (id: string) =>
    queryOptions({
      queryKey: [...contactKeys.one(id), 'intelligence'] as const,
      queryFn: () => unwrap(api.GET('/api/dashboard/contacts/{id}/intelligence', { params: { path: { id } } })),
    }),
  score: (id: string) =>
    queryOptions({
      queryKey: [...contactKeys.one(id), 'score'] as const,
      queryFn: () => unwrap(api.GET('/api/contacts/{id}/relationship-score', { params: { path: { id } } })),
    }),
};
