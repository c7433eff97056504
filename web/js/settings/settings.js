// The settings area, at #/settings/<section>: admins manage channels, agents, teams, saved
// replies, labels, custom fields and bot flows; everyone has their profile. Each section renders itself into the content pane and
// reads what it shows from the API again, so two admins' pages meet at the server.

import { h, mount, $, toast } from '../dom.js';
import { state as S } from '../store.js';
import { loadReference } from '../reference.js';
import { EVENT } from '../events.js';
import { renderChannels } from './channels.js';
import { renderAgents, renderTeams } from './people.js';
import { renderSavedReplies } from './replies.js';
import { renderProfile } from './profile.js';
import { renderLabels, renderFields } from './names.js';
import { renderFlows } from './flows.js';
import { renderIntegrations } from './integrations.js';

/** [key, name shown, admins only, render(into)] in the order of the menu. */
const SECTIONS = [
  ['channels', 'Channels', true, renderChannels],
  ['agents', 'Agents', true, renderAgents],
  ['teams', 'Teams', true, renderTeams],
  ['saved-replies', 'Saved replies', true, renderSavedReplies],
  ['labels', 'Labels', true, renderLabels],
  ['fields', 'Custom fields', true, renderFields],
  ['flows', 'Bot flows', true, renderFlows],
  ['integrations', 'Integrations', true, renderIntegrations],
  ['profile', 'Profile', false, renderProfile],
];

export const isAdmin = () => !!(S.user && S.user.role === 'admin');

/** The section a key names for this user: an agent asking for an admin's section gets their profile. */
export function sectionFor(key) {
  const allowed = SECTIONS.filter((s) => !s[2] || isAdmin());
  return allowed.find((s) => s[0] === key) || allowed[0];
}

/** Where the top bar's Settings (admins) or Profile (agents) link goes. */
export const settingsHome = () => (isAdmin() ? '#/settings/channels' : '#/settings/profile');

/** Draws the settings area for a section key; the caller has hidden the inbox. */
export function renderSettings(key) {
  const root = $('#settings');
  const [current, title, , render] = sectionFor(key);
  const nav = h('nav', { class: 'set-nav', 'aria-label': 'Settings sections' },
    h('a', { class: 'set-back', href: S.inboxHash || '#/open', testid: 'settings-back' }, '← Inbox'),
    SECTIONS.filter((s) => !s[2] || isAdmin()).map(([k, name]) => h('a', {
      href: `#/settings/${k}`, class: `set-link${k === current ? ' active' : ''}`, testid: `settings-nav-${k}`,
      'aria-current': k === current ? 'page' : null,
      // the section already shown is read again from the server (another admin may have changed it)
      onclick: (e) => { if (location.hash === `#/settings/${k}`) { e.preventDefault(); renderSettings(k); } },
    }, name)));
  const body = h('div', { class: 'set-body', testid: `settings-${current}` });
  mount(root, nav, h('section', { class: 'set-main', 'aria-labelledby': 'settings-title' },
    h('h1', { id: 'settings-title', class: 'set-title' }, title), body));
  document.title = `${title} · Settings · Switchboard`;
  render(body);
}

/**
 * Events that change what a settings section shows: that section, when open, is read again, so two
 * admins' pages agree without a reload.
 */
export function onSettingsEvent(ev) {
  const data = ev.data || {};
  if (ev.type === EVENT.CHANNEL_UPDATED) {
    loadReference();
    if (S.settings === 'channels') renderSettings('channels');
  } else if (ev.type === EVENT.SETTINGS_CHANGED) {
    // an admin changed an agent, a team, a saved reply, a flow, an API key or a webhook endpoint: menus and that open page follow
    loadReference();
    // editors open in dialogs outside the page, so redrawing it loses nothing; but not while the
    // admin works in the page itself (focus in a search box, the flow test panel, a row's buttons):
    // nothing moves from under their focus, and the section shows the change when read again
    // a section drawing itself again after its own change says so with aria-busy: its event waits for it
    const working = (document.activeElement && document.activeElement.closest('#settings .set-body'))
      || document.querySelector('#settings [aria-busy=true]');
    if (S.settings && S.settings === data.section && !working) renderSettings(S.settings);
  } else if (ev.type === EVENT.WEBHOOK_ENDPOINT_DISABLED) {
    if (isAdmin()) toast(`Webhook endpoint ${data.url || ''} was disabled: ${data.reason || 'its deliveries kept failing'}. See Settings → Integrations.`);
    if (S.settings === 'integrations') renderSettings('integrations');
  }
}
