/**
 * "Ask your calls" in the header of every page: a question box ("/" focuses it), the answer with
 * its citations (each opens its call at that second), and the owner's recent questions, kept in
 * this browser.
 */
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, unwrap, type Schemas } from './api/client';
import { Link } from './router';

const RECENT_KEY = 'cc.recentQuestions';
const RECENT_MAX = 8;

function recentQuestions(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((q): q is string => typeof q === 'string').slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}

function remember(question: string): string[] {
  const list = [question, ...recentQuestions().filter((q) => q !== question)].slice(0, RECENT_MAX);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // Private windows may refuse storage: the answer still shows.
  }
  return list;
}

const citationLink = (c: Schemas['Citation']) =>
  c.phoneRecordId ? `/calls/${c.phoneRecordId}${c.startMs !== undefined ? `#t=${c.startMs}` : ''}` : '/messages';

export function AskBox() {
  const [question, setQuestion] = useState('');
  const [recent, setRecent] = useState(recentQuestions);
  const [open, setOpen] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const ask = useMutation({
    mutationFn: (q: string) => unwrap(api.POST('/api/ask', { body: { question: q } })),
  });

  useEffect(() => {
    // "/" asks from anywhere that is not already a text field.
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if (e.key === '/' && !typing && !e.metaKey && !e.ctrlKey && !e.altKey) {
        e.preventDefault();
        input.current?.focus();
      }
      if (e.key === 'Escape') setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const submit = (q: string) => {
    const text = q.trim();
    if (!text) return;
    setQuestion(text);
    setRecent(remember(text));
    setOpen(true);
    ask.mutate(text);
  };

  return (
    <div className="ask">
      <form
        role="search"
        aria-label="Ask your calls"
        onSubmit={(e) => {
          e.preventDefault();
          submit(question);
        }}
      >
        <input
          ref={input}
          type="search"
          name="question"
          aria-label="Ask your calls"
          placeholder="Ask your calls…  ( / )"
          list="recent-questions"
          value={question}
          maxLength={500}
          onChange={(e) => setQuestion(e.target.value)}
        />
        <datalist id="recent-questions">
          {recent.map((q) => (
            <option key={q} value={q} />
          ))}
        </datalist>
      </form>
      {open && (
        <section className="answer card" aria-live="polite" aria-label="Answer">
          <button type="button" className="link close" aria-label="Close the answer" onClick={() => setOpen(false)}>
            ×
          </button>
          {ask.isPending && <p className="muted">Looking through your calls…</p>}
          {ask.isError && <p className="error">{(ask.error as Error).message}</p>}
          {ask.data && (
            <>
              <p className="answer-text" data-mode={ask.data.mode}>
                {ask.data.answer}
              </p>
              {ask.data.citations.length > 0 && (
                <ol className="citations">
                  {ask.data.citations.map((c, i) => (
                    <li key={i}>
                      <Link to={citationLink(c)} onClick={() => setOpen(false)}>
                        “{c.quote}”
                      </Link>
                    </li>
                  ))}
                </ol>
              )}
              {ask.data.degraded && <p className="muted small">{ask.data.degraded}</p>}
            </>
          )}
          {recent.length > 1 && (
            <details className="recent">
              <summary>Recent questions</summary>
              <ul>
                {recent.map((q) => (
                  <li key={q}>
                    <button type="button" className="link" onClick={() => submit(q)}>
                      {q}
                    </button>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </section>
      )}
    </div>
  );
}
