// Seeing colleagues: presence beside agents' names, who else is viewing or typing in the open
// conversation, and the "someone already replied" dialog. Viewing and typing are ephemeral bridge
// events (never stored, not replayed): a mark that is not refreshed fades on its own.

import { h, mount, $ } from './dom.js';
import { api, enc } from './api.js';
import { state as S, dispatch, subscribe } from './store.js';
import { openModal } from './ui.js';
import { EPHEMERAL } from './events.js';
import { draftBase, startDraft } from './drafts.js';

const VIEWING_EVERY_MS = 5000;   // while a conversation is open and the tab visible
const VIEWING_FADES_MS = 12000;  // a viewer not heard from for this long is gone
const TYPING_FADES_MS = 4000;
const TYPING_EVERY_MS = 2000;    // the server's throttle too

// conversation id → agent id → { name, viewingUntil, typingUntil, mode }
const peers = new Map();
let viewing = null;
let viewingTimer = null;
let lastTyping = 0;

/** A dot and a word for an agent's presence: online (available), away, or offline. */
export function presenceDot(a) {
  const state = !a || a.presence !== 'online' ? 'offline' : a.availability === 'away' ? 'away' : 'online';
  return h('span', { class: `presence-dot presence-${state}`, testid: 'presence-dot', dataset: { state }, title: state },
    h('span', { class: 'sr-only' }, ` (${state})`));
}

/** Bridge events without an id: presence, viewing, typing. */
export function onEphemeral(ev) {
  switch (ev.type) {
    case EPHEMERAL.PRESENCE:
      dispatch({ type: 'agent/presence', agent: ev.agent });
      break;
    case EPHEMERAL.VIEWING:
    case EPHEMERAL.TYPING: {
      const agent = ev.agent || {};
      if (!S.user || String(agent.id) === String(S.user.id)) return;
      const conv = String(ev.conversationId);
      if (!peers.has(conv)) peers.set(conv, new Map());
      const m = peers.get(conv);
      const p = m.get(String(agent.id)) || { name: agent.name };
      if (ev.type === EPHEMERAL.TYPING) {
        p.typingUntil = Date.now() + TYPING_FADES_MS;
        p.mode = ev.mode;
        p.viewingUntil = Math.max(p.viewingUntil || 0, Date.now() + VIEWING_FADES_MS);
      } else if (ev.viewing) {
        p.viewingUntil = Date.now() + VIEWING_FADES_MS;
      } else {
        p.viewingUntil = 0; p.typingUntil = 0;
      }
      m.set(String(agent.id), p);
      renderPeers();
      break;
    }
    default:
  }
}

/** The line under the thread's head: "Ana is viewing · Bo is typing a note…". */
export function renderPeers() {
  const el = $('#peers');
  if (!el) return;
  const now = Date.now();
  const m = peers.get(String(S.selectedId)) || new Map();
  const parts = [];
  for (const p of m.values()) {
    if (p.typingUntil > now) parts.push(h('span', { testid: 'peer-typing' }, `${p.name} is typing ${p.mode === 'note' ? 'a note' : 'a reply'}…`));
    else if (p.viewingUntil > now) parts.push(h('span', { testid: 'peer-viewing' }, `${p.name} is viewing`));
  }
  el.hidden = parts.length === 0;
  mount(el, parts.flatMap((p, i) => (i ? [' · ', p] : [p])));
}

setInterval(() => renderPeers(), 1000);

function signal(conv, body) {
  return api.post(`/conversations/${enc(conv)}/activity`, body).catch(() => {});
}

/** The open conversation changed (or closed): tell the others, and keep telling them while it stays open. */
export function viewingChanged(conv) {
  const next = conv ? String(conv) : null;
  if (next === viewing) return;
  if (viewing) signal(viewing, { kind: 'left' });
  viewing = next;
  clearInterval(viewingTimer);
  viewingTimer = null;
  if (!next) return;
  const tell = () => { if (document.visibilityState === 'visible' && viewing === next) signal(next, { kind: 'viewing' }); };
  tell();
  viewingTimer = setInterval(tell, VIEWING_EVERY_MS);
  renderPeers();
}

/** A key in the composer: at most one typing signal per throttle window. */
export function typed(conv, mode) {
  const now = Date.now();
  if (now - lastTyping < TYPING_EVERY_MS) return;
  lastTyping = now;
  signal(conv, { kind: 'typing', mode: mode === 'note' ? 'note' : 'reply' });
}

/**
 * The draft's base, the newest message shown when typing starts in an empty composer: kept with
 * the draft (drafts.js), so a draft restored after a reload is still checked against the replies
 * that came after it began, and gone with the draft when it is sent or emptied.
 */
export function draftStarted(conv) {
  startDraft(conv, newestShown());
}

