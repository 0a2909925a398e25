import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type Schemas } from '../api/client';
import { ago, duration, when } from '../format';
import { Link, navigate, useTitle } from '../router';
import { Badge, Card, ErrorBox, LineChart, Loading, Stat } from '../ui';
import { useContactNames } from '../contacts';
import { contactQueries, contactKeys } from '../queries/contacts';
import { callQueries } from '../queries/calls';
import { inboxQueries } from '../queries/inbox';

/** The factors behind a score, in words. */
const FACTOR_LABELS: Record<string, string> = {
  recency: 'Recency (0-100)',
  frequency: 'Frequency (0-100)',
  duration: 'Call length (0-100)',
  sentiment: 'Sentiment (0-100)',
  engagement: 'Engagement (0-100)',
  daysSinceLast: 'Days since last contact',
  usualGapDays: 'Usual gap (days)',
  usualGapSource: 'Usual gap from',
  overdueRatio: 'Days since last ÷ usual gap',
  promiseLoad: 'Open promises (weighted)',
  avgCallSeconds: 'Average call (s)',
  activeDays180: 'Active days (180 d)',
  openTasks: 'Open tasks',
  calls: 'Calls',
  missedCalls: 'Missed calls',
  messages: 'Messages',
};

export function Contact({ id }: { id: string }) {
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const intel = useQuery(contactQueries.intelligence(id));
  const score = useQuery(contactQueries.score(id));
  const calls = useQuery(callQueries.ofContact(id));
  const texts = useQuery(inboxQueries.messagesOfContact(id));
  useTitle(intel.data?.contact.name ?? 'Contact');
  const refresh = () => client.invalidateQueries({ queryKey: contactKeys.one(id) });
  const update = useMutation({
    mutationFn: (body: Schemas['ContactUpdate']) =>
      unwrap(api.PATCH('/api/contacts/{id}', { params: { path: { id } }, body })),
    onSuccess: async () => {
      setEditing(false);
      await Promise.all([refresh(), client.invalidateQueries({ queryKey: contactKeys.lists })]);
    },
  });
  const remove = useMutation({
    mutationFn: async (mode: 'delete' | 'forget'): Promise<void> => {
      if (mode === 'forget') await unwrap(api.POST('/api/contacts/{id}/forget', { params: { path: { id } } }));
      else await unwrap(api.DELETE('/api/contacts/{id}', { params: { path: { id } } }));
    },
    onSuccess: async () => {
      await client.invalidateQueries();
      navigate('/contacts', { replace: true });
    },
  });
  const completeTask = useMutation({
    mutationFn: (taskId: string) =>
      unwrap(api.PATCH('/api/tasks/{id}', { params: { path: { id: taskId } }, body: { status: 'done' } })),
    onSuccess: refresh,
  });

  if (intel.isPending) return <Loading what="Loading the contact" />;
  if (intel.isError) return <ErrorBox error={intel.error} retry={() => intel.refetch()} />;
  const { contact, interactions } = intel.data;
  const timeline = [
    ...(calls.data?.items ?? []).map((c) => ({ kind: 'call' as const, at: c.startedAt ?? c.createdAt, call: c })),
    ...(texts.data?.items ?? []).map((m) => ({ kind: 'message' as const, at: m.occurredAt, message: m })),
  ].sort((a, b) => b.at.localeCompare(a.at));
  const s = score.data;
  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/contacts">Contacts</Link> /
      </p>
      <h1>{contact.name}</h1>
      <p className="meta">
        {contact.phoneFormatted ?? 'No number'}
        {contact.company && ` · ${contact.company}`}
        {contact.email && ` · ${contact.email}`}
        {contact.tier && (
          <>
            {' '}
            <Badge value="open" label={contact.tier} />
          </>
        )}
      </p>
      <div className="actions">
        <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
          Edit
        </button>
        <MergeInto id={id} onDone={refresh} />
        <button
          type="button"
          className="danger"
          onClick={() =>
            confirm(`Delete ${contact.name}? Calls and texts stay, without the name.`) && remove.mutate('delete')
          }
        >
          Delete
        </button>
        <button
          type="button"
          className="danger"
          onClick={() =>
            confirm(
              `Forget ${contact.name} completely: calls, recordings, transcripts, texts, tasks and history? This cannot be undone.`,
            ) && remove.mutate('forget')
          }
        >
          Forget everything
        </button>
      </div>
      {[update.error, remove.error, completeTask.error].filter(Boolean).map((e, i) => (
        <ErrorBox key={i} error={e} />
      ))}
      {editing && <EditContact contact={contact} onSave={(body) => update.mutate(body)} busy={update.isPending} />}
      <div className="stats">
        <Stat
          label="Relationship score"
          value={<span data-testid="score">{s?.score ?? intel.data.score.score ?? '—'}</span>}
          hint={s ? `${s.trend}${s.change !== null ? ` (${s.change > 0 ? '+' : ''}${s.change})` : ''}` : undefined}
        />
        <Stat
          label="Calls"
          value={interactions.totalCalls}
          hint={`${interactions.missedCalls} missed · avg ${duration(interactions.avgDuration)}`}
        />
        <Stat label="Texts" value={interactions.totalMessages} />
        <Stat label="Last contact" value={ago(interactions.lastInteractionAt)} />
      </div>
      <div className="grid">
        <Card title="Why this score">
          {score.isPending ? (
            <Loading />
          ) : score.isError ? (
            <ErrorBox error={score.error} />
          ) : (
            <>
              {s!.insights.length > 0 && (
                <ul className="insights">
                  {s!.insights.map((i) => (
                    <li key={i.kind} className={i.severity}>
                      {i.message}
                    </li>
                  ))}
                </ul>
              )}
              <table className="kv">
                <tbody>
                  {Object.entries(s!.factors)
                    .filter(([k]) => FACTOR_LABELS[k])
                    .map(([k, v]) => (
                      <tr key={k}>
                        <th scope="row">{FACTOR_LABELS[k]}</th>
                        <td>{v ?? '—'}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </>
          )}
        </Card>
        <Card title="Score history">
          <LineChart
            label="Relationship score over time"
            points={[...(s?.history ?? [])].reverse().map((h) => ({ at: h.computedAt, value: h.score }))}
          />
        </Card>
        <Card title="Open tasks">
          {intel.data.tasks.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <ul className="rows">
              {intel.data.tasks.map((t) => (
                <li key={t.id}>
                  <span className="row-main">{t.title}</span>
                  {t.dueDate && <span className="muted">due {t.dueDate.slice(0, 10)}</span>}
                  <button type="button" onClick={() => completeTask.mutate(t.id)} aria-label={`Complete: ${t.title}`}>
                    Complete
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Topics">
          {intel.data.topics.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <p className="tags">
              {intel.data.topics.map((t) => (
                <span className="tag" key={t.topic}>
                  {t.topic} · {t.count}
                </span>
              ))}
            </p>
          )}
        </Card>
        <Card title="Timeline" className="wide">
          {timeline.length === 0 ? (
            <p className="muted">No calls or texts yet.</p>
          ) : (
            <ol className="timeline">
              {timeline.map((e) =>
                e.kind === 'call' ? (
                  <li key={`c${e.call.id}`}>
                    <span className="muted">{when(e.at)}</span>{' '}
                    <Link to={`/calls/${e.call.id}`}>{e.call.direction} call</Link> <Badge value={e.call.status} />{' '}
                    {duration(e.call.durationSeconds)}
                    {e.call.summary && <p>{e.call.summary}</p>}
                  </li>
                ) : (
                  <li key={`m${e.message.id}`}>
                    <span className="muted">{when(e.at)}</span>{' '}
                    {e.message.direction === 'inbound' ? 'Text from them' : 'Text from you'}
                    <p>{e.message.text}</p>
                  </li>
                ),
              )}
            </ol>
          )}
        </Card>
      </div>
    </div>
  );
}

function EditContact({
  contact,
  onSave,
  busy,
}: {
  contact: Schemas['Contact'];
  onSave: (body: Schemas['ContactUpdate']) => void;
  busy: boolean;
}) {
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    const cadence = text('cadenceDays');
    onSave({
      firstName: text('firstName'),
      lastName: text('lastName'),
      phone: text('phone') || null,
      company: text('company') || null,
      email: text('email') || null,
      notes: text('notes') || null,
      cadenceDays: cadence ? Number(cadence) : null,
    });
  };
  return (
    <Card title="Edit contact">
      <form className="form" onSubmit={submit}>
        <label>
          First name <input name="firstName" defaultValue={contact.firstName} required />
        </label>
        <label>
          Last name <input name="lastName" defaultValue={contact.lastName} />
        </label>
        <label>
          Phone <input name="phone" type="tel" defaultValue={contact.phone ?? ''} />
        </label>
        <label>
          Company <input name="company" defaultValue={contact.company ?? ''} />
        </label>
        <label>
          Email <input name="email" type="email" defaultValue={contact.email ?? ''} />
        </label>
        <label>
          Call every (days){' '}
          <input name="cadenceDays" type="number" min={1} max={3650} defaultValue={contact.cadenceDays ?? ''} />
        </label>
        <label className="wide">
          Notes <textarea name="notes" defaultValue={contact.notes ?? ''} rows={3} />
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Card>
  );
}

function MergeInto({ id, onDone }: { id: string; onDone: () => void }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const others = useContactNames({ enabled: open });
  const merge = useMutation({
    mutationFn: (sourceId: string) =>
      unwrap(api.POST('/api/contacts/{id}/merge', { params: { path: { id } }, body: { sourceId } })),
    onSuccess: async () => {
      setOpen(false);
      await client.invalidateQueries({ queryKey: contactKeys.lists });
      onDone();
    },
  });
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Merge a duplicate
      </button>
    );
  return (
    <form
      className="inline"
      onSubmit={(e) => {
        e.preventDefault();
        const source = String(new FormData(e.currentTarget).get('source') ?? '');
        if (source) merge.mutate(source);
      }}
    >
      <label>
        Duplicate to merge in{' '}
        <select name="source" required>
          <option value="">Choose …</option>
          {others.data?.items
            .filter((c) => c.id !== id)
            .map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} {c.phoneFormatted ? `(${c.phoneFormatted})` : ''}
              </option>
            ))}
        </select>
      </label>{' '}
      <button type="submit" disabled={merge.isPending}>
        Merge
      </button>
      <button type="button" className="link" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {merge.error && <ErrorBox error={merge.error} />}
    </form>
  );
}
