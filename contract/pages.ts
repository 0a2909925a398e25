/**
 * The dashboard's pages: the one table the nav (pages with a label, in this order), the browser's
 * router (dashboard/src/main.tsx, one component per name) and the server (api/dashboard.ts, which
 * answers the app shell for exactly these paths) are built from.
 */
export const PAGES = [
  { name: 'overview', path: '/', label: 'Overview' },
  { name: 'calls', path: '/calls', label: 'Calls' },
  { name: 'call', path: '/calls/:id' },
  { name: 'contacts', path: '/contacts', label: 'Contacts' },
  { name: 'contact', path: '/contacts/:id' },
  { name: 'search', path: '/search', label: 'Search' },
  { name: 'tasks', path: '/tasks', label: 'Tasks' },
  { name: 'messages', path: '/messages', label: 'Messages' },
  { name: 'notifications', path: '/notifications', label: 'Notifications' },
  { name: 'setup', path: '/setup', label: 'Setup' },
  { name: 'signin', path: '/signin' },
] as const;

export type PageName = (typeof PAGES)[number]['name'];

/** The pages in the nav, with their labels. */
export const NAV_PAGES = PAGES.filter((p): p is Extract<(typeof PAGES)[number], { label: string }> => 'label' in p);

/** The page a path shows, with its `:id` (decoded), or undefined. A trailing slash is the same page. */
export function matchPage(path: string): { name: PageName; id?: string } | undefined {
  const clean = path.length > 1 ? path.replace(/\/$/, '') : path;
  for (const page of PAGES) {
    if (!page.path.includes(':')) {
      if (page.path === clean) return { name: page.name };
      continue;
    }
    const prefix = page.path.slice(0, page.path.indexOf(':'));
    const rest = clean.startsWith(prefix) ? clean.slice(prefix.length) : '';
    if (rest && !rest.includes('/')) {
      try {
        return { name: page.name, id: decodeURIComponent(rest) };
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
