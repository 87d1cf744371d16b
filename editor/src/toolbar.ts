/**
 * The formatting toolbar, drawn from the command table (editor-commands.ts). Every control
 * names its keyboard shortcut (title and aria-keyshortcuts), shows its active state
 * (aria-pressed, the style picker) and follows the WAI-ARIA toolbar pattern: one tab stop,
 * arrow keys move between controls. The table tools show only while the caret is in a table.
 */
import type { Editor } from '@tiptap/core';
import { h, icon } from './dom.js';
import { COMMAND_GROUPS, ariaShortcut, shortcutLabel, type CommandGroup, type EditorActions, type EditorCommand } from './editor-commands.js';

function createStylePicker(editor: Editor, group: CommandGroup, actions: EditorActions): { element: HTMLSelectElement; refresh(): void } {
  const describe = (c: EditorCommand): string => (c.keys ? `${c.label}: ${shortcutLabel(c.keys)}` : c.label);
  const select = h(
    'select',
    {
      class: 'style-picker',
      'aria-label': group.label,
      title: `${group.label} (${group.commands.map(describe).join(', ')})`,
      'data-testid': 'style-picker',
      onchange: () => {
        const chosen = group.commands.find((c) => c.id === select.value);
        chosen?.run(editor, actions);
      },
    },
    ...group.commands.map((c) => h('option', { value: c.id }, c.label)),
  );
  // The first entry (normal text) is what a block is when no other applies.
  const refresh = (): void => {
    select.value = group.commands.slice(1).find((c) => c.active?.(editor))?.id ?? group.commands[0]?.id ?? '';
  };
  return { element: select, refresh };
}

export function createToolbar(editor: Editor, actions: EditorActions): HTMLElement {
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'data-testid': 'toolbar' });
  const buttons = new Map<EditorCommand, HTMLButtonElement>();
  const contextual: { group: CommandGroup; elements: HTMLElement[] }[] = [];
  let picker: ReturnType<typeof createStylePicker> | null = null;

  for (const group of COMMAND_GROUPS) {
    const elements: HTMLElement[] = [];
    if (group.control === 'picker') {
      picker = createStylePicker(editor, group, actions);
      toolbar.append(picker.element);
      continue;
    }
    const divider = h('span', { class: 'toolbar__divider', role: 'separator', 'aria-orientation': 'vertical' });
    toolbar.append(divider);
    elements.push(divider);
    for (const command of group.commands) {
      const button = h(
        'button',
        {
          type: 'button',
          class: 'tool',
          'aria-label': command.label,
          title: command.keys ? `${command.label} (${shortcutLabel(command.keys)})` : command.label,
          'aria-keyshortcuts': command.keys ? ariaShortcut(command.keys) : null,
          'aria-pressed': command.active ? 'false' : null,
          'data-tool': command.id,
          // Keep the editor's selection: the click must not move focus before the command runs.
          onmousedown: (event: Event) => event.preventDefault(),
          onclick: () => command.run(editor, actions),
        },
        icon(command.icon ?? ''),
      );
      buttons.set(command, button);
      toolbar.append(button);
      elements.push(button);
    }
    if (group.visible) contextual.push({ group, elements });
  }

  // Disabled and hidden buttons (nothing to undo, no table here) cannot take focus: skipped.
  const controls = (): HTMLElement[] => [...(picker ? [picker.element] : []), ...[...buttons.values()].filter((b) => !b.disabled && !b.hidden)];
  const resyncFocus = setupRovingFocus(toolbar, controls);

  let frame = 0;
  const refresh = (): void => {
    frame = 0;
    picker?.refresh();
    for (const { group, elements } of contextual) {
      const show = group.visible?.(editor) ?? true;
      for (const element of elements) element.hidden = !show;
    }
    for (const [command, button] of buttons) {
      if (button.hidden) continue;
      if (command.active) button.setAttribute('aria-pressed', String(command.active(editor)));
      if (command.enabled) button.disabled = !command.enabled(editor);
    }
    resyncFocus();
  };
  const schedule = (): void => {
    if (frame === 0) frame = requestAnimationFrame(refresh);
  };
  editor.on('transaction', schedule);
  editor.on('focus', schedule);
  refresh();
  return toolbar;
}

/**
 * One tab stop for the whole toolbar; arrows, Home and End move within it. Returns what to
 * call when controls appear, disappear or are disabled, so the tab stop stays on one that can
 * take focus.
 */
function setupRovingFocus(toolbar: HTMLElement, controls: () => HTMLElement[]): () => void {
  let current = 0;
  const sync = (): void => {
    const all = controls();
    current = Math.min(current, Math.max(0, all.length - 1));
    all.forEach((c, i) => (c.tabIndex = i === current ? 0 : -1));
  };
  toolbar.addEventListener('focusin', (event) => {
    const index = controls().indexOf(event.target as HTMLElement);
    if (index >= 0) current = index;
    sync();
  });
  toolbar.addEventListener('keydown', (event) => {
    const all = controls();
    const keys: Record<string, number> = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: all.length - 1 };
    const target = keys[event.key];
    // The style picker uses up/down itself; left/right and Home/End are free everywhere.
    if (target === undefined) return;
    event.preventDefault();
    current = (target + all.length) % all.length;
    sync();
    all[current]?.focus();
  });
  sync();
  return sync;
}
