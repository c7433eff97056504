// The live event contract, in one place: which events the bridge and GET /events deliver, and
// what each carries. Stored events are {id, type, accountId, conversationId, data}; ephemeral ones
// (presence, viewing, typing) have no id, are never stored and never replayed. Every module that
// reads an event reads it through here, so a change of shape is made once.

/** Stored event types (the account's log). Types not listed are conversation views, read as such. */
export const EVENT = Object.freeze({
  MESSAGE_CREATED: 'message.created',
  MESSAGE_UPDATED: 'message.updated',
  CONVERSATION_CREATED: 'conversation.created',
  CONVERSATION_UPDATED: 'conversation.updated',
  WINDOW_CHANGED: 'conversation.window_changed',
  WINDOW_EXPIRING: 'conversation.window_expiring',
  CONVERSATION_READ: 'conversation.read',
  CONVERSATION_MERGED: 'conversation.merged',
  CONTACT_UPDATED: 'contact.updated',
  NAMES_CHANGED: 'names.changed',
  CHANNEL_UPDATED: 'channel.updated',
  WEBHOOK_ENDPOINT_DISABLED: 'webhook_endpoint.disabled',
  SETTINGS_CHANGED: 'settings.changed',
});

/** Ephemeral bridge events: {type, agent: {id, name, presence, availability}, conversationId, viewing, mode}. */
export const EPHEMERAL = Object.freeze({
  PRESENCE: 'agent.presence',
  VIEWING: 'conversation.viewing',
  TYPING: 'conversation.typing',
});

const isObject = (o) => o && typeof o === 'object';
/** A conversation view: {id, status, contact, assignee, window, unreadCount, readBy, …}. */
const isConversation = (o) => !!(isObject(o) && o.id && o.status && o.contact);
/** A message view: {id, conversationId, direction, type, status, updatedAt, …}. */
const isMessage = (o) => !!(isObject(o) && o.id && o.direction);
/** A contact view: {id, platformUserId, displayName, platformName, fields, labels, …}. */
const isContact = (o) => !!(isObject(o) && o.id && o.platformUserId !== undefined && o.fields);

/** Some events wrap their view ({conversation: …}), older ones are the view itself. */
const wrapped = (data, key, is) => (is(data[key]) ? data[key] : is(data) ? data : null);

/**
 * One event as the inbox reads it: {type, conversationId (string or null), conversation,
 * message, contact, into (merged into), agentId (who read), section (settings), data}.
 */
export function readEvent(ev) {
  const data = (ev && ev.data) || {};
  return {
    type: ev.type,
    conversationId: ev.conversationId ? String(ev.conversationId) : null,
    conversation: ev.type === EVENT.WINDOW_EXPIRING ? (isConversation(data) ? data : null) : wrapped(data, 'conversation', isConversation),
    message: wrapped(data, 'message', isMessage),
    contact: wrapped(data, 'contact', isContact),
    into: data.into ? String(data.into) : null,
    agentId: data.agentId !== undefined && data.agentId !== null ? String(data.agentId) : null,
    section: data.section || null,
    data,
  };
}

/** Server order of a thread's messages: by creation time, then id (a negative number: a comes first). */
export function compareMessages(a, b) {
  return (Date.parse(a.createdAt) - Date.parse(b.createdAt)) || (Number(a.id) - Number(b.id));
}

/** A message's delivery status never steps back: pending < sent < delivered < read < failed. */
const STATUS_RANK = Object.freeze({ pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 });

/** Whether `incoming` is an older state of the message than `known` (then it is ignored). */
export function isOlderMessage(incoming, known) {
  const a = Date.parse(incoming.updatedAt || ''), b = Date.parse(known.updatedAt || '');
  if (!Number.isNaN(a) && !Number.isNaN(b) && a !== b) return a < b;
  return (STATUS_RANK[incoming.status] ?? -1) < (STATUS_RANK[known.status] ?? -1);
}
