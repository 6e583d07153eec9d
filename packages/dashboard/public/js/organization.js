// /settings/organization: create an org, answer an invitation (?invite=…), members and
// their roles, invitations, the audit log; the org is the one the top-bar switcher selects.
import { api } from './api.js';
import { showSso } from './org-sso.js';
import {
  busy,
  byId,
  dateTime,
  fillOrgSwitcher,
  fillTable,
  h,
  pageError,
  rememberOrg,
  selectedOrg,
  showMessage,
  startPage,
} from './ui.js';

const roleLabels = {
  owner: 'Owner',
  admin: 'Admin',
  developer: 'Developer',
  billing: 'Billing',
  viewer: 'Viewer',
};
const assignable = ['admin', 'developer', 'billing', 'viewer'];
let org = null;
let session = null;
let auditBefore = null;

function change(entry) {
  const show = (value) => (value === null || value === undefined ? '' : JSON.stringify(value));
  const before = show(entry.before);
  const after = show(entry.after);
  if (before && after) return `${before} → ${after}`;
  return before || after;
}

function auditRow(entry) {
  return h(
    'tr',
    { dataset: { seq: entry.seq } },
    h('td', { dataset: { label: 'Time' } }, dateTime(entry.createdAt)),
    h('td', { dataset: { label: 'Who' } }, entry.actorEmail ?? entry.actorId ?? 'operator'),
    h('td', { dataset: { label: 'Action' } }, entry.action),
    h('td', { dataset: { label: 'Change' }, class: 'audit-change' }, change(entry)),
    h('td', { dataset: { label: 'From' } }, entry.ip ?? ''),
  );
}

async function loadAudit(more = false) {
  if (!more) auditBefore = null;
  const query = new URLSearchParams({ limit: '50' });
  if (auditBefore) query.set('before', String(auditBefore));
  const page = await api(`/api/orgs/${encodeURIComponent(org.id)}/audit?${query}`);
  const body = byId('audit-body');
  const rows = page.data.map(auditRow);
  if (more) body.append(...rows);
  else fillTable(body, rows, byId('audit-empty'));
  auditBefore = page.nextBefore;
  byId('audit-more').hidden = !auditBefore;
}

function memberRow(member) {
  const mine = member.userId === session.user.id;
  const editable = org.can['members.role'] && member.role !== 'owner';
  const role = editable
    ? h(
        'select',
        {
          class: 'inline-select',
          'aria-label': `Role of ${member.email}`,
          onchange: async (event) => {
            try {
              await api(
                `/api/orgs/${encodeURIComponent(org.id)}/members/${encodeURIComponent(member.userId)}`,
                {
                  method: 'PATCH',
                  body: { role: event.target.value },
                },
              );
              showMessage(
                byId('members-result'),
                `${member.email} is now ${roleLabels[event.target.value]}.`,
                'success',
              );
              await refresh();
            } catch (error) {
              showMessage(byId('members-result'), error.message);
            }
          },
        },
        ...assignable.map((value) =>
          h('option', { value, selected: value === member.role }, roleLabels[value]),
        ),
      )
    : roleLabels[member.role];
  const actions = [];
  if (!mine && org.can['members.remove'] && member.role !== 'owner') {
    actions.push(
      h(
        'button',
        {
          class: 'button button-secondary button-small',
          type: 'button',
          onclick: async () => {
            await api(
              `/api/orgs/${encodeURIComponent(org.id)}/members/${encodeURIComponent(member.userId)}`,
              {
                method: 'DELETE',
              },
            ).catch((error) => showMessage(byId('members-result'), error.message));
            await refresh();
          },
        },
        'Remove',
      ),
    );
  }
  if (mine && member.role !== 'owner') {
    actions.push(
      h(
        'button',
        {
          class: 'button button-secondary button-small',
          type: 'button',
          onclick: async () => {
            await api(`/api/orgs/${encodeURIComponent(org.id)}/leave`, { method: 'POST' });
            rememberOrg(null);
            location.assign('/settings/organization');
          },
        },
        'Leave',
      ),
    );
  }
  return h(
    'tr',
    { dataset: { userId: member.userId } },
    h('td', { dataset: { label: 'Email' } }, member.email),
    h('td', { dataset: { label: 'Role' } }, role),
    h('td', { dataset: { label: 'Joined' } }, dateTime(member.joinedAt)),
    h('td', {}, ...actions),
  );
}

