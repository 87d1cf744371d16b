/** The real file system with chosen file-handle methods replaced: to make writes fail or wait. */
import { nodeFs, type StoreFileHandle, type StoreFs } from '../../persistence/file/store-fs.js';

export function fsWithHandles(replace: (handle: StoreFileHandle, path: string) => Partial<StoreFileHandle>, base: Partial<StoreFs> = {}): StoreFs {
  return {
    ...nodeFs,
    ...base,
    async open(path, flags) {
      const handle = await nodeFs.open(path, flags);
      return {
        writeAll: (data, position) => handle.writeAll(data, position),
        writeAllSync: (data, position) => handle.writeAllSync(data, position),
        read: (length, position) => handle.read(length, position),
        datasync: () => handle.datasync(),
        truncate: (length) => handle.truncate(length),
        size: () => handle.size(),
        close: () => handle.close(),
        ...replace(handle, path),
      };
    },
  };
}
