import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, unwrap, type Schemas } from '../api/client';
import { clock, duration, when } from '../format';
import { Link, navigate, useLocation, useTitle } from '../router';
import { Badge, Card, ErrorBox, Loading } from '../ui';
import { currentStage, STAGES } from '../calls';
import { callQueries, callKeys } from '../queries/calls';
import { systemQueries } from '../queries/system';
import { inboxKeys } from '../queries/inbox';

const SPEAKER: Record<string, string> = { caller: 'Caller', owner: 'You', speaker_0: 'Speaker' };

export function Call({ id }: { id: string }) {
  const client = useQueryClient();
  const { hash } = useLocation();
  const audio = useRef<HTMLAudioElement>(null);
  const [playingAt, setPlayingAt] = useState(0);
  const call = useQuery(callQueries.detail(id));
  const setup = useQuery({ ...systemQueries.setup(), staleTime: Infinity });
  useTitle(call.data ? `Call with ${call.data.contactName ?? call.data.phoneFormatted}` : 'Call');
  const invalidate = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: callKeys.detail(id) }),
      client.invalidateQueries({ queryKey: callKeys.lists }),
      client.invalidateQueries({ queryKey: inboxKeys.overview }),
    ]);
  const completeTask = useMutation({
    mutationFn: (taskId: string) =>
      unwrap(api.PATCH('/api/tasks/{id}', { params: { path: { id: taskId } }, body: { status: 'done' } })),
    onSuccess: () => Promise.all([invalidate(), client.invalidateQueries({ queryKey: inboxKeys.tasks })]),
  });
  const createContact = useMutation({
    mutationFn: (phoneNumber: string) => unwrap(api.POST('/api/contacts/from-caller', { body: { phoneNumber } })),
    onSuccess: (contact) => {
      void invalidate();
      navigate(`/contacts/${contact.id}`);
    },
  });
  const reprocess = useMutation({
    mutationFn: () => unwrap(api.POST('/api/phone-records/{id}/reprocess', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/phone-records/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: callKeys.lists });
      navigate('/calls', { replace: true });
    },
  });

  // A search result opens the call at its passage: #t=<ms>.
  const segments = call.data?.speakerSegments ?? [];
  const target = /^#t=(\d+)$/.exec(hash)?.[1];
  useEffect(() => {
    if (!target || !segments.length) return;
    const ms = Number(target);
    const el = document.querySelector<HTMLElement>(
      `[data-start="${segments.reduce((best, s) => ((s.startMs ?? 0) <= ms ? (s.startMs ?? 0) : best), 0)}"]`,
    );
    el?.scrollIntoView({ block: 'center' });
    el?.focus();
    if (audio.current) audio.current.currentTime = ms / 1000;
  }, [target, segments.length]);

  if (call.isPending) return <Loading what="Loading the call" />;
  if (call.isError) return <ErrorBox error={call.error} retry={() => call.refetch()} />;
  const c = call.data;
  const stage = currentStage(c);
  const seek = (ms: number | undefined) => {
    if (ms === undefined || !audio.current) return;
    audio.current.currentTime = ms / 1000;
    void audio.current.play().catch(() => undefined);
  };
  // Per speaker: { owner: { label, score }, caller: { ... } }.
  const perSpeaker = Object.entries(
    (c.sentimentDetail ?? {}) as Record<string, { label?: string; score?: number }>,
  ).filter(
    (e): e is [string, { label: string; score: number }] =>
      typeof e[1]?.label === 'string' && typeof e[1]?.score === 'number',
  );
  const temporal = setup.data?.temporalUi
    ? `${setup.data.temporalUi}/namespaces/${encodeURIComponent(setup.data.temporalNamespace)}/workflows/${encodeURIComponent(`call-${c.callSessionId}`)}`
    : undefined;
  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/calls">Calls</Link> /
      </p>
      <h1>
        {c.contactId ? <Link to={`/contacts/${c.contactId}`}>{c.contactName}</Link> : c.phoneFormatted}
        {c.contactId && <span className="muted small"> {c.phoneFormatted}</span>}
      </h1>
      <p className="meta">
        <Badge value={c.status} /> {stage && <Badge value="running" label={stage} />} {c.direction} ·{' '}
        {when(c.startedAt ?? c.createdAt)} · {duration(c.durationSeconds)}
        {c.hangupCause && <span className="muted"> · {c.hangupCause.replace(/_/g, ' ')}</span>}
      </p>
      <div className="actions">
        {!c.contactId && (
          <button type="button" onClick={() => createContact.mutate(c.phoneNumber)} disabled={createContact.isPending}>
            Create contact
          </button>
        )}
        <button type="button" onClick={() => reprocess.mutate()} disabled={reprocess.isPending || !c.hasRecording}>
          {reprocess.isSuccess ? 'Reprocessing …' : 'Reprocess'}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (confirm('Delete this call, its recording, transcript and everything made from it?')) remove.mutate();
          }}
          disabled={remove.isPending}
        >
          Delete
        </button>
        {temporal && (
          <a href={temporal} target="_blank" rel="noreferrer">
            Run in Temporal UI
          </a>
        )}
      </div>
      {[createContact.error, reprocess.error, remove.error, completeTask.error].filter(Boolean).map((e, i) => (
        <ErrorBox key={i} error={e} />
      ))}
      <div className="grid call">
        <div className="stack">
          <Card title="Recording">
            {c.hasRecording ? (
              <audio
                ref={audio}
                controls
                preload="metadata"
                src={`/api/phone-records/${c.id}/recording`}
                onTimeUpdate={(e) => setPlayingAt(e.currentTarget.currentTime * 1000)}
                data-testid="player"
              >
                Your browser cannot play this recording.
              </audio>
            ) : (
              <p className="muted">
                {c.status === 'missed' ? 'Missed call: nothing was recorded.' : 'No recording is stored for this call.'}
              </p>
            )}
          </Card>
          {c.conversation && <Conversation conversation={c.conversation} />}
          {/* Without a recording the conversation is the transcript: shown once, above. */}
          {!(c.conversation && c.provenance.transcript?.startsWith('receptionist/')) && (
            <Card title="Transcript">
              {segments.length === 0 ? (
                <p className="muted">{c.transcript ?? (stage ? 'Not transcribed yet.' : 'No transcript.')}</p>
              ) : (
                <ol className="transcript" aria-label="Transcript turns">
                  {segments.map((s, i) => {
                    const active =
                      s.startMs !== undefined && playingAt >= s.startMs && playingAt < (s.endMs ?? Infinity);
                    return (
                      <li key={i} className={`turn ${s.speaker} ${active ? 'active' : ''}`}>
                        <button
                          type="button"
                          className="turn-button"
                          data-start={s.startMs ?? 0}
                          onClick={() => seek(s.startMs)}
                        >
                          <span className="who">{SPEAKER[s.speaker] ?? s.speaker}</span>
                          <span className="at">{clock(s.startMs)}</span>
                          <span className="sr-only">, play from here</span>
                        </button>
                        <p>{s.text}</p>
                      </li>
                    );
                  })}
                </ol>
              )}
              {c.provenance.transcript && <p className="provenance">Transcribed by {c.provenance.transcript}</p>}
            </Card>
          )}
        </div>
        <div className="stack">
          <Card title="Summary">
            <p>{c.summary ?? <span className="muted">No summary yet.</span>}</p>
            {c.topics && c.topics.length > 0 && (
              <p className="tags" aria-label="Topics">
                {c.topics.map((t) => (
                  <span key={t} className="tag">
                    {t}
                  </span>
                ))}
              </p>
            )}
            {c.provenance.summary && <p className="provenance">Summarised by {c.provenance.summary}</p>}
          </Card>
          <Card title="Action items">
            {c.tasks.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <ul className="rows">
                {c.tasks.map((t) => (
                  <li key={t.id}>
                    <span className={`row-main ${t.status === 'done' ? 'done' : ''}`}>{t.title}</span>
                    {t.dueDate && <span className="muted">due {t.dueDate.slice(0, 10)}</span>}
                    {t.status === 'done' ? (
                      <Badge value="done" />
                    ) : (
                      <button
                        type="button"
                        onClick={() => completeTask.mutate(t.id)}
                        disabled={completeTask.isPending}
                        aria-label={`Complete: ${t.title}`}
                      >
                        Complete
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title="Sentiment">
            {c.sentiment ? (
              <>
                <p>
                  Overall <Badge value={c.sentiment} /> <span className="muted">({c.sentimentScore?.toFixed(2)})</span>
                </p>
                <ul className="rows">
                  {perSpeaker.map(([speaker, s]) => (
                    <li key={speaker}>
                      <span className="row-main">{SPEAKER[speaker] ?? speaker}</span> <Badge value={s.label} />{' '}
                      <span className="muted">{s.score.toFixed(2)}</span>
                    </li>
                  ))}
                </ul>
                {c.provenance.sentiment && <p className="provenance">Scored by {c.provenance.sentiment}</p>}
              </>
            ) : (
              <p className="muted">Not scored.</p>
            )}
          </Card>
          <Card title="Pipeline">
            <ol className="stages">
              {STAGES.map((s) => {
                const st = c.stageStatus[s];
                return (
                  <li key={s}>
                    <span className="row-main">{s}</span>{' '}
                    <Badge value={st?.status ?? 'pending'} label={st?.status ?? 'not started'} />
                    {st?.error && <p className="muted small">{st.error}</p>}
                  </li>
                );
              })}
            </ol>
          </Card>
        </div>
      </div>
    </div>
  );
}

const OUTCOME: Record<string, string> = {
  message_taken: 'Message taken',
  callback_booked: 'Callback booked',
  transfer_requested: 'Asked to be put through',
  transferred: 'Put through to you',
  caller_hung_up: 'Caller hung up',
  time_limit: 'Ended at the time limit',
  dropped: 'Stream dropped (voicemail)',
};

/** The live receptionist's conversation: both sides with times, and what it came to. */
function Conversation({ conversation }: { conversation: NonNullable<Schemas['PhoneRecord']['conversation']> }) {
  const { turns, outcome } = conversation;
  const m = outcome?.message;
  return (
    <Card title="Receptionist">
      {outcome && (
        <p className="meta" data-testid="conversation-outcome">
          <Badge
            value={outcome.result === 'dropped' ? 'failed' : 'done'}
            label={OUTCOME[outcome.result] ?? outcome.result}
          />
          {m && (
            <span>
              {' '}
              {m.name ?? 'The caller'}
              {m.about ? ` about ${m.about}` : ''}
              {m.callbackSpoken ? `, call back ${m.callbackSpoken}` : ''}
              {m.urgency === 'urgent' ? ' (urgent)' : ''}
            </span>
          )}
        </p>
      )}
      {turns.length === 0 ? (
        <p className="muted">Nothing was said.</p>
      ) : (
        <ol className="transcript conversation" aria-label="Conversation turns" tabIndex={0}>
          {turns.map((t, i) => (
            <li key={i} className={`turn ${t.speaker === 'caller' ? 'caller' : 'owner'}`}>
              <span className="who">{t.speaker === 'caller' ? 'Caller' : 'Receptionist'}</span>
              <span className="at">{clock(t.atMs)}</span>
              <p>
                {t.text || <span className="muted">(cut off before a word was heard)</span>}
                {t.interrupted && <span className="muted"> (interrupted)</span>}
              </p>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
