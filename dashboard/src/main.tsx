import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { StrictMode, useEffect, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { api, body, signOut, unwrap, whenSignedOut } from './api/client';
import { Link, navigate, useLocation } from './router';
import { Loading } from './ui';
import { SignIn } from './pages/SignIn';
import { Overview } from './pages/Overview';
import { Calls } from './pages/Calls';
import { Call } from './pages/Call';
import { Contacts } from './pages/Contacts';
import { Contact } from './pages/Contact';
import { Search } from './pages/Search';
import { Tasks } from './pages/Tasks';
import { Notifications } from './pages/Notifications';
import { Messages } from './pages/Messages';
import { Setup } from './pages/Setup';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      retry: (n, err) => (err as { status?: number }).status !== 401 && n < 2,
      refetchOnWindowFocus: true,
    },
  },
});

whenSignedOut(() => {
  queryClient.clear();
  if (location.pathname !== '/signin')
    navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
});

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/calls', 'Calls'],
  ['/contacts', 'Contacts'],
  ['/search', 'Search'],
  ['/tasks', 'Tasks'],
  ['/messages', 'Messages'],
  ['/notifications', 'Notifications'],
  ['/setup', 'Setup'],
];

function UnreadCount() {
  // The list answers the inbox's unread count beside its page: one item is enough.
  const unread = useQuery({
    queryKey: ['notifications', 'unread-count'],
    queryFn: async () =>
      (await body(api.GET('/api/notifications', { params: { query: { unread: 'true', limit: 1 } } }))).unreadCount,
    refetchInterval: 60_000,
  });
  const n = unread.data ?? 0;
  if (!n) return null;
  return (
    <span className="count" aria-label={`${n} unread`}>
      {n}
    </span>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" /> Command Center
        </Link>
        <button type="button" className="menu" aria-expanded={open} aria-controls="nav" onClick={() => setOpen(!open)}>
          Menu
        </button>
        <nav id="nav" className={open ? 'open' : ''} aria-label="Main">
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} aria-current={active(to) ? 'page' : undefined}>
              {label}
              {to === '/notifications' && <UnreadCount />}
            </Link>
          ))}
          <button
            type="button"
            className="link signout"
            onClick={async () => {
              await signOut();
              client.clear();
              navigate('/signin', { replace: true });
            }}
          >
            Sign out
          </button>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

function Page() {
  const { path } = useLocation();
  const m = (re: RegExp) => re.exec(path);
  let call, contact;
  if (path === '/') return <Overview />;
  if (path === '/calls') return <Calls />;
  if ((call = m(/^\/calls\/([^/]+)$/))) return <Call id={decodeURIComponent(call[1]!)} />;
  if (path === '/contacts') return <Contacts />;
  if ((contact = m(/^\/contacts\/([^/]+)$/))) return <Contact id={decodeURIComponent(contact[1]!)} />;
  if (path === '/search') return <Search />;
  if (path === '/tasks') return <Tasks />;
  if (path === '/messages') return <Messages />;
  if (path === '/notifications') return <Notifications />;
  if (path === '/setup') return <Setup />;
  return (
    <div className="page">
      <h1>Not found</h1>
      <p>
        There is no page here. <Link to="/">Go to the overview</Link>.
      </p>
    </div>
  );
}

function App() {
  const { path } = useLocation();
  const session = useQuery({
    queryKey: ['session'],
    queryFn: () => unwrap(api.GET('/api/session')),
    enabled: path !== '/signin',
    retry: false,
    staleTime: 60_000,
  });
  if (path === '/signin') return <SignIn />;
  if (session.isPending) return <Loading what="Opening" />;
  if (session.isError) return <SignIn />;
  return (
    <Shell>
      <Page />
    </Shell>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
