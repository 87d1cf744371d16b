/**
 * The document page (`/d/<name>`): header with title, connection state, presence, sharing,
 * history and export; the toolbar; the document itself; a status bar with the word count.
 * Loaded lazily, so the home page never downloads Tiptap and Yjs.
 */
import './styles/prosemirror.css';
import './styles/document-chrome.css';
import './styles/document-content.css';
import './styles/document-structures.css';
import './styles/history.css';
import './styles/comments.css';
import './styles/document-dialogs.css';
// Last: their media queries override the rules above.
import './styles/document-responsive.css';
import './styles/print.css';
import { ApiClient, ApiError, type Version } from './api-client.js';
import { CaretFollower } from './caret-follower.js';
import { CollabSession } from './collab-session.js';
import { createCollaborativeEditor, presenceUser } from './collaborative-editor.js';
import { commentAuthor } from './comments/comment-author.js';
import { CommentsFeature } from './comments/comments-feature.js';
import { createConnectionIndicator } from './connection-indicator.js';
import { documentImages } from './document-images.js';
import { copyText } from './clipboard.js';
import { h, icon } from './dom.js';
import type { EditorActions } from './editor-commands.js';
import { createExportMenu } from './export-menu.js';
import { createFollowIndicator } from './follow-indicator.js';
import { formatWhen, plural } from './format.js';
import { createHistoryPanel, type HistoryPanel } from './history-panel.js';
import { Icons } from './icons.js';
import { openIdentityDialog } from './identity-dialog.js';
import { loadIdentity, saveIdentity, type Identity } from './identity.js';
import { openImageAltDialog } from './image-alt-dialog.js';
import { pickImages } from './image-upload.js';
import { openLinkDialog } from './link-dialog.js';
import { createPresenceBar } from './presence-bar.js';
import { homeHref, shareableUrl, syncServerUrl } from './routes.js';
import { openShortcutSheet } from './shortcut-sheet.js';
import { showToast } from './toast.js';
import type { AccessToken } from './token.js';
import { createToolbar } from './toolbar.js';
import { AuthorshipControls } from './authorship/authorship-controls.js';
import { timesliderPoint } from './timeslider/timeslider-link.js';
import type { TimesliderView } from './timeslider/timeslider-view.js';
import { VersionView } from './version-view.js';
import { VersionNaming } from './version-naming.js';
import type { HistoryPoint } from '../../persistence/replay.js';
import { countDocumentWords } from './word-count.js';

/** The server closes a deleted document's connections with this code (PROTOCOL.md). */
const DELETED_CLOSE_CODE = 4410;