export function basedOn(conv) {
  return draftBase(conv) || newestShown();
}

function newestShown() {
  let best = null;
  for (const m of S.messages || []) {
    if (m && m.id && (best === null || BigInt(m.id) > BigInt(best))) best = String(m.id);
  }
  return best;
}

/** 409 newer_reply: shows the reply that came first; "Send anyway" sends with force. */
export function newerReplyDialog(reply, sendAnyway) {
  const who = reply.senderType === 'bot' ? 'The bot'
    : (S.agents.find((a) => String(a.id) === String(reply.senderId)) || { name: 'Another agent' }).name;
  openModal('Someone already replied', h('div', { testid: 'newer-reply' },
    h('p', {}, `${who} replied to the customer after you started this draft:`),
    h('blockquote', { class: 'newer-reply-text', testid: 'newer-reply-text' }, reply.text || '(an attachment)'),
    h('p', { class: 'muted' }, 'Your draft is kept. Send it anyway, or cancel and edit it.')),
  (close) => { close(); sendAnyway(); }, 'Send anyway', 'send-anyway');
}

// ---------- the agent's own availability (top bar) ----------

/** The agent's own Available / Away switch in the top bar (Profile has one too, for phones). */
function renderPresenceControl() {
  const el = $('#presence-control');
  if (!el || !S.user) return;
  mount(el, availabilitySelect('availability'));
}

subscribe(['agents', 'session'], () => renderPresenceControl());

/** A select that sets the agent's availability (PUT /me/presence). */
export function availabilitySelect(testid) {
  const me = S.agents.find((a) => String(a.id) === String(S.user.id));
  const availability = (me && me.availability) || S.user.availability || 'available';
  const select = h('select', { testid, 'aria-label': 'Your availability',
    onchange: async (e) => {
      try {
        const view = await api.put('/me/presence', { availability: e.target.value });
        dispatch({ type: 'user/availability', view });
      } catch (err) { e.target.value = availability; }
    } },
  h('option', { value: 'available', selected: availability === 'available' }, 'Available'),
  h('option', { value: 'away', selected: availability === 'away' }, 'Away'));
  return select;
}

// ---------- auto-assignment settings ----------

/** Controls for {mode, capacity, onlyAvailable} or off; value() is what PATCH takes. */
export function autoAssignFields(current, prefix) {
  const on = h('input', { type: 'checkbox', testid: `${prefix}-on`, checked: !!current });
  const mode = h('select', { testid: `${prefix}-mode`, 'aria-label': 'How conversations are shared' },
    h('option', { value: 'round_robin', selected: !current || current.mode === 'round_robin' }, 'Round robin (in turn)'),
    h('option', { value: 'least_busy', selected: !!current && current.mode === 'least_busy' }, 'Least busy first'));
  const capacity = h('input', { type: 'number', min: 1, max: 1000, step: 1, testid: `${prefix}-capacity`,
    'aria-label': 'Conversations per agent at most', value: current ? current.capacity : 5 });
  const only = h('input', { type: 'checkbox', testid: `${prefix}-only-available`, checked: !current || current.onlyAvailable !== false });
  const el = h('fieldset', { class: 'set-fieldset', testid: `${prefix}-fields` }, h('legend', {}, 'Auto-assignment'),
    h('label', { class: 'check' }, on, ' Assign new Open conversations automatically'),
    h('label', {}, 'How', mode),
    h('label', {}, 'Conversations per agent at most (1–1000)', capacity),
    h('label', { class: 'check' }, only, ' Only to agents who are online'));
  return {
    el,
    value: () => (on.checked ? { mode: mode.value, capacity: Number(capacity.value), onlyAvailable: only.checked } : null),
  };
}

/** The account-wide auto-assignment card (admins, Teams section). */
export async function accountAutoAssign(into) {
  let account;
  try { account = await api.get('/account'); } catch (e) { mount(into, h('p', { class: 'error' }, e.message)); return; }
  const fields = autoAssignFields(account.autoAssign, 'aa-account');
  const msg = h('p', { class: 'muted', testid: 'aa-account-result', role: 'status' });
  mount(into, h('article', { class: 'set-card', testid: 'aa-account' },
    h('div', { class: 'set-card-title' }, 'Whole account'),
    h('p', { class: 'muted set-hint' }, 'Used for Open conversations; a team with its own setting uses that for its hand-offs.'),
    fields.el,
    h('button', { class: 'btn btn-sm', testid: 'aa-account-save', onclick: async () => {
      try {
        const saved = await api.patch('/account', { autoAssign: fields.value() });
        msg.textContent = saved.autoAssign ? 'Auto-assignment is on' : 'Auto-assignment is off';
      } catch (e) { msg.textContent = e.message; }
    } }, 'Save'), msg));
}
