import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type Schemas } from '../api/client';
import { day, when } from '../format';
import { Link, setSearch, useLocation, useTitle } from '../router';
import { Badge, Card, Empty, ErrorBox, LoadMore, Loading } from '../ui';
import { inboxQueries, inboxKeys } from '../queries/inbox';
import { callKeys } from '../queries/calls';

type Status = Schemas['Task']['status'];

export function Tasks() {
  useTitle('Tasks and calendar');
  const client = useQueryClient();
  const { search } = useLocation();
  const status = (search.get('status') ?? 'open') as Status;
  const [editing, setEditing] = useState<string | null>(null);
  // A ticked box shows ticked at once; the list catches up when the server has it.
  const [ticked, setTicked] = useState<Record<string, boolean>>({});
  const tasks = useInfiniteQuery(inboxQueries.tasks(status));
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: inboxKeys.tasks }),
      client.invalidateQueries({ queryKey: inboxKeys.overview }),
      client.invalidateQueries({ queryKey: callKeys.details }),
    ]);
  const save = useMutation({
    mutationFn: ({ id, body }: { id?: string; body: Schemas['TaskUpdate'] }) =>
      id
        ? unwrap(api.PATCH('/api/tasks/{id}', { params: { path: { id } }, body }))
        : unwrap(api.POST('/api/tasks', { body: body as Schemas['TaskCreate'] })),
    onSuccess: async () => {
      setEditing(null);
      await refresh();
    },
  });
  // Ticking a task off keeps it in this list, struck through, until the list is loaded again (a row
  // that vanishes under the pointer is easy to tick by mistake and hard to untick).
  const tick = useMutation({
    mutationFn: ({ id, done }: { id: string; done: boolean }) =>
      unwrap(api.PATCH('/api/tasks/{id}', { params: { path: { id } }, body: { status: done ? 'done' : 'open' } })),
    onSuccess: async (row) => {
      client.setQueryData(
        inboxQueries.tasks(status).queryKey,
        (data) =>
          data && {
            ...data,
            pages: data.pages.map((p) => ({ ...p, items: p.items.map((t) => (t.id === row.id ? row : t)) })),
          },
      );
      await Promise.all([
        client.invalidateQueries({ queryKey: inboxKeys.tasks, predicate: (q) => q.queryKey[1] !== status }),
        client.invalidateQueries({ queryKey: inboxKeys.overview }),
        client.invalidateQueries({ queryKey: callKeys.details }),
      ]);
    },
  });
  const rows = tasks.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page">
      <h1>Tasks and calendar</h1>
      <div className="grid">
        <Card title="Tasks" className="wide">
          <div className="tabs" role="group" aria-label="Task status">
            {(['open', 'in_progress', 'done'] as Status[]).map((s) => (
              <button
                key={s}
                type="button"
                aria-pressed={status === s}
                onClick={() => setSearch({ status: s === 'open' ? undefined : s })}
              >
                {s.replace('_', ' ')}
              </button>
            ))}
          </div>
          <TaskForm key="new" onSave={(body) => save.mutate({ body })} busy={save.isPending} />
          {[save.error, tick.error].filter(Boolean).map((e, i) => (
            <ErrorBox key={i} error={e} />
          ))}
          {tasks.isPending ? (
            <Loading what="Loading tasks" />
          ) : tasks.isError ? (
            <ErrorBox error={tasks.error} retry={() => tasks.refetch()} />
          ) : rows.length === 0 ? (
            <Empty>No {status.replace('_', ' ')} tasks. Action items from calls become tasks here.</Empty>
          ) : (
            <ul className="rows tasks">
              {rows.map((t) =>
                editing === t.id ? (
                  <li key={t.id}>
                    <TaskForm
                      task={t}
                      onSave={(body) => save.mutate({ id: t.id, body })}
                      busy={save.isPending}
                      onCancel={() => setEditing(null)}
                    />
                  </li>
                ) : (
                  <li key={t.id} data-testid="task">
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={ticked[t.id] ?? t.status === 'done'}
                        onChange={(e) => {
                          const done = e.target.checked;
                          setTicked((m) => ({ ...m, [t.id]: done }));
                          tick.mutate(
                            { id: t.id, done },
                            { onError: () => setTicked(({ [t.id]: _, ...rest }) => rest) },
                          );
                        }}
                        aria-label={`Done: ${t.title}`}
                      />
                      <span className={(ticked[t.id] ?? t.status === 'done') ? 'done' : ''}>{t.title}</span>
                    </label>
                    <span className="muted">{t.dueDate ? `due ${day(t.dueDate)}` : 'no date'}</span>
                    <Badge value={t.priority} />
                    {t.phoneRecordId && <Link to={`/calls/${t.phoneRecordId}`}>call</Link>}
                    {t.contactId && <Link to={`/contacts/${t.contactId}`}>contact</Link>}
                    <button
                      type="button"
                      className="link"
                      onClick={() => setEditing(t.id)}
                      aria-label={`Edit: ${t.title}`}
                    >
                      Edit
                    </button>
                  </li>
                ),
              )}
            </ul>
          )}
          <LoadMore list={tasks} />
        </Card>
        <Calendar />
      </div>
    </div>
  );
}

