/** Reading an `/api` request's body within a size limit (a larger one: 413). */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

/** JSON bodies are small. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** The body's bytes; a body larger than `maxBytes` is refused with 413 as soon as it gets there. */
export function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new ApiError(413, `request body is larger than ${maxBytes} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new ApiError(413, `request body is larger than ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBytes(req, MAX_JSON_BODY_BYTES)).toString('utf8');
}

/** The body as JSON; 400 when it is not. */
export async function readJson(req: IncomingMessage, example: string): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, `the body must be JSON such as ${example}`);
  }
}
