/** Files kept in process memory, beside the memory store: nothing survives a restart. */
import type { BlobInfo, BlobStore } from './blobs.js';

export class MemoryBlobs implements BlobStore {
  private readonly docs = new Map<string, Map<string, Uint8Array>>();

  async putBlob(doc: string, sha256: string, data: Uint8Array): Promise<{ created: boolean }> {
    let files = this.docs.get(doc);
    if (!files) {
      files = new Map();
      this.docs.set(doc, files);
    }
    if (files.has(sha256)) return { created: false };
    files.set(sha256, data.slice());
    return { created: true };
  }

  async readBlob(doc: string, sha256: string): Promise<Uint8Array | null> {
    return this.docs.get(doc)?.get(sha256) ?? null;
  }

  async hasBlob(doc: string, sha256: string): Promise<boolean> {
    return this.docs.get(doc)?.has(sha256) ?? false;
  }

  async listBlobs(doc: string): Promise<BlobInfo[]> {
    return [...(this.docs.get(doc) ?? new Map<string, Uint8Array>())].map(([sha256, data]) => ({ sha256, bytes: data.byteLength }));
  }

  async blobBytes(doc: string): Promise<number> {
    return (await this.listBlobs(doc)).reduce((sum, b) => sum + b.bytes, 0);
  }
}
