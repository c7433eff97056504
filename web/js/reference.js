// The account's names the menus offer: channels, agents (with their presence), teams, custom
// field and label names, saved replies, API key names. Read from the API into the store.

import { api } from './api.js';
import { state, dispatch } from './store.js';

const grab = (p, fallback) => api.get(p).then((r) => (r && r.items) || []).catch(() => fallback);

/** Channels, agents, teams, field and label names, saved replies: the menus' contents. */
export async function loadReference() {
  // API keys by name: messages an integration sent show "API: <name>"
  const [channels, agents, teams, fields, labels, savedReplies, apiKeys] = await Promise.all([
    grab('/channels', []), grab('/agents', []), grab('/teams', []), grab('/fields', []), grab('/labels', []), grab('/saved-replies', []), grab('/api-keys/names', [])]);
  dispatch({ type: 'reference/loaded', channels, agents, teams, fields, labels, savedReplies, apiKeys });
}

/** Field and label names again (a contact or an admin changed them). */
export async function refreshNames() {
  const [fields, labels] = await Promise.all([grab('/fields', null), grab('/labels', null)]);
  dispatch({ type: 'names/loaded', fields, labels });
}

/** Reads the agents again (their presence is not replayed after a reconnect). */
export async function reloadAgents() {
  try {
    const r = await api.get('/agents');
    if (r && r.items) dispatch({ type: 'agents/loaded', agents: r.items });
  } catch (e) { /* the next connect tries again */ }
}

// a key made after the page loaded: its names are read once more (at most once a minute)
let keyNamesAsked = false;
/** Reads the API key names again, for a message sent by a key this page does not know yet. */
export function learnKeyNames() {
  if (keyNamesAsked) return;
  keyNamesAsked = true;
  api.get('/api-keys/names').then((r) => dispatch({ type: 'apiKeys/loaded', items: r.items || [], keepScroll: true })).catch(() => {})
    .finally(() => setTimeout(() => { keyNamesAsked = false; }, 60000));
}

export const agentById = (id) => state.agents.find((a) => String(a.id) === String(id));

/** An agent's name, marked when deactivated (their conversations stay theirs until reassigned). */
export function agentLabel(a) {
  return a.active === false ? `${a.name} (deactivated)` : a.name;
}

/** Who a conversation is assigned to, as the menus name them: a deactivated agent says so. */
export function assigneeLabel(assignee) {
  const agent = assignee.type === 'agent' ? agentById(assignee.id) : null;
  return agent ? agentLabel(agent) : assignee.name || assignee.id;
}

/** Agents who can take conversations: the menus offer no deactivated one. */
export function activeAgents() {
  return state.agents.filter((a) => a.active !== false);
}