async function refresh() {
  org = await api(`/api/orgs/${encodeURIComponent(org.id)}`);
  byId('org-title').textContent = org.name;
  byId('org-subtitle').textContent = `You are ${roleLabels[org.role]} of ${org.name} (${org.slug}).`;
  const members = await api(`/api/orgs/${encodeURIComponent(org.id)}/members`);
  fillTable(byId('members-body'), members.data.map(memberRow));
  byId('invite-form').hidden = !org.can['members.invite'];
  byId('pending-wrap').hidden = members.invitations.length === 0;
  byId('pending-list').replaceChildren(
    ...members.invitations.map((invitation) =>
      h(
        'li',
        { dataset: { invitationId: invitation.id } },
        `${invitation.email} — ${roleLabels[invitation.role]}, expires ${dateTime(invitation.expiresAt)}`,
      ),
    ),
  );
  byId('sso-section').hidden = !org.can['sso.view'];
  if (org.can['sso.view']) await showSso(org.id, org.can['sso.manage']);
  byId('audit-section').hidden = !org.can['audit.view'];
  byId('audit-export').href = `/api/orgs/${encodeURIComponent(org.id)}/audit/export`;
  if (org.can['audit.view']) await loadAudit();
}

async function showOrg(orgs) {
  const wanted = selectedOrg();
  const chosen = orgs.find((candidate) => candidate.id === wanted) ?? orgs[0];
  byId('org-settings').hidden = !chosen;
  if (!chosen) return;
  rememberOrg(chosen.id);
  org = chosen;
  await refresh();
}

function wireInvitation() {
  const token = new URLSearchParams(location.search).get('invite');
  if (!token) return;
  byId('invite-card').hidden = false;
  const answer = (accept) => async (event) =>
    busy(event.currentTarget, async () => {
      try {
        const result = await api(`/api/invitations/${accept ? 'accept' : 'decline'}`, {
          method: 'POST',
          body: { token },
        });
        history.replaceState(null, '', '/settings/organization');
        byId('invite-card').hidden = true;
        if (result.org) {
          rememberOrg(result.org.id);
          await showOrg(await fillOrgSwitcher());
        }
      } catch (error) {
        showMessage(byId('invite-result'), error.message);
      }
    });
  byId('invite-accept').addEventListener('click', answer(true));
  byId('invite-decline').addEventListener('click', answer(false));
}

async function main() {
  session = await startPage();
  wireInvitation();
  byId('create-org-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(byId('create-org-submit'), async () => {
      try {
        const created = await api('/api/orgs', { method: 'POST', body: { name: byId('org-name').value } });
        byId('org-name').value = '';
        showMessage(byId('create-org-result'), `Created ${created.name}.`, 'success');
        rememberOrg(created.id);
        history.replaceState(null, '', `/settings/organization?org=${encodeURIComponent(created.id)}`);
        await showOrg(await fillOrgSwitcher());
      } catch (error) {
        showMessage(byId('create-org-result'), error.message);
      }
    });
  });
  byId('invite-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(byId('invite-submit'), async () => {
      try {
        const invited = await api(`/api/orgs/${encodeURIComponent(org.id)}/invitations`, {
          method: 'POST',
          body: { email: byId('invite-email').value, role: byId('invite-role').value },
        });
        byId('invite-email').value = '';
        showMessage(byId('invite-form-result'), `Invitation sent to ${invited.email}.`, 'success');
        await refresh();
      } catch (error) {
        showMessage(byId('invite-form-result'), error.message);
      }
    });
  });
  byId('audit-more').addEventListener('click', () => loadAudit(true).catch(pageError));
  const { data } = await api('/api/orgs');
  await showOrg(data);
}

main().catch(pageError);
