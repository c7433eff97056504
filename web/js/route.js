// The address bar: "#/open/123?platform=whatsapp" keeps the tab, the open conversation and the
// filters; "#/settings/<section>" shows the settings area instead of the inbox.

import { state, dispatch } from './store.js';

// "Mine" is every conversation assigned to the agent; "Unassigned" is the Open tab (a conversation
// is Assigned exactly when it has an assignee), one click away under its everyday name
const TAB_KEYS = ['open', 'assigned', 'closed', 'all', 'mine', 'expiring', 'snoozed'];

/** Which pane a narrow screen shows ('list', 'thread', 'contact'); wide screens show all three. */
export function setView(v) {
  dispatch({ type: 'view/set', view: v });
}

/** The address of the inbox as it is now. */
export function urlFor() {
  const p = new URLSearchParams();
  if (state.platform) p.set('platform', state.platform);
  if (state.channelId) p.set('channelId', state.channelId);
  if (state.assignee) p.set('assignee', state.assignee);
  if (state.label) p.set('label', state.label);
  if (state.search) p.set('q', state.search);
  const q = p.toString();
  return `#/${state.tab}${state.selectedId ? `/${state.selectedId}` : ''}${q ? `?${q}` : ''}`;
}

let applying = false;
/** Runs fn while the page follows the address (Back, Forward): nothing it does writes the address. */
export function followingUrl(fn) {
  applying = true;
  try { fn(); } finally { applying = false; }
}

/** Records the page's state in the address bar: a new history entry, or (replace) the current one. */
export function writeUrl(replace) {
  if (applying || !state.user || state.settings) return;
  const url = urlFor();
  if (location.hash === url) return;
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
}

/** The inbox's address read back: {tab, id, platform, channelId, assignee, label, search}, or null. */
export function readUrl() {
  const m = /^#\/([a-z]+)(?:\/(\d{1,19}))?(?:\?(.*))?$/.exec(location.hash || '');
  if (!m) return null;
  const p = new URLSearchParams(m[3] || '');
  return {
    tab: TAB_KEYS.includes(m[1]) ? m[1] : 'open', id: m[2] || null, platform: p.get('platform') || '',
    channelId: p.get('channelId') || '', assignee: p.get('assignee') || '', label: (p.get('label') || '').slice(0, 64), search: p.get('q') || '',
  };
}

/** "#/settings/agents" → "agents"; "#/settings" → ""; anything else → null. */
export function settingsKey() {
  const m = /^#\/settings(?:\/([a-z-]{1,40}))?\/?$/.exec(location.hash || '');
  return m ? (m[1] || '') : null;
}
