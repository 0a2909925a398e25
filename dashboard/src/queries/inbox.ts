/** The owner's inbox: notifications, texts, tasks, the calendar, the overview, and their cache keys. */
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { api, body, unwrap, unwrapPage, type Schemas } from '../api/client';
import type { paths } from '../api/schema';

export type TaskStatus = NonNullable<paths['/api/tasks']['get']['parameters']['query']>['status'];

export const inboxKeys = {
  notifications: ['notifications'] as const,
  messages: ['messages'] as const,
  tasks: ['tasks'] as const,
  taskList: (status: TaskStatus) => ['tasks', status] as const,
  calendar: ['calendar'] as const,
  overview: ['overview'] as const,
};

export const inboxQueries = {
  /** The unread count beside the nav's Notifications (one item asked for; the count comes with it). */
  unreadCount: () =>
    queryOptions({
      queryKey: [...inboxKeys.notifications, 'unread-count'] as const,
      queryFn: async () =>
        (await body(api.GET('/api/notifications', { params: { query: { unread: 'true', limit: 1 } } }))).unreadCount,
      refetchInterval: 60_000,
    }),
  /** The five newest unread, for the overview. */
  unread: () =>
    queryOptions({
      queryKey: [...inboxKeys.notifications, 'unread'] as const,
      queryFn: () =>
        unwrapPage<Schemas['Notification']>(
          api.GET('/api/notifications', { params: { query: { unread: 'true', limit: 5 } } }),
        ),
      refetchInterval: 60_000,
    }),
  notifications: (unreadOnly: boolean) =>
    infiniteQueryOptions({
      queryKey: [...inboxKeys.notifications, 'inbox', unreadOnly] as const,
      initialPageParam: undefined as string | undefined,
      queryFn: ({ pageParam }) =>
        unwrapPage<Schemas['Notification']>(
          api.GET('/api/notifications', {
            params: { query: { unread: unreadOnly ? 'true' : undefined, limit: 50, cursor: pageParam } },
          }),
        ),
      getNextPageParam: (last) => last.nextCursor ?? undefined,
    }),
  /** The 200 newest texts, threaded by the page. */
  recentMessages: () =>
    queryOptions({
      queryKey: [...inboxKeys.messages, 'recent'] as const,
      queryFn: () => unwrapPage<Schemas['Message']>(api.GET('/api/messages', { params: { query: { limit: 200 } } })),
      refetchInterval: 60_000,
    }),
  messagesOfContact: (contactId: string) =>
    queryOptions({
      queryKey: [...inboxKeys.messages, { contactId }] as const,
      queryFn: () =>
        unwrapPage<Schemas['Message']>(api.GET('/api/messages', { params: { query: { contactId, limit: 50 } } })),
    }),
  tasks: (status: TaskStatus) =>
    infiniteQueryOptions({
      queryKey: inboxKeys.taskList(status),
      initialPageParam: undefined as string | undefined,
      queryFn: ({ pageParam }) =>
        unwrapPage<Schemas['Task']>(
          api.GET('/api/tasks', { params: { query: { status, limit: 50, cursor: pageParam } } }),
        ),
      getNextPageParam: (last) => last.nextCursor ?? undefined,
    }),
  calendar: (from: string) =>
    queryOptions({
      queryKey: [...inboxKeys.calendar, from] as const,
      queryFn: () =>
        unwrapPage<Schemas['CalendarEvent']>(api.GET('/api/calendar', { params: { query: { from, limit: 50 } } })),
    }),
  overview: () =>
    queryOptions({
      queryKey: inboxKeys.overview,
      queryFn: () => unwrap(api.GET('/api/dashboard/overview', { params: { query: { days: 30 } } })),
      refetchInterval: 60_000,
    }),
};
