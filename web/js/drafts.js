// Unsent drafts, kept in this tab's sessionStorage across switches and reloads. A draft belongs
// to the agent who typed it: its key names the agent (switchboard.draft.<agent>.<conversation>),
// every draft goes when the session ends, however it ends (signed out, revoked, expired, signed
// out by an admin: each passes through 'session/end'), and signing in removes every draft that is
// not the new agent's, so one left behind (a tab closed while signed in, then duplicated) is
// neither shown to nor sendable by the next agent.

import { state as S, subscribe } from './store.js';

const PREFIX = 'switchboard.draft.';

const mine = () => (S.user ? `${PREFIX}${S.user.id}.` : null);

/** {text} of a conversation's draft of the signed-in agent, or null. */
function read(conv) {
  const prefix = mine();
  if (!prefix) return null;
  try {
    const raw = sessionStorage.getItem(prefix + conv);
    const d = raw ? JSON.parse(raw) : null;
    return d && typeof d === 'object' ? { text: String(d.text || '') } : null;
  } catch (e) { return null; }
}

function write(conv, d) {
  const prefix = mine();
  if (!prefix) return;
  try {
    if (d.text.trim()) sessionStorage.setItem(prefix + conv, JSON.stringify(d)); else sessionStorage.removeItem(prefix + conv);
  } catch (e) { /* storage full or disabled: the draft lives only in the textarea */ }
}

/** The conversation's unsent text, or ''. */
export function readDraft(conv) {
  const d = read(conv);
  return d ? d.text : '';
}

/** Keeps the text; an empty text ends the draft. */
export function writeDraft(conv, text) {
  write(conv, { text: text || '' });
}

/** Removes the drafts of every agent but `keep` (an agent id), or all of them. */
function removeDrafts(keep) {
  try {
    const own = keep === undefined ? null : `${PREFIX}${keep}.`;
    const keys = [];
    for (let i = 0; i < sessionStorage.length; i++) {
      const k = sessionStorage.key(i);
      if (k && k.startsWith(PREFIX) && !(own && k.startsWith(own))) keys.push(k);
    }
    keys.forEach((k) => sessionStorage.removeItem(k));
  } catch (e) { /* storage disabled: there is nothing in it */ }
}

subscribe(['session'], () => {
  if (S.user) removeDrafts(S.user.id); else removeDrafts();
});
