/**
 * The Tiptap editor bound to a session's Yjs document. The document's schema is the one the
 * server renders exports with (document-schema/); around it, Collaboration replaces undo/redo
 * with the Yjs undo manager (which only undoes this user's own changes), CollaborationCaret
 * draws the others, and the command table's keys are bound.
 */
import { Editor, type AnyExtension } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { documentExtensions } from '../../document-schema/document-extensions.js';
import type { CollabSession } from './collab-session.js';
import { commandKeymap, type EditorActions } from './editor-commands.js';
import { openLinkInNewTab } from './link-clicks.js';
import { remoteTableFixGuard } from './remote-table-fix-guard.js';
import type { Identity } from './identity.js';
import { SelectionGuard } from './selection-guard.js';

/** What other people see of this user (the awareness `user` field). */
export interface PresenceUser {
  name: string;
  color: string;
  /** Set for read-only viewers, so the presence bar can say so. */
  viewer?: boolean;
}

export function presenceUser(identity: Identity, readOnly: boolean): PresenceUser {
  return readOnly ? { ...identity, viewer: true } : { ...identity };
}

/** The document's schema (shared with the server's exports) and what live editing adds. */
export function collaborativeExtensions(session: Pick<CollabSession, 'doc' | 'provider'>, user: PresenceUser, actions: EditorActions, extra: AnyExtension[] = []): AnyExtension[] {
  return [
    // The app's CSP refuses style attributes: alignment is rendered as classes.
    ...documentExtensions({ presentation: 'class' }),
    Collaboration.configure({ document: session.doc, field: 'default' }),
    CollaborationCaret.configure({ provider: session.provider, user, render: renderCaret }),
    SelectionGuard.configure({ provider: session.provider }),
    commandKeymap(actions),
    remoteTableFixGuard,
    ...extra,
  ];
}

/** `extra`: what the page adds around the document (the comments' highlights). */
export function createCollaborativeEditor(element: HTMLElement, session: CollabSession, user: PresenceUser, editable: boolean, actions: EditorActions, extra: AnyExtension[] = []): Editor {
  return new Editor({
    element,
    editable,
    // Its rules come from styles/prosemirror.css: the CSP refuses an injected <style>.
    injectCSS: false,
    // Never `content:` here: every client would insert it again (ECOSYSTEM.md).
    extensions: collaborativeExtensions(session, user, actions, extra),
    editorProps: {
      handleClick: (_view, _pos, event) => openLinkInNewTab(event),
      attributes: {
        class: 'prose',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': 'Document text',
        spellcheck: 'true',
      },
    },
  });
}

/** A remote user's caret: a coloured bar with their name above it. */
function renderCaret(user: Record<string, unknown>): HTMLElement {
  const color = typeof user['color'] === 'string' ? user['color'] : '#37474f';
  const name = typeof user['name'] === 'string' ? user['name'] : 'Someone';
  const caret = document.createElement('span');
  caret.className = 'collaboration-carets__caret';
  caret.style.borderColor = color;
  caret.setAttribute('data-user', name);
  const label = document.createElement('span');
  label.className = 'collaboration-carets__label';
  label.style.backgroundColor = color;
  label.textContent = name;
  caret.appendChild(label);
  return caret;
}
