/**
 * The editor of someone who may comment but not edit (the `comment` role): the caret, the
 * selection and the keyboard work as in an editable document — text must be selected to be
 * commented on, with the keyboard too — but nothing this user types, pastes or drops changes
 * the text. Only the document's own redraws from Yjs (others' edits) do. The server refuses a
 * commenter's text changes in any case; this keeps them from ever being made.
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { ySyncPluginKey } from '@tiptap/y-tiptap';

export const CommentOnlyGuard = Extension.create({
  name: 'tandemCommentOnlyGuard',
  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: new PluginKey('tandem-comment-only'),
        filterTransaction: (tr) => !tr.docChanged || tr.getMeta(ySyncPluginKey) !== undefined,
        props: {
          attributes: { 'aria-readonly': 'true' },
          handlePaste: () => true,
          handleDrop: () => true,
          handleDOMEvents: {
            // Stops the browser changing the page's text before ProseMirror sees it; what still
            // gets through (composition) is undone by the refused transaction's redraw.
            beforeinput: (_view, event) => {
              event.preventDefault();
              return true;
            },
          },
        },
      }),
    ];
  },
});
