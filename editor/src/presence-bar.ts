/**
 * Who is in the document right now, from the awareness states: one avatar per person, this
 * user first. This user's own avatar opens the name and colour dialog; another writer's
 * follows their caret (a toggle, ringed while followed). Viewers have no caret to follow.
 */
import type { Awareness } from 'y-protocols/awareness';
import { h } from './dom.js';
import { initials } from './identity.js';

export interface Person {
  clientId: number;
  name: string;
  color: string;
  viewer: boolean;
  self: boolean;
}

/** Avatars shown before the rest are summed up as "+N". */
const MAX_AVATARS = 5;

function peopleIn(awareness: Awareness): Person[] {
  const people: Person[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    const user = (state as { user?: Record<string, unknown> }).user;
    if (!user || typeof user['name'] !== 'string') continue;
    people.push({
      clientId,
      name: user['name'],
      color: typeof user['color'] === 'string' && /^#[0-9a-f]{6}$/i.test(user['color']) ? user['color'] : '#37474f',
      viewer: user['viewer'] === true,
      self: clientId === awareness.clientID,
    });
  }
  return people.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
}

function describe(person: Person): string {
  return `${person.name}${person.self ? ' (you)' : ''}${person.viewer ? ', viewing' : ''}`;
}

export interface PresenceBarOptions {
  onEditSelf(): void;
  /** Asked to follow (or stop following) someone else's caret. */
  onFollow(person: Person): void;
}

export interface PresenceBar {
  element: HTMLElement;
  /** Rings the avatar of the person followed (null: nobody). */
  setFollowed(clientId: number | null): void;
}

export function createPresenceBar(awareness: Awareness, options: PresenceBarOptions): PresenceBar {
  const list = h('ul', { class: 'presence__list', 'data-testid': 'presence' });
  const summary = h('span', { class: 'visually-hidden', 'aria-live': 'polite' });
  const element = h('div', { class: 'presence', role: 'group', 'aria-label': 'People in this document' }, list, summary);
  let followed: number | null = null;

  const avatarOf = (person: Person): HTMLElement => {
    if (person.self) {
      const label = `${describe(person)}: change your name or colour`;
      return h('button', { type: 'button', class: 'avatar', style: `--user-color: ${person.color}`, title: label, 'aria-label': label, onclick: options.onEditSelf }, initials(person.name));
    }
    if (person.viewer) {
      // A labelled span is only announced with a role.
      return h('span', { class: 'avatar avatar--viewer', style: `--user-color: ${person.color}`, title: describe(person), 'aria-label': describe(person), role: 'img' }, initials(person.name));
    }
    return h(
      'button',
      {
        type: 'button',
        class: 'avatar avatar--followable',
        style: `--user-color: ${person.color}`,
        title: `${describe(person)}: follow their cursor`,
        'aria-label': `Follow ${describe(person)}`,
        'aria-pressed': String(person.clientId === followed),
        onclick: () => options.onFollow(person),
      },
      initials(person.name),
    );
  };

  let shownKey = '';
  const render = (): void => {
    const people = peopleIn(awareness);
    // Awareness also changes whenever someone moves their caret; only redraw (and so replace
    // the button under a pointer) when who is here, or how they look, changed.
    const key = JSON.stringify(people.map((p) => [p.clientId, p.name, p.color, p.viewer]));
    if (key === shownKey) return;
    shownKey = key;
    const shown = people.slice(0, MAX_AVATARS);
    // Someone coming or going redraws the avatars: the one that had the focus keeps it.
    const focused = list.contains(document.activeElement) ? document.activeElement?.closest('li')?.dataset['clientId'] : undefined;
    list.replaceChildren(
      ...shown.map((person) =>
        h('li', { class: 'presence__item', 'data-name': person.name, 'data-client-id': person.clientId, 'data-self': person.self ? 'true' : null }, avatarOf(person)),
      ),
    );
    if (focused !== undefined) list.querySelector<HTMLElement>(`li[data-client-id="${focused}"] button`)?.focus();
    const hidden = people.slice(MAX_AVATARS);
    if (hidden.length > 0) {
      list.append(h('li', { class: 'presence__item presence__more', title: hidden.map(describe).join(', ') }, `+${hidden.length}`));
    }
    summary.textContent = people.length === 1 ? 'Only you are here' : `${people.length} people here: ${people.map(describe).join(', ')}`;
  };

  // 'change' fires only when a state really changed (not on the 15 s keep-alives).
  awareness.on('change', render);
  render();
  return {
    element,
    setFollowed(clientId) {
      followed = clientId;
      for (const item of list.querySelectorAll<HTMLElement>('li[data-client-id]')) {
        item.querySelector('button[aria-pressed]')?.setAttribute('aria-pressed', String(item.dataset['clientId'] === String(clientId)));
      }
    },
  };
}
