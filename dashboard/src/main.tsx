import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { StrictMode, useEffect, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { signOut, whenSignedOut } from './api/client';
import { inboxQueries } from './queries/inbox';
import { systemQueries } from './queries/system';
import { Link, navigate, useLocation } from './router';
import { Loading } from './ui';
import { AskBox } from './ask';
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
import { matchPage, NAV_PAGES, type PageName } from '../../contract/pages';
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

/** Each page's component, by its name in the one table of pages (contract/pages.ts). */
const PAGE_COMPONENTS: Record<Exclude<PageName, 'signin'>, (p: { id: string }) => ReactNode> = {
  overview: () => <Overview />,
  calls: () => <Calls />,
  call: ({ id }) => <Call id={id} />,
  contacts: () => <Contacts />,
  contact: ({ id }) => <Contact id={id} />,
  search: () => <Search />,
  tasks: () => <Tasks />,
  messages: () => <Messages />,
  notifications: () => <Notifications />,
  setup: () => <Setup />,
};

function UnreadCount() {
  // The list answers the inbox's unread count beside its page: one item is enough.
  const unread = useQuery(inboxQueries.unreadCount());
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
        <AskBox />
        <button type="button" className="menu" aria-expanded={open} aria-controls="nav" onClick={() => setOpen(!open)}>
          Menu
        </button>
        <nav id="nav" className={open ? 'open' : ''} aria-label="Main">
          {NAV_PAGES.map(({ path: to, label }) => (
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
  const page = matchPage(path);
  if (page && page.name !== 'signin') return PAGE_COMPONENTS[page.name]({ id: page.id ?? '' });
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
  const session = useQuery({ ...systemQueries.session(), enabled: path !== '/signin' });
  if (matchPage(path)?.name === 'signin') return <SignIn />;
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
