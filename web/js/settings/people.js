// Settings → Agents and Teams: create agents with a first password, rename them or give them a new
// password, change their role, deactivate and reactivate them (the account keeps one active admin); create teams, rename them and set
// their members.

import { h, mount, toast, initials } from '../dom.js';
import { api, enc, ifMatch } from '../api.js';
import { state as S } from '../store.js';
import { loadReference } from '../reference.js';
import { openModal } from '../ui.js';
import { field, errorLine, confirmDelete } from './forms.js';
import { presenceDot, autoAssignFields, accountAutoAssign } from '../collision.js';

/** The server's refusals, said as what to do next. */
function plain(e) {
  if (e.code === 'last_admin') return 'The account needs at least one active admin: make another agent an admin first.';
  if (e.code === 'email_taken') return 'Someone already signs in with this email.';
  if (e.code === 'unknown_team') return 'One of the teams was deleted meanwhile: close this form and open it again.';
  return e.message;
}

// ---------- agents ----------

/** notice: a refusal to show above the list (the list is drawn again so the menus show what is stored). */
export async function renderAgents(into, notice) {
  const list = h('div', { class: 'set-list', testid: 'agent-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const error = errorLine('agent-error');
  mount(into,
    h('p', { class: 'muted' }, 'Agents answer conversations; admins also manage these settings. A role change or a deactivation signs the person out everywhere at once.'),
    h('div', { class: 'set-actions' }, h('button', { class: 'btn btn-primary', testid: 'agent-new', onclick: () => openNewAgent(() => renderAgents(into)) }, 'Add agent')),
    error, list);
  error.show(notice || '');
  let agents;
  try {
    agents = (await api.get('/agents')).items || [];
  } catch (e) {
    error.show(e.message);
    return;
  }
  const change = async (a, patch, done) => {
    try {
      await api.patch(`/agents/${enc(a.id)}`, patch);
      toast(done);
      loadReference();
      renderAgents(into);
    } catch (e) {
      renderAgents(into, plain(e));
    }
  };
  mount(list, agents.map((a) => {
    const role = h('select', { testid: 'agent-role', 'aria-label': `Role of ${a.name}`, disabled: !a.active,
      onchange: (e) => change(a, { role: e.target.value }, `${a.name} is now ${e.target.value === 'admin' ? 'an admin' : 'an agent'}`) },
    h('option', { value: 'agent', selected: a.role === 'agent' }, 'Agent'),
    h('option', { value: 'admin', selected: a.role === 'admin' }, 'Admin'));
    return h('article', { class: `set-card set-row${a.active ? '' : ' inactive'}`, testid: 'agent-row', dataset: { id: a.id, email: a.email } },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(a.name)),
      h('div', { class: 'grow' },
        h('div', { class: 'set-card-title', testid: 'agent-row-name' }, presenceDot(a), a.name, String(a.id) === String(S.user.id) ? ' (you)' : ''),
        h('div', { class: 'muted set-hint' }, a.email, a.active ? '' : ' · deactivated')),
      role,
      h('button', { class: 'btn btn-sm', testid: 'agent-edit', 'aria-label': `Edit ${a.name}`, onclick: () => openEditAgent(a, () => renderAgents(into)) }, 'Edit'),
      a.active
        // asked first, as deleting a team is: the agent loses the inbox at once
        ? h('button', { class: 'btn btn-sm', testid: 'agent-deactivate', onclick: () => openModal(`Deactivate ${a.name}?`,
          h('p', { testid: 'agent-deactivate-consequence' }, `${a.name} is signed out at once, everywhere, and can no longer sign in. `
            + 'Their conversations stay assigned to them, marked “deactivated”, until someone reassigns them. You can reactivate them later.'),
          (close) => { close(); change(a, { active: false }, `${a.name} is deactivated`); }, 'Deactivate', 'agent-deactivate-confirm') }, 'Deactivate')
        : h('button', { class: 'btn btn-sm', testid: 'agent-reactivate', onclick: () => change(a, { active: true }, `${a.name} is active again`) }, 'Reactivate'));
  }));
}

function openNewAgent(done) {
  const name = h('input', { testid: 'na-name', maxlength: 200, autocomplete: 'off' });
  const email = h('input', { testid: 'na-email', type: 'email', maxlength: 254, autocomplete: 'off' });
  const password = h('input', { testid: 'na-password', type: 'password', minlength: 8, maxlength: 1024, autocomplete: 'new-password' });
  const role = h('select', { testid: 'na-role' }, h('option', { value: 'agent' }, 'Agent'), h('option', { value: 'admin' }, 'Admin'));
  const teams = S.teams || [];
  const teamBoxes = teams.map((t) => h('input', { type: 'checkbox', value: t.id, testid: 'na-team', dataset: { name: t.name } }));
  const error = errorLine('na-error');
  openModal('Add agent', h('div', { class: 'set-form' },
    field('Name', name), field('Email (they sign in with it)', email),
    field('First password', password, 'At least 8 characters; give it to them privately. They can change it under Profile.'),
    field('Role', role),
    teams.length ? h('fieldset', { class: 'set-fieldset' }, h('legend', {}, 'Teams'),
      teams.map((t, i) => h('label', { class: 'check' }, teamBoxes[i], ` ${t.name}`))) : null,
    error), async (close) => {
    error.show('');
    if (!name.value.trim() || !email.value.trim()) { error.show('A name and an email are needed.'); return; }
    if (!/^[^@\s]+@[^@\s]+$/.test(email.value.trim())) { error.show('That is not an email address.'); return; }
    if (password.value.length < 8) { error.show('The password needs at least 8 characters.'); return; }
    try {
      await api.post('/agents', { name: name.value.trim(), email: email.value.trim(), password: password.value, role: role.value,
        teamIds: teamBoxes.filter((b) => b.checked).map((b) => b.value) });
      close();
      toast(`${name.value.trim()} can sign in now`);
      loadReference();
      done();
    } catch (e) { error.show(plain(e)); }
  }, 'Add agent', 'na-save');
  name.focus();
}

/**
 * Renames an agent, or gives one who forgot theirs a new password (which signs them out
 * everywhere). One's own password changes under Profile, with the current one.
 */
function openEditAgent(a, done) {
  const self = String(a.id) === String(S.user.id);
  const name = h('input', { testid: 'ea-name', maxlength: 200, autocomplete: 'off', value: a.name });
  const password = h('input', { testid: 'ea-password', type: 'password', minlength: 8, maxlength: 1024, autocomplete: 'new-password' });
  const error = errorLine('ea-error');
  openModal(`Edit ${a.name}`, h('div', { class: 'set-form' },
    field('Name', name),
    self ? h('p', { class: 'muted set-hint' }, 'Change your own password under Profile, with your current one.')
      : field('New password (only to replace a forgotten one)', password,
        'At least 8 characters; give it to them privately. It signs them out everywhere.'),
    h('p', { class: 'muted set-hint' }, `Signs in as ${a.email}; an email cannot be changed.`),
    error), async (close) => {
    error.show('');
    const patch = {};
    if (name.value.trim() !== a.name) patch.name = name.value.trim();
    if (!self && password.value) patch.password = password.value;
    if (patch.name === '') { error.show('A name is needed.'); return; }
    if (patch.password !== undefined && patch.password.length < 8) { error.show('The password needs at least 8 characters.'); return; }
    if (!Object.keys(patch).length) { close(); return; }
    try {
      await api.patch(`/agents/${enc(a.id)}`, patch);
      close();
      toast(patch.password ? `${patch.name || a.name} has a new password and is signed out everywhere` : `Renamed to ${patch.name}`);
      loadReference();
      done();
    } catch (e) { error.show(plain(e)); }
  }, 'Save', 'ea-save');
  name.focus();
}

// ---------- teams ----------

export async function renderTeams(into) {
  const list = h('div', { class: 'set-list', testid: 'team-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const account = h('div', { class: 'set-list', testid: 'aa-account-card' });
  mount(into,
    h('p', { class: 'muted' }, 'A team is a group conversations can be assigned to.'),
    account,
    h('div', { class: 'set-actions' }, h('button', { class: 'btn btn-primary', testid: 'team-new', onclick: () => openTeam(null, () => renderTeams(into)) }, 'Create team')),
    list);
  accountAutoAssign(account);
  let teams; let agents;
  try {
    [teams, agents] = await Promise.all([api.get('/teams'), api.get('/agents')]).then((rs) => rs.map((r) => r.items || []));
  } catch (e) {
    mount(list, h('p', { class: 'error' }, e.message));
    return;
  }
  const nameOf = (id) => (agents.find((a) => String(a.id) === String(id)) || { name: `agent ${id}` }).name;
  mount(list, teams.length ? teams.map((t) => h('article', { class: 'set-card set-row', testid: 'team-row', dataset: { id: t.id, name: t.name } },
    h('div', { class: 'grow' },
      h('div', { class: 'set-card-title', testid: 'team-name' }, t.name),
      h('div', { class: 'muted set-hint', testid: 'team-members' },
        t.memberIds.length ? t.memberIds.map(nameOf).join(', ') : 'No members'),
      h('div', { class: 'muted set-hint', testid: 'team-auto-assign' }, t.autoAssign
        ? `Auto-assigned ${t.autoAssign.mode === 'least_busy' ? 'least busy first' : 'in turn'}, at most ${t.autoAssign.capacity} each`
        : 'Not auto-assigned')),
    h('button', { class: 'btn btn-sm', testid: 'team-edit', 'aria-label': `Edit ${t.name}`, onclick: () => openTeam(t, () => renderTeams(into)) }, 'Edit'),
    h('button', { class: 'btn btn-sm', testid: 'team-delete', 'aria-label': `Delete ${t.name}`, onclick: () => confirmDelete(`Delete team “${t.name}”?`,
      'Its conversations stay, unassigned: those assigned to it go back to Open, and their history says who did it. Bot flows that hand off to it hand off to Open instead.',
      `/teams/${enc(t.id)}`, () => { loadReference(); renderTeams(into); }, 'team-delete-confirm') }, 'Delete')))
    : h('p', { class: 'muted' }, 'No team yet.'));
}

/** Creates a team (team null) or renames it and sets its members. */
async function openTeam(team, done) {
  const agents = ((await api.get('/agents')).items || []).filter((a) => a.active || (team && team.memberIds.includes(String(a.id))));
  const name = h('input', { testid: 'nt-name', maxlength: 200, autocomplete: 'off', value: team ? team.name : '' });
  const boxes = agents.map((a) => h('input', { type: 'checkbox', value: a.id, testid: 'nt-member', dataset: { email: a.email },
    checked: !!team && team.memberIds.includes(String(a.id)) }));
  const error = errorLine('nt-error');
  // a new team gets its auto-assignment once it exists (Edit)
  const auto = team ? autoAssignFields(team.autoAssign, 'nt-aa') : null;
  openModal(team ? `Edit team “${team.name}”` : 'Create team', h('div', { class: 'set-form' },
    field('Name', name),
    h('fieldset', { class: 'set-fieldset' }, h('legend', {}, 'Members'),
      agents.map((a, i) => h('label', { class: 'check' }, boxes[i], ` ${a.name}`))),
    auto ? auto.el : null,
    error), async (close) => {
    if (!name.value.trim()) { error.show('A name is needed.'); return; }
    const body = { name: name.value.trim(), memberIds: boxes.filter((b) => b.checked).map((b) => b.value) };
    if (auto) body.autoAssign = auto.value();
    try {
      if (team) await api.patch(`/teams/${enc(team.id)}`, body, ifMatch(team)); else await api.post('/teams', body);
      close(); toast(team ? 'Team saved' : 'Team created'); loadReference(); done();
    } catch (e) {
      error.show(e.code === 'edited_meanwhile'
        ? 'Another admin changed this team since you opened it. Close this form and open it again to see their change.' : e.message);
    }
  }, team ? 'Save' : 'Create', 'nt-save');
  name.focus();
}