function TaskForm({
  task,
  onSave,
  busy,
  onCancel,
}: {
  task?: Schemas['Task'];
  onSave: (body: Schemas['TaskUpdate']) => void;
  busy: boolean;
  onCancel?: () => void;
}) {
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const due = String(f.get('dueDate') ?? '');
    onSave({
      title: String(f.get('title') ?? '').trim(),
      dueDate: due || null,
      priority: String(f.get('priority')) as Schemas['Task']['priority'],
    });
    if (!task) e.currentTarget.reset();
  };
  return (
    <form className="inline task-form" onSubmit={submit} aria-label={task ? `Edit ${task.title}` : 'New task'}>
      <label className="grow">
        {task ? 'Title' : 'New task'} <input name="title" defaultValue={task?.title} required maxLength={500} />
      </label>
      <label>
        Due <input name="dueDate" type="date" defaultValue={task?.dueDate?.slice(0, 10) ?? ''} />
      </label>
      <label>
        Priority
        <select name="priority" defaultValue={task?.priority ?? 'medium'}>
          <option value="low">low</option>
          <option value="medium">medium</option>
          <option value="high">high</option>
          <option value="urgent">urgent</option>
        </select>
      </label>
      <button type="submit" disabled={busy}>
        {task ? 'Save' : 'Add'}
      </button>
      {onCancel && (
        <button type="button" className="link" onClick={onCancel}>
          Cancel
        </button>
      )}
    </form>
  );
}

function Calendar() {
  const client = useQueryClient();
  const today = new Date(new Date().setHours(0, 0, 0, 0)).toISOString();
  const events = useQuery(inboxQueries.calendar(today));
  const create = useMutation({
    mutationFn: (body: Schemas['CalendarEventCreate']) => unwrap(api.POST('/api/calendar', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: inboxKeys.calendar }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/calendar/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: inboxKeys.calendar }),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const start = String(f.get('start') ?? '');
    create.mutate({
      title: String(f.get('title') ?? '').trim(),
      startTime: new Date(start).toISOString(),
      location: String(f.get('location') ?? '').trim() || null,
    });
    e.currentTarget.reset();
  };
  return (
    <Card title="Calendar" className="wide">
      <form className="inline" onSubmit={submit} aria-label="New event">
        <label className="grow">
          New event <input name="title" required maxLength={500} />
        </label>
        <label>
          Starts <input name="start" type="datetime-local" required />
        </label>
        <label>
          Where <input name="location" />
        </label>
        <button type="submit" disabled={create.isPending}>
          Add
        </button>
      </form>
      {[create.error, remove.error].filter(Boolean).map((e, i) => (
        <ErrorBox key={i} error={e} />
      ))}
      {events.isPending ? (
        <Loading />
      ) : events.isError ? (
        <ErrorBox error={events.error} />
      ) : events.data.items.length === 0 ? (
        <p className="muted">Nothing coming up.</p>
      ) : (
        <ul className="rows">
          {events.data.items.map((ev) => (
            <li key={ev.id}>
              <span className="row-main">{ev.title}</span>
              <span className="muted">
                {when(ev.startTime)}
                {ev.location && ` · ${ev.location}`}
              </span>
              <button
                type="button"
                className="link"
                onClick={() => remove.mutate(ev.id)}
                aria-label={`Delete event: ${ev.title}`}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
