/**
 * Who is in the document right now, from the awareness states: one avatar per person, this
 * user first. This user's own avatar opens the name and colour dialog.
 */
import type { Awareness } from 'y-protocols/awareness';
import { h } from './dom.js';
import { initials } from './identity.js';

interface Person {
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

export function createPresenceBar(awareness: Awareness, onEditSelf: () => void): HTMLElement {
  const list = h('ul', { class: 'presence__list', 'data-testid': 'presence' });
  const summary = h('span', { class: 'visually-hidden', 'aria-live': 'polite' });
  const bar = h('div', { class: 'presence', role: 'group', 'aria-label': 'People in this document' }, list, summary);

  let shownKey = '';
  const render = (): void => {
    const people = peopleIn(awareness);
    // Awareness also changes whenever someone moves their caret; only redraw (and so replace
    // the button under a pointer) when who is here, or how they look, changed.
    const key = JSON.stringify(people.map((p) => [p.clientId, p.name, p.color, p.viewer]));
    if (key === shownKey) return;
    shownKey = key;
    const shown = people.slice(0, MAX_AVATARS);
    list.replaceChildren(
      ...shown.map((person) => {
        const avatar = h(
          person.self ? 'button' : 'span',
          {
            class: `avatar${person.viewer ? ' avatar--viewer' : ''}`,
            style: `--user-color: ${person.color}`,
            title: person.self ? `${describe(person)}: change your name or colour` : describe(person),
            'aria-label': person.self ? `${describe(person)}: change your name or colour` : describe(person),
            type: person.self ? 'button' : null,
            // A labelled span is only announced with a role.
            role: person.self ? null : 'img',
            onclick: person.self ? onEditSelf : null,
          },
          initials(person.name),
        );
        return h('li', { class: 'presence__item', 'data-name': person.name, 'data-self': person.self ? 'true' : null }, avatar);
      }),
    );
    const hidden = people.slice(MAX_AVATARS);
    if (hidden.length > 0) {
      list.append(h('li', { class: 'presence__item presence__more', title: hidden.map(describe).join(', ') }, `+${hidden.length}`));
    }
    summary.textContent = people.length === 1 ? 'Only you are here' : `${people.length} people here: ${people.map(describe).join(', ')}`;
  };

  // 'change' fires only when a state really changed (not on the 15 s keep-alives).
  awareness.on('change', render);
  render();
  return bar;
}
