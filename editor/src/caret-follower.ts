/**
 * Following another person: their caret is brought into view and kept there as they move it
 * and as the document changes under it, until this user takes over.
 *
 *   idle ──follow(person)──▶ following ──(user types, clicks in the page, scrolls, presses
 *     ▲                          │         Escape, picks them again; or the person leaves)──┐
 *     └──────────────────────────┴─────────────────────────────────────────────stop(reason)◀┘
 *
 * The caret comes from the person's awareness state (`cursor.head`, a Yjs relative position,
 * as the collaboration caret publishes it). Only the document's scroller moves: focus and this
 * user's own selection are never touched. Taking over is recognised from the user's own input
 * (wheel, touch, keys, pointer), never from scroll events, so the follower's own scrolling
 * and the browser's scroll anchoring cannot end it.
 */
import type { Editor } from '@tiptap/core';
import type { Transaction } from '@tiptap/pm/state';
import type { Awareness } from 'y-protocols/awareness';
import { isRemoteChange } from './remote-table-fix-guard.js';
import { absolutePosition } from './tracked-range.js';

export interface FollowedPerson {
  clientId: number;
  name: string;
  color: string;
}

export type StopReason = 'typed' | 'clicked' | 'scrolled' | 'escape' | 'left' | 'toggled';

export interface CaretFollowerOptions {
  editor: Editor;
  awareness: Awareness;
  /** The element that scrolls the document. */
  scroller: HTMLElement;
  /** Called when following starts (reason null), stops, or the person's name or colour changes. */
  onChange(followed: FollowedPerson | null, previous: FollowedPerson | null, reason: StopReason | null): void;
}

/** Keys that scroll a page when nothing editable has the focus. */
const SCROLL_KEYS = new Set(['PageUp', 'PageDown', 'Home', 'End', 'ArrowUp', 'ArrowDown', ' ']);
const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'CapsLock', 'Tab']);

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

export class CaretFollower {
  private person: FollowedPerson | null = null;
  private frame = 0;
  private readonly detach: (() => void)[] = [];

  constructor(private readonly options: CaretFollowerOptions) {}

  get following(): FollowedPerson | null {
    return this.person;
  }

  follow(person: FollowedPerson): void {
    if (this.person) this.stopListening();
    const previous = this.person;
    this.person = { ...person };
    this.listen();
    this.options.onChange(this.person, previous, null);
    this.reveal();
  }

  stop(reason: StopReason): void {
    const previous = this.person;
    if (!previous) return;
    this.person = null;
    this.stopListening();
    this.options.onChange(null, previous, reason);
  }

  destroy(): void {
    this.person = null;
    this.stopListening();
  }

  /** The followed caret's position in the document, or null when they have none in the text. */
  caretPosition(): number | null {
    const state = this.person ? this.options.awareness.getStates().get(this.person.clientId) : undefined;
    const head = (state?.['cursor'] as { head?: unknown } | null | undefined)?.head;
    if (head === undefined) return null;
    const pos = absolutePosition(this.options.editor, head);
    // As the caret plugin draws it: never past the document's last position.
    return pos === null ? null : Math.min(pos, Math.max(this.options.editor.state.doc.content.size - 1, 0));
  }

  private listen(): void {
    const { editor, awareness, scroller } = this.options;
    const on = <K extends keyof HTMLElementEventMap>(target: HTMLElement | Document, type: K, handler: (event: HTMLElementEventMap[K]) => void, capture = false): void => {
      const listener = handler as EventListener;
      target.addEventListener(type, listener, { capture, passive: type !== 'keydown' });
      this.detach.push(() => target.removeEventListener(type, listener, { capture }));
    };

    const onAwareness = ({ updated, removed }: AwarenessChange): void => {
      const id = this.person?.clientId;
      if (id === undefined) return;
      if (removed.includes(id)) return this.stop('left');
      if (!updated.includes(id)) return;
      this.refreshPerson();
      this.reveal();
    };
    awareness.on('change', onAwareness);
    this.detach.push(() => awareness.off('change', onAwareness));

    const onTransaction = ({ transaction }: { transaction: Transaction }): void => {
      if (!transaction.docChanged) return;
      if (isRemoteChange(transaction)) this.reveal();
      else this.stop('typed');
    };
    editor.on('transaction', onTransaction);
    this.detach.push(() => editor.off('transaction', onTransaction));

    on(scroller, 'wheel', () => this.stop('scrolled'));
    on(scroller, 'touchmove', () => this.stop('scrolled'));
    // On the scroller itself: its scrollbar (or the margin around the page); inside: the page.
    on(scroller, 'pointerdown', (event) => this.stop(event.target === scroller ? 'scrolled' : 'clicked'));
    on(
      document,
      'keydown',
      (event) => {
        if (event.key === 'Escape') {
          // A dialog or menu closing on this Escape keeps the following.
          if (!event.defaultPrevented && !(event.target instanceof Element && event.target.closest('dialog, [role="menu"]'))) this.stop('escape');
        } else if (event.target instanceof Node && editor.view.dom.contains(event.target)) {
          if (!MODIFIER_KEYS.has(event.key)) this.stop('typed');
        } else if (SCROLL_KEYS.has(event.key) && !isEditable(event.target)) {
          this.stop('scrolled');
        }
      },
      true,
    );
  }

  private stopListening(): void {
    for (const undo of this.detach.splice(0)) undo();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  /** A renamed or recoloured person: tell the page, which shows who is followed. */
  private refreshPerson(): void {
    const person = this.person;
    const user = this.options.awareness.getStates().get(person?.clientId ?? -1)?.['user'] as { name?: unknown; color?: unknown } | undefined;
    if (!person || typeof user?.name !== 'string') return;
    const color = typeof user.color === 'string' ? user.color : person.color;
    if (user.name === person.name && color === person.color) return;
    this.person = { ...person, name: user.name, color };
    this.options.onChange(this.person, person, null);
  }

  /** On the next frame (once the document is redrawn), scroll the caret into view if it is not. */
  private reveal(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.scrollToCaret();
    });
  }

  private scrollToCaret(): void {
    const pos = this.caretPosition();
    const view = this.options.editor.view;
    // Hidden (a version preview is shown instead): nothing to scroll to.
    if (pos === null || view.dom.getClientRects().length === 0) return;
    let caret: { top: number; bottom: number };
    try {
      caret = view.coordsAtPos(pos);
    } catch {
      return;
    }
    const { scroller } = this.options;
    const box = scroller.getBoundingClientRect();
    // "Comfortably in view": away from the edges, where it could hide under a banner or the fold.
    const margin = Math.min(120, box.height * 0.2);
    const top = caret.top - box.top;
    if (top >= margin && caret.bottom - box.top <= box.height - margin) return;
    const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    scroller.scrollTo({ top: Math.max(0, scroller.scrollTop + top - box.height / 3), behavior: reduceMotion ? 'auto' : 'smooth' });
  }
}

function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || target.matches('input, textarea, select, button, a[href], [role="option"]'));
}
