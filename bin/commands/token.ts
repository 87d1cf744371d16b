import { parseArgs } from 'node:util';
import { MAX_TTL_SECONDS, ROLES, parseTtl, patternProblem, signAccessToken, type Role } from '../../sync-server/access/access-token.js';
import { loadSigningKey } from '../../sync-server/access/token-key.js';
import { UsageError, type Command } from '../command.js';

function help(): string {
  return [
    'Usage: tandem token --doc <name-or-pattern> --user <id> [--role read|comment|write] [--name <display name>] [--ttl 1h]',
    '',
    'Prints an access token (a signed JWT) for the key the server is configured with.',
    'Pass it as ?token=<token> in the WebSocket or page URL, or as "Authorization: Bearer <token>".',
    '',
    'Options:',
    '  --doc <name-or-pattern>     Document the token grants; "team/*" grants every name starting with',
    '                              "team/", "*" grants all. Repeat for several.',
    '  --user <id>                 User id: recorded as the author of this user\'s changes',
    '  --name <display name>       Shown in logs (default: the user id)',
    '  --role read|comment|write   read: view and show presence only; comment: and add, answer and',
    '                              resolve comments, never the text; write: edit (default: read)',
    `  --ttl <duration>            Lifetime: 90s, 15m, 1h, 7d (default 1h, at most ${MAX_TTL_SECONDS / 86_400}d)`,
    '',
    'Key (one of; the same one given to tandem serve):',
    '  --auth-secret <secret>      HS256 secret              env TANDEM_AUTH_SECRET',
    '  --auth-secret-file <path>   File holding the secret   env TANDEM_AUTH_SECRET_FILE',
    '  --private-key-file <path>   Ed25519 private key (PEM) env TANDEM_AUTH_PRIVATE_KEY_FILE',
    '                              (serve then takes the public key: --auth-public-key-file)',
  ].join('\n');
}

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** A flag if given, else the environment variable, else null. */
function fromFlagOrEnv(flag: string | undefined, env: string | undefined): string | null {
  if (flag !== undefined) return flag;
  return env !== undefined && env !== '' ? env : null;
}

export const tokenCommand: Command = {
  name: 'token',
  summary: 'Mint an access token for a user and documents',
  help,
  async run(argv, env) {
    const { values } = parseArgs({
      args: argv,
      options: {
        doc: { type: 'string', multiple: true },
        user: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string', default: 'read' },
        ttl: { type: 'string', default: '1h' },
        'auth-secret': { type: 'string' },
        'auth-secret-file': { type: 'string' },
        'private-key-file': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const docs = values.doc ?? [];
    if (docs.length === 0) throw new UsageError('--doc is required');
    for (const doc of docs) {
      const problem = patternProblem(doc);
      if (problem) throw new UsageError(`--doc "${doc}": ${problem}`);
    }
    if (!values.user) throw new UsageError('--user is required');
    if (!isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${values.role}"`);
    const ttlSeconds = parseTtl(values.ttl);
    if (ttlSeconds === null) throw new UsageError(`--ttl must be a duration like 90s, 15m, 1h or 7d (at most ${MAX_TTL_SECONDS / 86_400}d), got "${values.ttl}"`);

    const key = loadSigningKey({
      secret: fromFlagOrEnv(values['auth-secret'], env.TANDEM_AUTH_SECRET),
      secretFile: fromFlagOrEnv(values['auth-secret-file'], env.TANDEM_AUTH_SECRET_FILE),
      keyFile: fromFlagOrEnv(values['private-key-file'], env.TANDEM_AUTH_PRIVATE_KEY_FILE),
    });
    const token = await signAccessToken({ user: values.user, name: values.name ?? values.user, docs, role: values.role, ttlSeconds }, key);
    process.stdout.write(`${token}\n`);
    return 0;
  },
};