export function renderDocumentPage(root: HTMLElement, name: string, token: AccessToken | null): void {
  // Without tokens everyone may write; a `comment` token may comment but not edit the text.
  const role = token?.role ?? 'write';
  const readOnly = role === 'read';
  const api = new ApiClient(token?.raw ?? null);
  const loaded = loadIdentity(localStorage, token?.name ?? null);
  let identity: Identity = loaded.identity;
  document.title = `${name} · Tandem`;

  const session = new CollabSession({
    name,
    serverUrl: syncServerUrl(location),
    token: token?.raw ?? null,
    declaredName: token ? null : identity.name,
    storage: localStorage,
    checkAccess: () =>
      api.history(name).then(
        () => null,
        (error: unknown) => (error instanceof ApiError && [400, 401, 403].includes(error.status) ? error.message : null),
      ),
  });
  const liveSheet = h('article', { class: 'sheet', 'data-testid': 'editor' });
  const canvas = h('main', { class: 'canvas', id: 'document' });
  const workspace = h('div', { class: 'workspace' }, canvas);
  const comments = new CommentsFeature(workspace, {
    session,
    role,
    author: () => commentAuthor(token, identity, localStorage),
    onOpen: () => {
      if (history) toggleHistory();
    },
  });
  const images = documentImages(api, name, role === 'write', () => openImageAltDialog(editor));
  const actions: EditorActions = {
    openLinkDialog: () => openLinkDialog(editor),
    openShortcutSheet: () => openShortcutSheet(() => editor.commands.focus()),
    addComment: () => comments.addComment(),
    pickImage: () => pickImages(editor, images.uploader),
    editImageAlt: () => openImageAltDialog(editor),
  };
  const editor = createCollaborativeEditor(liveSheet, session, presenceUser(identity, readOnly), !readOnly, actions, [...comments.extensions, ...images.extensions]);
  comments.attach(editor);

  const editIdentity = (): void =>
    openIdentityDialog({
      current: identity,
      nameLockedBy: token?.name ? 'your access link' : null,
      onSave: (next) => {
        identity = next;
        saveIdentity(localStorage, next);
        editor.commands.updateUser(presenceUser(next, readOnly));
        if (!token) session.declareName(next.name);
        authorship.identityChanged();
      },
      // Back to writing: the caret (and so the new name on it) shows again for the others.
      onClose: () => {
        if (!readOnly) editor.commands.focus();
      },
    });

  const connection = createConnectionIndicator();
  const toolbar = role === 'write' ? createToolbar(editor, actions) : null;
  const words = h('span', { 'data-testid': 'word-count' });
  const statusbar = h('footer', { class: 'statusbar' }, words);

  let history: HistoryPanel | null = null;
  const historyButton = h(
    'button',
    { type: 'button', class: 'btn btn--ghost', 'aria-pressed': 'false', 'data-testid': 'history-toggle', onclick: () => toggleHistory() },
    icon(Icons.history),
    h('span', { class: 'btn__text' }, 'History'),
  );
  // Naming versions changes the document's history: for writers only, as the server insists.
  const naming = role === 'write'
    ? new VersionNaming({
        api,
        docName: name,
        authorName: () => (token ? null : identity.name),
        takenNames: () => history?.names() ?? [],
        onChanged: async () => {
          await history?.reload();
        },
        onDone: (message) => showToast(message),
        onError: (message) => showToast(message, 'error'),
      })
    : null;
  // A restore, from a version's preview or the timeslider: everyone's copy shows it at once.
  const restored = (when: string | null): void => {
    showToast(when ? `Restored the version of ${formatWhen(when)}` : 'Restored the start of the history');
    void history?.reload();
    editor.commands.focus();
  };
  const versions = new VersionView({
    api,
    docName: name,
    canRestore: role === 'write',
    naming,
    restorerName: () => (token ? null : identity.name),
    liveSheet,
    inertDuringPreview: toolbar ? [toolbar] : [],
    onChange: (toSeq) => history?.select(toSeq),
    onRestored: (version: Version) => restored(version.end),
    onError: (message) => showToast(message, 'error'),
  });

  const authorship = new AuthorshipControls({
    editor,
    doc: session.doc,
    awareness: session.provider.awareness,
    api,
    docName: name,
    storage: localStorage,
    self: () =>
      token?.userId
        ? { id: `user:${token.userId}`, name: token.userId, declared: false, via: null }
        : { id: `name:${identity.name}`, name: identity.name, declared: true, via: null },
    selfColour: () => identity.color,
    canvas,
    liveSheet,
    statusbar,
    inertDuringCompare: toolbar ? [toolbar] : [],
    beforeCompare: () => {
      versions.close();
      timeslider?.close();
    },
    onError: (message) => showToast(message, 'error'),
  });

  // Following someone: their avatar is ringed, a pill says so, their caret stays in view.
  const followIndicator = createFollowIndicator(() => follower.stop('toggled'));
  const presence = createPresenceBar(session.provider.awareness, {
    onEditSelf: () => editIdentity(),
    onFollow: (person) => (follower.following?.clientId === person.clientId ? follower.stop('toggled') : follower.follow(person)),
  });
  const follower = new CaretFollower({
    editor,
    awareness: session.provider.awareness,
    scroller: canvas,
    onChange: (followed, previous, reason) => {
      presence.setFollowed(followed?.clientId ?? null);
      followIndicator.update(followed, previous, reason);
    },
  });

  // The timeslider: loaded the first time it is opened (from the history panel, or a link to a point).
  let timeslider: TimesliderView | null = null;
  const openTimeslider = async (point: HistoryPoint | null): Promise<void> => {
    versions.close();
    authorship.closeCompare();
    // Asked for at once, while the timeslider's code loads (the first time).
    const timeline = api.timeline(name);
    timeline.catch(() => undefined); // reported by the timeslider, or moot when it cannot load
    try {
      if (!timeslider) {
        const { TimesliderView } = await import('./timeslider/timeslider-view.js');
        timeslider ??= new TimesliderView({
          api,
          docName: name,
          colours: () => authorship.colourBook(),
          liveSheet,
          inertDuring: toolbar ? [toolbar] : [],
          canRestore: role === 'write',
          restore: async (seq, when) => {
            await api.restore(name, seq, token ? null : identity.name);
            restored(when);
          },
          compare: (seq) => void api.history(name).then(
            (found) => authorship.compare(found.versions, seq, null),
            (error: unknown) => showToast(`Could not compare: ${(error as Error).message}`, 'error'),
          ),
          onError: (message) => showToast(message, 'error'),
          onBack: () => (readOnly ? historyButton.focus() : editor.commands.focus()),
        });
        canvas.insertBefore(timeslider.banner, liveSheet);
        liveSheet.after(timeslider.sheet);
      }
    } catch (error) {
      showToast(`Could not open the timeslider: ${(error as Error).message}`, 'error');
      return;
    }
    await timeslider.open(point, timeline);
  };
  window.addEventListener('hashchange', () => {
    const point = timesliderPoint(location.hash);
    if (!point) return;
    if (timeslider?.isOpen) timeslider.moveToPoint(point);
    else void openTimeslider(point);
  });

  const toggleHistory = (): void => {
    if (history) {
      versions.close();
      history.element.remove();
      history = null;
      historyButton.setAttribute('aria-pressed', 'false');
      historyButton.focus();
      return;
    }
    comments.close();
    history = createHistoryPanel({
      api,
      docName: name,
      onPreview: (v, latest) => {
        // One view of the past at a time: a preview replaces a comparison or the timeslider.
        authorship.closeCompare();
        timeslider?.close();
        void versions.open(v, latest);
      },
      onCompare: (list, from) => void authorship.compare(list, from, null),
      naming,
      onTimeslider: () => void openTimeslider(null),
      onClose: toggleHistory,
    });
    workspace.append(history.element);
    historyButton.setAttribute('aria-pressed', 'true');
    void history.reload();
  };

  const share = h(
    'button',
    {
      type: 'button',
      class: 'btn btn--primary',
      'data-testid': 'copy-link',
      onclick: () => {
        void copyText(shareableUrl(name, location.origin)).then((ok) =>
          showToast(ok ? 'Link copied. Anyone with access to this server can open it.' : 'Could not copy the link; copy it from the address bar.', ok ? 'info' : 'error'),
        );
      },
    },
    icon(Icons.link),
    h('span', { class: 'btn__text' }, 'Copy link'),
  );

  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: homeHref(), 'aria-label': 'Tandem: all documents' }, h('span', { class: 'brand__mark', 'aria-hidden': 'true' }, 'T')),
    h(
      'div',
      { class: 'doc-title' },
      h('h1', { class: 'doc-title__name', title: name }, name),
      h('div', { class: 'doc-title__meta' }, roleBadge(role), connection.element),
    ),
    h('div', { class: 'topbar__actions' }, presence.element, comments.headerControl, authorship.toggle, historyButton, createExportMenu({ api, docName: name, at: () => versions.previewing, onError: (m) => showToast(m, 'error') }), share),
  );

  canvas.append(versions.banner, liveSheet, versions.sheet, followIndicator.element);
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#document' }, 'Skip to the document'),
    h('div', { class: 'doc-page', 'data-testid': 'document-page' }, header, toolbar ? h('div', { class: 'toolbar-row' }, toolbar) : null, workspace, statusbar),
  );
  root.removeAttribute('aria-busy');
  const pageRoot = root.querySelector<HTMLElement>('.doc-page');

  let denied = false;
  session.onStatus((status) => {
    connection.update(status);
    if (status.connection === 'denied' && !denied) {
      denied = true;
      // Edits could never reach the server: stop taking them, and say why.
      editor.setEditable(false);
      if (toolbar) toolbar.inert = true;
      if (status.deniedCode === DELETED_CLOSE_CODE) {
        // Nothing of it stays in this browser: a new document of this name must start empty.
        void session.forgetLocalCopy();
        showToast('This document was moved to the trash. Restore it from the Trash on the documents page.', 'error', 30_000);
      } else {
        showToast(`This document cannot be opened: ${status.deniedReason ?? 'access refused'}.`, 'error', 15_000);
      }
    }
    if (pageRoot && status.everSynced && pageRoot.dataset['ready'] !== 'true') {
      pageRoot.dataset['ready'] = 'true';
      // Time from navigation to an editable, synced document, for anyone measuring it.
      performance.mark('tandem:synced');
    }
  });

  // Counting walks the whole document: at most every 200 ms while typing, at once otherwise.
  let countTimer = 0;
  let countAgain = false;
  const updateWordCount = (): void => {
    if (countTimer) {
      countAgain = true;
      return;
    }
    words.textContent = plural(countDocumentWords(editor.state.doc), 'word');
    countTimer = window.setTimeout(() => {
      countTimer = 0;
      if (countAgain) {
        countAgain = false;
        updateWordCount();
      }
    }, 200);
  };
  updateWordCount();
  let historyTimer = 0;
  editor.on('update', () => {
    updateWordCount();
    timeslider?.documentChanged(session.doc);
    // An open timeline follows the document; ask once things calm down.
    if (history) {
      clearTimeout(historyTimer);
      historyTimer = window.setTimeout(() => void history?.reload(), 1500);
    }
  });

  if (loaded.isNew && !token?.name) {
    showToast(`Others see you as “${identity.name}”. Select your picture at the top to change your name or colour.`, 'info', 8000);
  }
  if (token?.expiresAt && token.expiresAt < Date.now()) {
    showToast('Your access link has expired: ask for a new one.', 'error', 10_000);
  }
  // A link to a point of the history opens the timeslider there.
  const linkedPoint = timesliderPoint(location.hash);
  if (linkedPoint) void openTimeslider(linkedPoint);
  else if (!readOnly) editor.commands.focus('end');
  // Commenting is what a commenter is here for: the threads are in view from the start.
  if (role === 'comment') comments.open();
  window.addEventListener('pagehide', (event) => {
    if (event.persisted) return;
    comments.destroy();
    authorship.destroy();
    session.destroy();
  });
}

/** What this user may do, next to the connection state; nothing for writers. */
function roleBadge(role: 'read' | 'comment' | 'write'): HTMLElement | null {
  if (role === 'read') return h('span', { class: 'badge', 'data-testid': 'read-only-badge' }, icon(Icons.eye), 'View only');
  if (role === 'comment') return h('span', { class: 'badge', 'data-testid': 'comment-only-badge', title: 'You can comment but not edit the text' }, icon(Icons.comment), 'Can comment');
  return null;
}
