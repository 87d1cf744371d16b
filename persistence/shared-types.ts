/**
 * The top-level shared types of a document rebuilt from updates. An update does not say
 * whether a root is a Y.Text, a Y.XmlFragment, a Y.Map or a Y.Array — the client that wrote
 * it knew — so the kind is read off the content of the root's items. Restoring and rendering
 * need the kind to instantiate the root with the right class.
 */
import * as Y from 'yjs';

export type SharedKind = 'text' | 'xml' | 'map' | 'array';
/** A root type as `Y.Doc#share` holds it. */
export type RootType = NonNullable<ReturnType<Y.Doc['share']['get']>>;

function kindOfContent(content: Y.Item['content']): SharedKind | null {
  if (content instanceof Y.ContentString || content instanceof Y.ContentFormat || content instanceof Y.ContentEmbed) return 'text';
  if (content instanceof Y.ContentType) {
    return content.type instanceof Y.XmlElement || content.type instanceof Y.XmlText || content.type instanceof Y.XmlHook ? 'xml' : 'array';
  }
  if (content instanceof Y.ContentAny || content instanceof Y.ContentBinary || content instanceof Y.ContentJSON || content instanceof Y.ContentDoc) return 'array';
  return null; // deleted (garbage-collected) content says nothing
}

function kindOf(type: RootType): SharedKind | null {
  if (type instanceof Y.XmlFragment) return 'xml';
  if (type instanceof Y.Text) return 'text';
  if (type instanceof Y.Map) return 'map';
  if (type instanceof Y.Array) return 'array';
  for (let item = type._start; item !== null; item = item.right) {
    const kind = kindOfContent(item.content);
    if (kind) return kind;
  }
  return type._map.size > 0 ? 'map' : null;
}

/** Kinds of the document's roots that have (or had, while not collected) content. */
export function sharedKinds(doc: Y.Doc): Map<string, SharedKind> {
  const kinds = new Map<string, SharedKind>();
  for (const [name, type] of doc.share) {
    const kind = kindOf(type);
    if (kind) kinds.set(name, kind);
  }
  return kinds;
}

/** Instantiates a root with its class (a root seen only as content becomes typed). */
export function sharedType(doc: Y.Doc, name: string, kind: SharedKind): Y.Text | Y.XmlFragment | Y.Map<unknown> | Y.Array<unknown> {
  switch (kind) {
    case 'text':
      return doc.getText(name);
    case 'xml':
      return doc.getXmlFragment(name);
    case 'map':
      return doc.getMap(name);
    case 'array':
      return doc.getArray(name);
  }
}

/** Whether the document holds anything: content in any of its shared types. */
export function hasContent(doc: Y.Doc): boolean {
  for (const type of doc.share.values()) {
    if (type._start !== null || type._map.size > 0) return true;
  }
  return false;
}
