// Unsent drafts, kept in this tab's sessionStorage across switches and reloads. A draft belongs
// to the agent who typed it: its key names the agent (switchboard.draft.<agent>.<conversation>),
// every draft goes when the session ends, however it ends (signed out, revoked, expired, signed
// out by an admin: each passes through 'session/end'), and signing in removes every draft that is
// not the new agent's, so one left behind (a tab closed while signed in, then duplicated) is
// neither shown to nor sendable by the next agent. With each text the draft keeps its base, the
// newest message shown when the agent started it, so the collision check survives a reload.

import { state as S, subscribe } from './store.js';

const PREFIX = 'switchboard.draft.';

const mine = () => (S.user ? `${PREFIX}${S.user.id}.` : null);

/** {text, base} of a conversation's draft of the signed-in agent, or null. */
function read(conv) {
  const prefix = mine();
  if (!prefix) return null;
  try {
    const raw = sessionStorage.getItem(prefix + conv);
    const d = raw ? JSON.parse(raw) : null;
    return d && typeof d === 'object' ? { text: String(d.text || ''), base: d.base ? String(d.base) : null } : null;
  } catch (e) { return null; }
}

function write(conv, d) {
  const prefix = mine();
  if (!prefix) return;
  try {
    if (d.text.trim() || d.base) sessionStorage.setItem(prefix + conv, JSON.stringify(d)); else sessionStorage.removeItem(prefix + conv);
  } catch (e) { /* storage full or disabled: the draft lives only in the textarea */ }
}

/** The conversation's unsent text, or ''. */
export function readDraft(conv) {
  const d = read(conv);
  return d ? d.text : '';
}

/** Keeps the text (and the draft's base); an empty text ends the draft, base and all. */
export function writeDraft(conv, text) {
  const d = read(conv);
  if (!text || !text.trim()) write(conv, { text: '', base: null });
  else write(conv, { text, base: d ? d.base : null });
}

/** The newest message shown when the draft began, or null. */
export function draftBase(conv) {
  const d = read(conv);
  return d ? d.base : null;
}

/** Sets the draft's base unless it has one; called as typing begins, before the text is kept. */
export function startDraft(conv, base) {
  const d = read(conv) || { text: '', base: null };
  if (!d.base && base) write(conv, { text: d.text, base });
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
