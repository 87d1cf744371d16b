/**
 * Naming versions from the document page: naming one (the current version, or any in the
 * timeline or the preview), renaming and removing a name, each through the server's API
 * (`/api/docs/<doc>/versions`), then telling the page so the timeline shows the change.
 * Only people who may write see these actions (the server refuses anyone else).
 */
import { ApiError, type ApiClient, type NamedVersion } from './api-client.js';
import { openVersionNameDialog } from './version-name-dialog.js';

export interface VersionNamingOptions {
  api: ApiClient;
  docName: string;
  /** The name to record on a server without tokens (null: the token's user is recorded). */
  authorName(): string | null;
  /** The names the document's versions have, as last seen: a taken name is refused at once. */
  takenNames(): readonly string[];
  /** A name was added, renamed or removed: `seq` is the point it is about. */
  onChanged(seq: number): Promise<void>;
  onDone(message: string): void;
  onError(message: string): void;
}

const TAKEN = 'This document already has a version of that name: choose another.';

/** What a refusal means for someone typing a name (a taken name, a name too long, a gone version). */
function refusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) return TAKEN;
  return (error as Error).message;
}

export class VersionNaming {
  constructor(private readonly options: VersionNamingOptions) {}

  /**
   * Opens the dialog naming the document as it was at `at` (null: as it is now); `about`
   * describes that version; `named` hears of the new name once it is saved.
   */
  name(at: number | null, about: string, returnFocus: () => void, named?: (version: NamedVersion) => void): void {
    const { api, docName } = this.options;
    openVersionNameDialog({
      title: at === null ? 'Name the current version' : 'Name this version',
      about,
      initial: '',
      submitLabel: 'Save name',
      returnFocus,
      save: async (name) => {
        // The server checks too (someone else may have taken it since).
        if (this.options.takenNames().includes(name)) return TAKEN;
        try {
          const added = await api.nameVersion(docName, name, at, this.options.authorName());
          await this.options.onChanged(added.seq);
          named?.(added);
          this.options.onDone(`Named the version “${added.name}”`);
          return null;
        } catch (error) {
          return refusal(error);
        }
      },
    });
  }

  rename(version: { id: string; name: string }, seq: number, returnFocus: () => void): void {
    const { api, docName } = this.options;
    openVersionNameDialog({
      title: 'Rename this version',
      about: `It is now named “${version.name}”.`,
      initial: version.name,
      submitLabel: 'Rename',
      returnFocus,
      save: async (name) => {
        if (name === version.name) return null;
        if (this.options.takenNames().includes(name)) return TAKEN;
        try {
          const renamed = await api.renameVersion(docName, version.id, name);
          await this.options.onChanged(seq);
          this.options.onDone(`Renamed the version “${renamed.name}”`);
          return null;
        } catch (error) {
          return refusal(error);
        }
      },
    });
  }

  /** Removes the name (the version itself stays in the history). */
  async remove(version: { id: string; name: string }, seq: number): Promise<void> {
    try {
      await this.options.api.removeVersion(this.options.docName, version.id);
    } catch (error) {
      this.options.onError(`Could not remove the name: ${(error as Error).message}`);
      return;
    }
    await this.options.onChanged(seq);
    this.options.onDone(`Removed the name “${version.name}”; the version stays in the history`);
  }
}
