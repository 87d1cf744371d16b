/** The shape every `tandem <command>` module exports. */
export interface Command {
  name: string;
  /** One line for `tandem --help`. */
  summary: string;
  /** Full text for `tandem <command> --help`. */
  help(): string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[], env: NodeJS.ProcessEnv): Promise<number>;
}

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}

/** The command cannot do its work (say, the database is unreachable): printed alone, exit code 1. */
export class CommandError extends Error {
  readonly code = 'ERR_COMMAND';
}
