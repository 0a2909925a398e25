/** A small client-side router: the path is the state, links push history, the back button works. */
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

export function navigate(to: string, o: { replace?: boolean } = {}) {
  if (o.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function useLocation(): { path: string; search: URLSearchParams; hash: string } {
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search + location.hash);
  const url = new URL(href, location.origin);
  return { path: url.pathname, search: url.searchParams, hash: url.hash };
}

/** Replaces the query string (filters) without a new history entry per keystroke. */
export function setSearch(params: Record<string, string | undefined>) {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  navigate(url.pathname + url.search, { replace: true });
}

export function Link({ to, onClick: also, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    also?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...rest} />;
}

export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Command Center`;
  }, [title]);
}
