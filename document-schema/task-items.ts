/**
 * Task lists: Tiptap's TaskList and TaskItem (nested lists allowed). Anyone who may edit can
 * tick a box; where the editor is read-only (a viewer, a version preview, a document the
 * server refused) the checkbox is disabled rather than silently springing back.
 */
import type { NodeView } from '@tiptap/pm/view';
import { TaskItem } from '@tiptap/extension-list';

export { TaskList } from '@tiptap/extension-list';

export const CheckableTaskItem = TaskItem.extend({
  addNodeView() {
    const render = this.parent?.();
    if (!render) return null;
    return (props) => {
      const view = render(props) as NodeView;
      // Typed without DOM names: this module is also compiled for the server, which never
      // draws node views.
      const checkbox = (view.dom as unknown as { querySelector(selector: string): { disabled: boolean } | null }).querySelector('input[type="checkbox"]');
      if (!checkbox) return view;
      const { editor } = props;
      // setEditable() emits `update`, as does every change: cheap enough to follow here.
      const sync = (): void => {
        checkbox.disabled = !editor.isEditable;
      };
      sync();
      editor.on('update', sync);
      const destroy = view.destroy?.bind(view);
      view.destroy = () => {
        editor.off('update', sync);
        destroy?.();
      };
      return view;
    };
  },
}).configure({ nested: true });
