import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type Schemas } from '../api/client';
import { ago } from '../format';
import { Link, navigate, setSearch, useLocation, useTitle } from '../router';
import { Card, Empty, ErrorBox, LoadMore, Loading } from '../ui';
import { contactQueries, contactKeys } from '../queries/contacts';

type Sort = 'name' | 'score' | 'priority' | 'recent';

export function Contacts() {
  useTitle('Contacts');
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const sort = (search.get('sort') ?? 'score') as Sort;
  const [draft, setDraft] = useState(q);
  const list = useInfiniteQuery(contactQueries.list(q, sort));
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page">
      <h1>Contacts</h1>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch({ q: draft.trim() });
        }}
      >
        <label className="grow">
          Find
          <input
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="Name, company, email or a number in any format"
          />
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSearch({ sort: e.target.value })}>
            <option value="score">Relationship score</option>
            <option value="priority">Needs a call</option>
            <option value="recent">Recent contact</option>
            <option value="name">Name</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <NewContact />
      {list.isPending ? (
        <Loading what="Loading contacts" />
      ) : list.isError ? (
        <ErrorBox error={list.error} retry={() => list.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>
          {q
            ? `Nobody matches “${q}”.`
            : 'No contacts yet. Open a call from an unknown number and choose “Create contact”, or add one here.'}
        </Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="list">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Number</th>
                  <th scope="col">Score</th>
                  <th scope="col">Last contact</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link to={`/contacts/${c.id}`}>{c.name}</Link>
                      {c.company && <div className="muted small">{c.company}</div>}
                    </td>
                    <td>{c.phoneFormatted ?? '—'}</td>
                    <td>
                      <span className="score">{c.relationshipScore ?? '—'}</span>
                    </td>
                    <td>{ago(c.lastContactedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore list={list} />
        </>
      )}
    </div>
  );
}

function NewContact() {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const create = useMutation({
    mutationFn: (body: Schemas['ContactCreate']) => unwrap(api.POST('/api/contacts', { body })),
    onSuccess: async (c) => {
      await client.invalidateQueries({ queryKey: contactKeys.lists });
      navigate(`/contacts/${c.id}`);
    },
  });
  if (!open)
    return (
      <p>
        <button type="button" onClick={() => setOpen(true)}>
          New contact
        </button>
      </p>
    );
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim() || undefined;
    create.mutate({
      firstName: text('firstName') ?? '',
      lastName: text('lastName'),
      phone: text('phone'),
      company: text('company'),
      email: text('email'),
    });
  };
  return (
    <Card title="New contact">
      <form className="form" onSubmit={submit}>
        <label>
          First name <input name="firstName" required />
        </label>
        <label>
          Last name <input name="lastName" />
        </label>
        <label>
          Phone <input name="phone" type="tel" />
        </label>
        <label>
          Company <input name="company" />
        </label>
        <label>
          Email <input name="email" type="email" />
        </label>
        {create.error && <ErrorBox error={create.error} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            Create
          </button>
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
