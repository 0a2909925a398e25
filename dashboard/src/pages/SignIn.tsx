import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { signIn } from '../api/client';
import { navigate, useLocation, useTitle } from '../router';

export function SignIn() {
  useTitle('Sign in');
  const { search } = useLocation();
  const client = useQueryClient();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(
    search.get('link') === 'expired'
      ? 'That sign-in link was already used or has expired. Sign in with the API token instead.'
      : null,
  );
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(token);
      client.clear();
      const next = search.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin" id="main">
      <form onSubmit={submit} className="card">
        <h1>
          <img src="/favicon.svg" alt="" width="28" height="28" /> Command Center
        </h1>
        <p className="muted">
          Sign in with one of this server&apos;s API tokens. `npm start` prints it (and a one-time sign-in link); it is
          also in the data folder&apos;s <code>api-token</code> file.
        </p>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
          autoFocus
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !token.trim()}>
          {busy ? 'Signing in …' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
