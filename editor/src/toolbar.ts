/**
 * The formatting toolbar. Every control names its keyboard shortcut (title and
 * aria-keyshortcuts), shows its active state (aria-pressed, the style picker) and follows the
 * WAI-ARIA toolbar pattern: one tab stop, arrow keys move between controls.
 */
import type { Editor } from '@tiptap/core';
import { h, icon } from './dom.js';
import { Icons } from './icons.js';

const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

interface ToolSpec {
  id: string;
  label: string;
  icon: string;
  /** Tiptap-style key names, e.g. `Mod-Shift-8`. */
  keys: string;
  run(editor: Editor): boolean;
  active?(editor: Editor): boolean;
  enabled?(editor: Editor): boolean;
}

const groups: ToolSpec[][] = [
  [
    { id: 'bold', label: 'Bold', icon: Icons.bold, keys: 'Mod-b', run: (e) => e.chain().focus().toggleBold().run(), active: (e) => e.isActive('bold') },
    { id: 'italic', label: 'Italic', icon: Icons.italic, keys: 'Mod-i', run: (e) => e.chain().focus().toggleItalic().run(), active: (e) => e.isActive('italic') },
    { id: 'strike', label: 'Strikethrough', icon: Icons.strike, keys: 'Mod-Shift-s', run: (e) => e.chain().focus().toggleStrike().run(), active: (e) => e.isActive('strike') },
    { id: 'code', label: 'Inline code', icon: Icons.code, keys: 'Mod-e', run: (e) => e.chain().focus().toggleCode().run(), active: (e) => e.isActive('code') },
  ],
  [
    { id: 'bulletList', label: 'Bulleted list', icon: Icons.bulletList, keys: 'Mod-Shift-8', run: (e) => e.chain().focus().toggleBulletList().run(), active: (e) => e.isActive('bulletList') },
    { id: 'orderedList', label: 'Numbered list', icon: Icons.orderedList, keys: 'Mod-Shift-7', run: (e) => e.chain().focus().toggleOrderedList().run(), active: (e) => e.isActive('orderedList') },
    { id: 'blockquote', label: 'Quote', icon: Icons.quote, keys: 'Mod-Shift-b', run: (e) => e.chain().focus().toggleBlockquote().run(), active: (e) => e.isActive('blockquote') },
    { id: 'codeBlock', label: 'Code block', icon: Icons.codeBlock, keys: 'Mod-Alt-c', run: (e) => e.chain().focus().toggleCodeBlock().run(), active: (e) => e.isActive('codeBlock') },
  ],
  [
    { id: 'undo', label: 'Undo', icon: Icons.undo, keys: 'Mod-z', run: (e) => e.chain().focus().undo().run(), enabled: (e) => e.can().undo() },
    { id: 'redo', label: 'Redo', icon: Icons.redo, keys: 'Mod-Shift-z', run: (e) => e.chain().focus().redo().run(), enabled: (e) => e.can().redo() },
  ],
];

const blockStyles = [
  { value: 'paragraph', label: 'Normal text', keys: 'Mod-Alt-0' },
  { value: 'h1', label: 'Heading 1', keys: 'Mod-Alt-1' },
  { value: 'h2', label: 'Heading 2', keys: 'Mod-Alt-2' },
  { value: 'h3', label: 'Heading 3', keys: 'Mod-Alt-3' },
] as const;

/** `Mod-Shift-8` → `Ctrl+Shift+8` (or `⌘⇧8` on a Mac), for people. */
export function shortcutLabel(keys: string): string {
  const parts = keys.split('-');
  if (isMac) {
    const symbols: Record<string, string> = { Mod: '⌘', Shift: '⇧', Alt: '⌥' };
    return parts.map((p) => symbols[p] ?? p.toUpperCase()).join('');
  }
  return parts.map((p) => (p === 'Mod' ? 'Ctrl' : p.length === 1 ? p.toUpperCase() : p)).join('+');
}

/** `Mod-Shift-8` → `Control+Shift+8`, the aria-keyshortcuts syntax. */
function ariaShortcut(keys: string): string {
  return keys
    .split('-')
    .map((p) => (p === 'Mod' ? (isMac ? 'Meta' : 'Control') : p.length === 1 ? p.toUpperCase() : p))
    .join('+');
}

function currentBlockStyle(editor: Editor): string {
  for (const level of [1, 2, 3] as const) if (editor.isActive('heading', { level })) return `h${level}`;
  return 'paragraph';
}

function applyBlockStyle(editor: Editor, value: string): void {
  const level = Number(value.slice(1));
  if (value.startsWith('h') && (level === 1 || level === 2 || level === 3)) editor.chain().focus().setHeading({ level }).run();
  else editor.chain().focus().setParagraph().run();
}

export function createToolbar(editor: Editor): HTMLElement {
  const styleSelect = h(
    'select',
    {
      class: 'style-picker',
      'aria-label': 'Text style',
      title: `Text style (${blockStyles.map((s) => `${s.label}: ${shortcutLabel(s.keys)}`).join(', ')})`,
      'data-testid': 'style-picker',
      onchange: () => applyBlockStyle(editor, styleSelect.value),
    },
    ...blockStyles.map((s) => h('option', { value: s.value }, s.label)),
  );

  const buttons = new Map<ToolSpec, HTMLButtonElement>();
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'data-testid': 'toolbar' }, styleSelect);
  for (const group of groups) {
    toolbar.append(h('span', { class: 'toolbar__divider', role: 'separator', 'aria-orientation': 'vertical' }));
    for (const tool of group) {
      const button = h(
        'button',
        {
          type: 'button',
          class: 'tool',
          'aria-label': tool.label,
          title: `${tool.label} (${shortcutLabel(tool.keys)})`,
          'aria-keyshortcuts': ariaShortcut(tool.keys),
          'aria-pressed': tool.active ? 'false' : null,
          'data-tool': tool.id,
          // Keep the editor's selection: the click must not move focus before the command runs.
          onmousedown: (event: Event) => event.preventDefault(),
          onclick: () => tool.run(editor),
        },
        icon(tool.icon),
      );
      buttons.set(tool, button);
      toolbar.append(button);
    }
  }

  // Disabled buttons (nothing to undo) cannot take focus, so they are skipped.
  const controls = (): HTMLElement[] => [styleSelect, ...[...buttons.values()].filter((b) => !b.disabled)];
  setupRovingFocus(toolbar, controls);

  let frame = 0;
  const refresh = (): void => {
    frame = 0;
    styleSelect.value = currentBlockStyle(editor);
    for (const [tool, button] of buttons) {
      if (tool.active) button.setAttribute('aria-pressed', String(tool.active(editor)));
      if (tool.enabled) button.disabled = !tool.enabled(editor);
    }
  };
  const schedule = (): void => {
    if (frame === 0) frame = requestAnimationFrame(refresh);
  };
  editor.on('transaction', schedule);
  editor.on('focus', schedule);
  refresh();
  return toolbar;
}

/** One tab stop for the whole toolbar; arrows, Home and End move within it. */
function setupRovingFocus(toolbar: HTMLElement, controls: () => HTMLElement[]): void {
  let current = 0;
  const sync = (): void => controls().forEach((c, i) => (c.tabIndex = i === current ? 0 : -1));
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
}
