/**
 * Room names a stock y-websocket client can be given as they are, with the readable name of
 * the document each reaches. Rooms with the same name share a document (the URL parser makes
 * one path of them); every other pair has different request paths and never shares one.
 */
export interface AwkwardRoom {
  room: string;
  name: string;
}

export const AWKWARD_ROOMS: readonly AwkwardRoom[] = [
  { room: 'café', name: 'café' },
  { room: 'caf%C3%A9', name: 'café' },
  { room: 'caf%c3%a9', name: 'caf%c3%a9' },
  { room: '日本語', name: '日本語' },
  { room: '🙂 emoji', name: '🙂 emoji' },
  { room: 'a b', name: 'a b' },
  { room: 'a%20b', name: 'a b' },
  { room: 'a/b', name: 'a/b' },
  { room: 'a%2Fb', name: 'a%2Fb' },
  { room: '%', name: '%' },
  { room: '%zz', name: '%zz' },
  { room: '100%', name: '100%' },
  { room: '100%25', name: '100%25' },
  { room: '%41', name: '%41' },
  { room: 'A', name: 'A' },
  { room: `quotes '"`, name: `quotes '"` },
  { room: '+&=;,:@', name: '+&=;,:@' },
  { room: '.hidden', name: '.hidden' },
  { room: 'trailing/', name: 'trailing/' },
  { room: 'trailing', name: 'trailing' },
  { room: 'Doc', name: 'Doc' },
  { room: 'doc', name: 'doc' },
  { room: 'x^y|z', name: 'x^y|z' },
  { room: 'x%5Ey%7Cz', name: 'x^y|z' },
  { room: 'a%3Fb', name: 'a?b' },
  { room: '<{`}>', name: '<{`}>' },
];

/** The distinct documents of the table, in order of first appearance. */
export const AWKWARD_NAMES: readonly string[] = [...new Set(AWKWARD_ROOMS.map((r) => r.name))];
