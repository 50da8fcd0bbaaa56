/** HTTP routes for people, groups, accounts and MIS import. No SQL here: routes call the service. */
import type { FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { accountStatus, resetMfa, setTemporaryPassword, unlockAccount } from '../platform/auth/service.ts';
import type { AppDeps } from '../platform/context.ts';
import { AppError, notFound } from '../platform/errors.ts';
import { requireUser, serviceContextOf, userCan, type ModuleRoutes } from '../platform/http.ts';
import { holds, permissionsOf } from '../platform/permissions.ts';
import { errorResponses as errors, errorSchema, IdParams, NoBody, OkAnswer } from '../platform/schemas.ts';
import { assertMayActOn, type DirectoryContext } from './guard.ts';
import {
  ClassLogonAnswer, CreatedAnswer, DirectoryReportSchema, GroupSchema, GroupsQuery, ImportOutcomeSchema, ImportRequestSchema, MembersChangeSchema,
  NewGroupSchema, NewPersonSchema, PeoplePageSchema, PeopleQuery, PersonChangesSchema, PersonDetailSchema, RolesBodySchema, TemporaryPasswordAnswer,
  type PersonSummary,
} from './schemas.ts';
import * as service from './service.ts';
import { getPerson, type PersonRow } from './store.ts';

const ok = { 200: OkAnswer, ...errors };

function ctxOf(deps: AppDeps, req: FastifyRequest): DirectoryContext {
  return { ...serviceContextOf(deps, req), authority: permissionsOf(requireUser(req).person.roles) };
}

/**
 * A person as the API shows them: the leaving date as text, no school id, and the e-mail address only when the
 * reader may see it (service.contactsVisibleTo).
 */
function summaryOf(p: PersonRow, contacts: ReadonlySet<string>): PersonSummary {
  const shown = contacts.has(p.id) || p.email === null;
  return {
    id: p.id, username: p.username, givenName: p.givenName, familyName: p.familyName, email: shown ? p.email : null, yearGroup: p.yearGroup,
    externalId: p.externalId, status: p.status, leftAt: p.leftAt ? new Date(p.leftAt).toISOString() : null, source: p.source, roles: p.roles, kind: p.kind,
    ...(shown ? {} : { emailHidden: true }),
  };
}

export function directoryRoutes(deps: AppDeps): ModuleRoutes {
  return async function plugin(app) {
    app.get('/api/people', {
      config: { access: 'people.read' },
      schema: {
        tags: ['people'], summary: 'Search and list people',
        querystring: PeopleQuery,
        response: { 200: PeoplePageSchema, ...errors },
      },
    }, async (req) => {
      const q = req.query;
      const ctx = ctxOf(deps, req);
      const { total, people } = await service.searchPeople(ctx, { q: q.q, groupId: q.group, role: q.role, status: q.status, limit: q.limit, offset: q.offset });
      const contacts = await service.contactsVisibleTo(ctx, people);
      return { total, people: people.map((p) => summaryOf(p, contacts)) };
    });

    app.get('/api/people/:id', {
      config: { access: 'people.read' },
      schema: {
        tags: ['people'], summary: 'One person with their roles, groups, parents or children and account status',
        params: IdParams,
        response: { 200: PersonDetailSchema, ...errors },
      },
    }, async (req) => {
      const { id } = req.params;
      const ctx = ctxOf(deps, req);
      const { person, groups, links } = await service.viewPerson(ctx, id);
      const account = userCan(req, 'accounts.manage') ? await accountStatus(deps.db, id, deps.clock.now()) : null;
      return { person: summaryOf(person, await service.contactsVisibleTo(ctx, [person])), groups, parents: links.parents, children: links.children, account };
    });

    app.post('/api/people', {
      config: { access: 'people.write' },
      schema: {
        tags: ['people'], summary: 'Add a person by hand',
        body: NewPersonSchema,
        response: { 201: CreatedAnswer, ...errors },
      },
    }, async (req, reply) => {
      const id = await service.createPerson(ctxOf(deps, req), req.body);
      return reply.code(201).send({ id });
    });

    app.patch('/api/people/:id', {
      config: { access: 'people.write' },
      schema: {
        tags: ['people'], summary: 'Change a person\'s details or mark them as a leaver',
        params: IdParams,
        body: PersonChangesSchema,
        response: ok,
      },
    }, async (req) => {
      await service.updatePerson(ctxOf(deps, req), req.params.id, req.body);
      return { ok: true };
    });

    app.put('/api/people/:id/roles', {
      config: { access: 'roles.manage' },
      schema: {
        tags: ['people'], summary: 'Set the roles a person holds',
        params: IdParams,
        body: RolesBodySchema,
        response: ok,
      },
    }, async (req) => {
      await service.setRoles(ctxOf(deps, req), req.params.id, req.body.roles);
      return { ok: true };
    });

    // Nobody acts on the account of a person whose roles carry rights they lack (issue 11); `firstPassword` lets a
    // holder of roles.manage give the first password of someone who has never logged in (see guard.ts).
    const accountHolder = async (req: FastifyRequest, id: string, doing: string, firstPassword = false) => {
      const ctx = ctxOf(deps, req);
      const person = await getPerson(deps.db, ctx.actor.schoolId, id);
      if (!person) throw notFound('That person');
      const neverLoggedIn = firstPassword && holds(ctx.authority, 'roles.manage') && !(await accountStatus(deps.db, person.id, deps.clock.now())).lastLoginAt;
      if (!neverLoggedIn) assertMayActOn(ctx, person, doing);
      return { ctx, person };
    };
    const accountSchema = <Answer extends TSchema>(summary: string, answer: Answer) =>
      ({ tags: ['accounts'], summary, params: IdParams, body: NoBody, response: { 200: answer, ...errors } });

    app.post('/api/people/:id/account/temporary-password', {
      config: { access: 'accounts.manage' },
      schema: accountSchema('Give the person a temporary password they must change at first log-on', TemporaryPasswordAnswer),
    }, async (req) => {
      const { ctx, person } = await accountHolder(req, req.params.id, 'give a temporary password to', true);
      if (person.status !== 'active') throw new AppError(409, 'not_active', 'This person is not active. Mark them as active before giving them a password.');
      return { temporaryPassword: await setTemporaryPassword(deps, ctx.actor, person) };
    });

    app.post('/api/people/:id/account/unlock', {
      config: { access: 'accounts.manage' },
      schema: accountSchema('Unlock an account locked after wrong passwords', OkAnswer),
    }, async (req) => {
      const { ctx, person } = await accountHolder(req, req.params.id, 'unlock the account of');
      await unlockAccount(deps, ctx.actor, person);
      return { ok: true };
    });

    app.post('/api/people/:id/account/reset-mfa', {
      config: { access: 'accounts.manage' },
      schema: accountSchema('Remove two-step verification so the person can set it up again (e.g. a lost phone)', OkAnswer),
    }, async (req) => {
      const { ctx, person } = await accountHolder(req, req.params.id, 'reset two-step verification for');
      await resetMfa(deps, ctx.actor, person);
      return { ok: true };
    });

    app.get('/api/groups', {
      config: { access: 'groups.read' },
      schema: {
        tags: ['groups'], summary: 'Groups: key stages, year groups, classes, staff teams and custom groups',
        querystring: GroupsQuery,
        response: { 200: Type.Object({ groups: Type.Array(GroupSchema) }), ...errors },
      },
    }, async (req) => ({ groups: await service.listGroups(ctxOf(deps, req), req.query.kind) }));

    app.post('/api/groups', {
      config: { access: 'groups.write' },
      schema: {
        tags: ['groups'], summary: 'Create a group',
        body: NewGroupSchema,
        response: { 201: CreatedAnswer, ...errors },
      },
    }, async (req, reply) => reply.code(201).send({ id: await service.createGroup(ctxOf(deps, req), req.body) }));

    app.post('/api/groups/:id/members', {
      config: { access: 'groups.write' },
      schema: {
        tags: ['groups'], summary: 'Add people to a group or take them out',
        params: IdParams,
        body: MembersChangeSchema,
        response: ok,
      },
    }, async (req) => {
      await service.changeMembers(ctxOf(deps, req), req.params.id, req.body.add, req.body.remove);
      return { ok: true };
    });

    app.post('/api/groups/:id/class-logon', {
      config: { access: 'people.write' },
      schema: {
        tags: ['groups'], summary: 'Create a shared log-on for a Key Stage 1 or younger class (recorded as a risk)',
        params: IdParams,
        body: NoBody,
        response: { 201: ClassLogonAnswer, ...errors, 422: errorSchema },
      },
    }, async (req, reply) => reply.code(201).send(await service.createClassLogon(ctxOf(deps, req), req.params.id)));

    app.post('/api/import/people', {
      config: { access: 'people.import' },
      bodyLimit: deps.config.maxImportBytes,
      schema: {
        tags: ['import'], summary: 'Import people from a CSV file or a OneRoster 1.1 CSV set; dryRun shows the differences first',
        body: ImportRequestSchema,
        response: { 200: ImportOutcomeSchema, ...errors },
      },
    }, async (req) => service.importPeople(ctxOf(deps, req), req.body));

    app.get('/api/reports/directory', {
      config: { access: 'reports.read' },
      schema: {
        tags: ['reports'], summary: 'Numbers of people by role and key stage, and the roles register',
        response: { 200: DirectoryReportSchema, ...errors },
      },
    }, async (req) => service.directoryReport(ctxOf(deps, req)));
  };
}
