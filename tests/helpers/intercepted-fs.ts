/**
 * The real file system with a hook before (and after) each write-side call (writeAll, datasync,
 * unlink, rename, syncDir): the hook throws to make that call fail, as a failing disk would.
 */
import { nodeFs, type StoreFs } from '../../persistence/file/store-fs.js';
import { fsWithHandles } from './wrapped-fs.js';

export type FsCall = 'writeAll' | 'datasync' | 'unlink' | 'rename' | 'syncDir';

export function interceptedFs(before: (call: FsCall, path: string) => void, after: (call: FsCall, path: string) => void = () => {}): StoreFs {
  const around = async <T>(call: FsCall, path: string, work: () => Promise<T>): Promise<T> => {
    before(call, path);
    const result = await work();
    after(call, path);
    return result;
  };
  return fsWithHandles(
    (handle, path) => ({
      writeAll: (data, position) => around('writeAll', path, () => handle.writeAll(data, position)),
      writeAllSync: (data, position) => {
        before('writeAll', path);
        handle.writeAllSync(data, position);
        after('writeAll', path);
      },
      datasync: () => around('datasync', path, () => handle.datasync()),
    }),
    {
      unlink: (path) => around('unlink', path, () => nodeFs.unlink(path)),
      rename: (from, to) => around('rename', from, () => nodeFs.rename(from, to)),
      syncDir: (path) => around('syncDir', path, () => nodeFs.syncDir(path)),
    },
  );
}
