/**
 * Entry point: picks the page from the URL and loads its code on demand, so the home page
 * stays small and only the document page pays for Tiptap and Yjs (and its styles).
 */
import './styles/base.css';
import { homeHref, nameProblem, routeFromPath } from './routes.js';
import { takeToken } from './token.js';
import { h } from './dom.js';
import { renderHomePage } from './home-page.js';
import { enableOfflineShell, reportLoadedAssets } from './offline-shell.js';

function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

// First thing: the token leaves the address bar before anything can show or copy it.
const token = takeToken({ location, history, storage: sessionStorageOrNull() });

async function start(root: HTMLElement): Promise<void> {
  const route = routeFromPath(location.pathname);
  switch (route.page) {
    case 'home':
      renderHomePage(root, token);
      return;
    case 'document': {
      const problem = nameProblem(route.name);
      if (problem) {
        showProblem(root, 'Not a valid document name', problem);
        return;
      }
      const { renderDocumentPage } = await import('./document-page.js');
      renderDocumentPage(root, route.name, token);
      if (import.meta.env.PROD) void reportLoadedAssets();
      return;
    }
    case 'not-found':
      showProblem(root, 'Nothing here', 'Documents live at /d/<name>.');
      return;
  }
}

function showProblem(root: HTMLElement, title: string, detail: string): void {
  document.title = `${title} · Tandem`;
  root.replaceChildren(h('main', { class: 'not-found' }, h('h1', {}, title), h('p', {}, detail), h('a', { class: 'btn btn--primary', href: homeHref() }, 'All documents')));
  root.removeAttribute('aria-busy');
}

// Not under the dev server: there, stale cached modules would fight hot reloading.
if (import.meta.env.PROD) enableOfflineShell();

const root = document.querySelector<HTMLElement>('#app');
if (root) {
  start(root).catch((error: unknown) => {
    root.replaceChildren(h('main', { class: 'not-found' }, h('h1', {}, 'Tandem could not start'), h('p', {}, (error as Error).message)));
    root.removeAttribute('aria-busy');
  });
}
