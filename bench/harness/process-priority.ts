/**
 * Gives processes the bench did not start itself (PostgreSQL, Redis, HAProxy) the priority of
 * its own children (`--nice`): a commit or a relay waits for them as much as for the server.
 * Such a process is often a session of its own (PostgreSQL's backends call setsid), so its
 * autogroup gets the nice value, and the process too (see child-process.ts). `apply` is called
 * again while a run goes on, since a database starts a backend for each new connection.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

export class ProcessPriority {
  /** Processes given the priority already, by pid and start time (a pid is reused). */
  private readonly given = new Set<string>();

  constructor(private readonly nice: number) {}

  /** Every process of `roots`, and every process one of them started, not given it yet. */
  apply(roots: readonly (number | null | undefined)[]): void {
    const parents = new Set(roots.filter((pid): pid is number => typeof pid === 'number' && pid > 0));
    if (!this.nice || parents.size === 0) return;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // After the command, which may hold spaces: state, ppid, … starttime (the 20th).
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const pid = Number(entry);
        const key = `${entry}:${fields[19]}`;
        if ((!parents.has(pid) && !parents.has(Number(fields[1]))) || this.given.has(key)) continue;
        writeFileSync(`/proc/${entry}/autogroup`, String(this.nice));
        setPriority(pid, this.nice);
        this.given.add(key);
      } catch {
        // Gone meanwhile, or no autogroups: the process keeps its priority.
      }
    }
  }
}
