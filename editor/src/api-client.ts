/** The server's `/api` routes, as the editor uses them (contract: DESIGN.md, issue 3). */
import type { Authorship } from '../../document-schema/diff/authorship-json.js';
import type { DocDiff } from '../../document-schema/diff/diff-tree.js';
import type { TrashedDocJson } from '../../persistence/trash.js';

export type { Authorship, DocDiff };

export interface DocSummary {
  name: string;
  bytes: number;
  records: number;
  lastChange: string | null;
  /** Who made the last change: a token's user id, `tandem:restore`, `tandem:recovery`, or null when unknown. */
  lastAuthor: string | null;
}

export interface Version {
  fromSeq: number;
  toSeq: number;
  start: string;
  end: string;
  authors: string[];
  records: number;
  bytes: number;
  /** The names given to the document as it was at `toSeq` (a version ends at every named point). */
  named?: { id: string; name: string }[];
}

/** A named version (`GET /api/docs/<doc>/versions`, PROTOCOL.md). */
export interface NamedVersion {
  id: string;
  name: string;
  /** The record it names: the document as it was after it. */
  seq: number;
  time: string;
  /** Who named it: a token's user, a name they gave (self-declared), or nobody known. */
  author: { user: string } | { name: string } | null;
  /** Named before the history was compacted: it shows the document at the cut. */
  compacted?: true;
}

export interface DocHistory {
  name: string;
  records: number;
  /** Set when history before `beforeSeq` was compacted away (at `at`). */
  compacted?: { beforeSeq: number; at: string } | null;
  versions: Version[];
  /** Every named version, oldest first (absent from servers that have none). */
  named?: NamedVersion[];
}

/** A file added to a document (`POST /api/docs/<doc>/files`). */
export interface UploadedFile {
  /** Root-relative address the document's image nodes hold. */
  url: string;
  type: string;
  bytes: number;
  sha256: string;
}

/** Types the server accepts; anything else is sent as bytes for the server to judge. */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export type ExportFormat = 'json' | 'html' | 'markdown' | 'text' | 'yjs' | 'docx';

/** A deleted document in the trash (`GET /api/trash`), as the server defines it. */
export type TrashedDoc = TrashedDocJson;

export type ImportFormat = 'markdown' | 'html' | 'docx';

export interface ImportResult {
  name: string;
  format: ImportFormat;
  seq: number;
  /** What was left out or simplified (images…). */
  notes: string[];
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class ApiClient {
  constructor(
    /** Sent as `Authorization: Bearer`, when the page was opened with a token. */
    private readonly token: string | null,
    private readonly base = '',
  ) {}

  listDocs(): Promise<{ docs: DocSummary[] }> {
    return this.json('/api/docs');
  }

  /**
   * The timeline. `pauseSeconds` asks for versions split at shorter pauses than the server's
   * default (an optional parameter of Tandem's API; other servers may ignore it).
   */
  history(name: string, pauseSeconds: number | null = null): Promise<DocHistory> {
    return this.json(`${docPath(name)}/history${pauseSeconds === null ? '' : `?pause=${pauseSeconds}`}`);
  }

  /** The document as it was at `at` (a sequence number), or as it is now. */
  async export(name: string, format: ExportFormat, at: number | null = null): Promise<Response> {
    const query = new URLSearchParams({ format });
    if (at !== null) query.set('at', String(at));
    return this.request(`${docPath(name)}/export?${query.toString()}`);
  }

  async exportJson(name: string, at: number | null): Promise<unknown> {
    const response = await this.export(name, 'json', at);
    return response.json() as Promise<unknown>;
  }

  /** `requester`: the name to record the restore under, on a server without tokens (a token's user wins). */
  restore(name: string, at: number, requester: string | null = null): Promise<{ restoredFrom: number; seq: number }> {
    return this.json(`${docPath(name)}/restore`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(requester ? { at, name: requester } : { at }),
    });
  }

  /**
   * Names the document as it was at `at` (a sequence number; null: as it is now). `author`: the
   * name to record, on a server without tokens (a token's user wins).
   */
  nameVersion(name: string, versionName: string, at: number | null, author: string | null = null): Promise<NamedVersion> {
    return this.json(`${docPath(name)}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: versionName, ...(at === null ? {} : { at }), ...(author ? { author } : {}) }),
    });
  }

  renameVersion(name: string, id: string, versionName: string): Promise<NamedVersion> {
    return this.json(`${docPath(name)}/versions/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: versionName }),
    });
  }

  /** Removes the name; the history it named stays. */
  removeVersion(name: string, id: string): Promise<{ removed: NamedVersion }> {
    return this.json(`${docPath(name)}/versions/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  /**
   * Where an `<img>` loads a document's file from (its stored, root-relative address): with the
   * token in the query, as an image request cannot carry the `Authorization` header.
   */
  fileSrc(stored: string): string {
    return this.token ? `${this.base}${stored}?token=${encodeURIComponent(this.token)}` : `${this.base}${stored}`;
  }

  /** A document's file (by its stored address), read with this page's access. */
  async fetchFile(stored: string): Promise<Blob> {
    return (await this.request(stored)).blob();
  }

  /**
   * Adds a file (an image) to the document. The server decides by the bytes what it is; the
   * type sent is the file's own when it is an image type, else `application/octet-stream`.
   */
  uploadFile(name: string, file: Blob): Promise<UploadedFile> {
    return this.json(`${docPath(name)}/files`, {
      method: 'POST',
      headers: { 'content-type': IMAGE_TYPES.has(file.type) ? file.type : 'application/octet-stream' },
      body: file,
    });
  }

  /** What changed between two sequence numbers (0: the empty document; `to` null: now). */
  diff(name: string, from: number, to: number | null): Promise<DocDiff> {
    const query = new URLSearchParams({ from: String(from), format: 'json' });
    if (to !== null) query.set('to', String(to));
    return this.json(`${docPath(name)}/diff?${query.toString()}`);
  }

  /** Who wrote the text the document holds now, by Yjs ids. */
  authorship(name: string): Promise<Authorship> {
    return this.json(`${docPath(name)}/authorship`);
  }

  /** Every step of the document's history, for the timeslider (persistence/timeline/timeline-format.ts). */
  async timeline(name: string): Promise<Uint8Array> {
    const response = await this.request(`${docPath(name)}/timeline`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** A new document from a file's bytes (the server converts it). */
  importDoc(name: string, format: ImportFormat, file: Blob): Promise<ImportResult> {
    return this.json(`${docPath(name)}/import?format=${format}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file });
  }

  /** Moves a document to the trash. */
  deleteDoc(name: string): Promise<{ deleted: TrashedDoc }> {
    return this.json(docPath(name), { method: 'DELETE' });
  }

  listTrash(): Promise<{ trashDays: number; docs: TrashedDoc[] }> {
    return this.json('/api/trash');
  }

  /** Restores trashed document `id` (named `name`), under `as` when given. */
  undelete(name: string, id: string, as?: string): Promise<{ restored: TrashedDoc }> {
    return this.json(`${docPath(name)}/undelete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(as === undefined ? { id } : { id, as }),
    });
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init);
    return (await response.json()) as T;
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set('authorization', `Bearer ${this.token}`);
    let response: Response;
    try {
      response = await fetch(this.base + path, { ...init, headers, cache: 'no-store' });
    } catch {
      throw new ApiError('The server cannot be reached.', 0);
    }
    if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
    return response;
  }
}

function docPath(name: string): string {
  return `/api/docs/${encodeURIComponent(name)}`;
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // Not JSON: fall through to the status line.
  }
  return `${response.status} ${response.statusText}`.trim();
}
