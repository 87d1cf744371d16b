/** Whether `work` settled (resolved or rejected) before `deadline` aborted. */
export function settledBefore(work: Promise<unknown>, deadline: AbortSignal): Promise<boolean> {
  if (deadline.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(false);
    deadline.addEventListener('abort', onAbort, { once: true });
    const settled = (): void => {
      deadline.removeEventListener('abort', onAbort);
      resolve(true);
    };
    work.then(settled, settled);
  });
}
