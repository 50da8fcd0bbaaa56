/** HTTP routes for people, groups, accounts and MIS import. No SQL here: routes call the service. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accountStatus, resetMfa, setTemporaryPassword, unlockAccount } from '../platform/auth/service.ts';
import type { AppDeps } from '../platform/context.ts';
import { AppError, errorSchema, notFound } from '../platform/errors.ts';
import { requireUser, serviceContextOf, userCan } from '../platform/http.ts';
import { holds, permissionsOf } from '../platform/permissions.ts';
import { assertMayActOn, type DirectoryContext } from './guard.ts';
import * as service from './service.ts';
import { getPerson } from './store.ts';
import { GROUP_KINDS, ROLES, YEAR_GROUPS, type GroupKind } from './types.ts';

const uuid = { type: 'string', format: 'uuid' } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: uuid } } as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const ok = { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, ...errors };

const personSummary = {
  type: 'object',
  properties: {
    id: { type: 'string' }, username: { type: 'string' }, givenName: { type: 'string' }, familyName: { type: 'string' },
    email: { type: ['string', 'null'] }, yearGroup: { type: ['string', 'null'] }, externalId: { type: ['string', 'null'] },
    status: { type: 'string' }, leftAt: { type: ['string', 'null'] }, source: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } },
    kind: { type: 'string', enum: ['individual', 'class_logon'] },
  },
} as const;

const linkPerson = { type: 'object', properties: { id: { type: 'string' }, givenName: { type: 'string' }, familyName: { type: 'string' }, yearGroup: { type: ['string', 'null'] } } } as const;

const personInput = {
  username: { type: 'string', minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$' },
  givenName: { type: 'string', minLength: 1, maxLength: 100 },
  familyName: { type: 'string', minLength: 1, maxLength: 100 },
  email: { type: ['string', 'null'], maxLength: 200 },
  yearGroup: { type: ['string', 'null'], enum: [...YEAR_GROUPS, null] },
  externalId: { type: ['string', 'null'], maxLength: 100 },
} as const;

function ctxOf(deps: AppDeps, req: FastifyRequest): DirectoryContext {
  return { ...serviceContextOf(deps, req), authority: permissionsOf(requireUser(req).person.roles) };
}

export function directoryRoutes(deps: AppDeps) {
  return async function plugin(app: FastifyInstance) {
    app.get('/api/people', {
      config: { access: 'people.read' },
      schema: {
        tags: ['people'], summary: 'Search and list people',
        querystring: {
          type: 'object', additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 200 }, group: uuid, role: { type: 'string', enum: [...ROLES] },
            status: { type: 'string', enum: ['active', 'leaver', 'disabled', 'all'], default: 'active' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { 200: { type: 'object', properties: { total: { type: 'integer' }, people: { type: 'array', items: personSummary } } }, ...errors },
      },
    }, async (req) => {
      const q = req.query as { q?: string; group?: string; role?: (typeof ROLES)[number]; status?: 'active'; limit: number; offset: number };
      return service.searchPeople(ctxOf(deps, req), { q: q.q, groupId: q.group, role: q.role, status: q.status, limit: q.limit, offset: q.offset });
    });

    app.get('/api/people/:id', {
      config: { access: 'people.read' },
      schema: {
        tags: ['people'], summary: 'One person with their roles, groups, parents or children and account status',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              person: personSummary,
              groups: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } } } },
              parents: { type: 'array', items: linkPerson }, children: { type: 'array', items: linkPerson },
              account: { type: ['object', 'null'], properties: { canLogIn: { type: 'boolean' }, mustChangePassword: { type: 'boolean' }, locked: { type: 'boolean' }, lastLoginAt: { type: ['string', 'null'] }, mfaEnrolled: { type: 'boolean' } } },
            },
          },
          ...errors,
        },
      },
    }, async (req) => {
      const { id } = req.params as { id: string };
      const { person, groups, links } = await service.viewPerson(ctxOf(deps, req), id);
      const account = userCan(req, 'accounts.manage') ? await accountStatus(deps.db, id, deps.clock.now()) : null;
      return { person: { ...person, leftAt: person.leftAt ? new Date(person.leftAt).toISOString() : null }, groups, parents: links.parents, children: links.children, account };
    });

    app.post('/api/people', {
      config: { access: 'people.write' },
      schema: {
        tags: ['people'], summary: 'Add a person by hand',
        body: { type: 'object', additionalProperties: false, required: ['username', 'givenName', 'familyName', 'roles'], properties: { ...personInput, roles: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 20 } } },
        response: { 201: { type: 'object', properties: { id: { type: 'string' } } }, ...errors },
      },
    }, async (req, reply) => {
      const id = await service.createPerson(ctxOf(deps, req), req.body as service.PersonInput);
      return reply.code(201).send({ id });
    });

    app.patch('/api/people/:id', {
      config: { access: 'people.write' },
      schema: {
        tags: ['people'], summary: 'Change a person\'s details or mark them as a leaver',
        params: idParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { ...personInput, status: { type: 'string', enum: ['active', 'leaver', 'disabled'] } } },
        response: ok,
      },
    }, async (req) => {
      await service.updatePerson(ctxOf(deps, req), (req.params as { id: string }).id, req.body as Parameters<typeof service.updatePerson>[2]);
      return { ok: true };
    });

    app.put('/api/people/:id/roles', {
      config: { access: 'roles.manage' },
      schema: {
        tags: ['people'], summary: 'Set the roles a person holds',
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['roles'], properties: { roles: { type: 'array', items: { type: 'string', enum: [...ROLES] }, maxItems: 20 } } },
        response: ok,
      },
    }, async (req) => {
      await service.setRoles(ctxOf(deps, req), (req.params as { id: string }).id, (req.body as { roles: string[] }).roles);
      return { ok: true };
    });

    // Nobody acts on the account of a person whose roles carry rights they lack (issue 11); `firstPassword` lets a
    // holder of roles.manage give the first password of someone who has never logged in (see guard.ts).
    const accountAction = (path: string, summary: string, doing: string, act: (ctx: DirectoryContext, person: NonNullable<Awaited<ReturnType<typeof getPerson>>>) => Promise<Record<string, unknown>>, response: object, firstPassword = false) =>
      app.post(`/api/people/:id/account/${path}`, {
        config: { access: 'accounts.manage' },
        schema: { tags: ['accounts'], summary, params: idParams, response: { 200: response, ...errors } },
      }, async (req) => {
        const ctx = ctxOf(deps, req);
        const person = await getPerson(deps.db, ctx.actor.schoolId, (req.params as { id: string }).id);
        if (!person) throw notFound('That person');
        const neverLoggedIn = firstPassword && holds(ctx.authority, 'roles.manage') && !(await accountStatus(deps.db, person.id, deps.clock.now())).lastLoginAt;
        if (!neverLoggedIn) assertMayActOn(ctx, person, doing);
        return act(ctx, person);
      });

    accountAction('temporary-password', 'Give the person a temporary password they must change at first log-on', 'give a temporary password to',
      async (ctx, person) => {
        if (person.status !== 'active') throw new AppError(409, 'not_active', 'This person is not active. Mark them as active before giving them a password.');
        return { temporaryPassword: await setTemporaryPassword(deps, ctx.actor, person) };
      },
      { type: 'object', properties: { temporaryPassword: { type: 'string' } } }, true);
    accountAction('unlock', 'Unlock an account locked after wrong passwords', 'unlock the account of', async (ctx, person) => { await unlockAccount(deps, ctx.actor, person); return { ok: true }; }, ok[200]);
    accountAction('reset-mfa', 'Remove two-step verification so the person can set it up again (e.g. a lost phone)', 'reset two-step verification for', async (ctx, person) => { await resetMfa(deps, ctx.actor, person); return { ok: true }; }, ok[200]);

    const groupSchema = { type: 'object', properties: { id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, memberCount: { type: 'integer' } } } as const;

    app.get('/api/groups', {
      config: { access: 'groups.read' },
      schema: {
        tags: ['groups'], summary: 'Groups: key stages, year groups, classes, staff teams and custom groups',
        querystring: { type: 'object', additionalProperties: false, properties: { kind: { type: 'string', enum: [...GROUP_KINDS] } } },
        response: { 200: { type: 'object', properties: { groups: { type: 'array', items: groupSchema } } }, ...errors },
      },
    }, async (req) => ({ groups: await service.listGroups(ctxOf(deps, req), (req.query as { kind?: GroupKind }).kind) }));

    app.post('/api/groups', {
      config: { access: 'groups.write' },
      schema: {
        tags: ['groups'], summary: 'Create a group',
        body: { type: 'object', additionalProperties: false, required: ['kind', 'name'], properties: { kind: { type: 'string', enum: [...GROUP_KINDS] }, name: { type: 'string', minLength: 1, maxLength: 100 }, description: { type: 'string', maxLength: 500 } } },
        response: { 201: { type: 'object', properties: { id: { type: 'string' } } }, ...errors },
      },
    }, async (req, reply) => reply.code(201).send({ id: await service.createGroup(ctxOf(deps, req), req.body as { kind: string; name: string }) }));

    app.post('/api/groups/:id/members', {
      config: { access: 'groups.write' },
      schema: {
        tags: ['groups'], summary: 'Add people to a group or take them out',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { add: { type: 'array', items: uuid, maxItems: 5000, default: [] }, remove: { type: 'array', items: uuid, maxItems: 5000, default: [] } } },
        response: ok,
      },
    }, async (req) => {
      const body = req.body as { add: string[]; remove: string[] };
      await service.changeMembers(ctxOf(deps, req), (req.params as { id: string }).id, body.add, body.remove);
      return { ok: true };
    });

    app.post('/api/groups/:id/class-logon', {
      config: { access: 'people.write' },
      schema: {
        tags: ['groups'], summary: 'Create a shared log-on for a Key Stage 1 or younger class (recorded as a risk)',
        params: idParams,
        response: { 201: { type: 'object', properties: { id: { type: 'string' }, username: { type: 'string' } } }, ...errors, 422: errorSchema },
      },
    }, async (req, reply) => reply.code(201).send(await service.createClassLogon(ctxOf(deps, req), (req.params as { id: string }).id)));

    const problem = { type: 'object', properties: { file: { type: 'string' }, line: { type: 'integer' }, message: { type: 'string' } } } as const;
    app.post('/api/import/people', {
      config: { access: 'people.import' },
      bodyLimit: deps.config.maxImportBytes,
      schema: {
        tags: ['import'], summary: 'Import people from a CSV file or a OneRoster 1.1 CSV set; dryRun shows the differences first',
        body: {
          type: 'object', additionalProperties: false, required: ['files'],
          properties: {
            files: { type: 'object', minProperties: 1, maxProperties: 12, additionalProperties: { type: 'string' } },
            format: { type: 'string', enum: ['csv', 'oneroster'] },
            dryRun: { type: 'boolean', default: true }, skipInvalid: { type: 'boolean', default: false }, markLeavers: { type: 'boolean', default: true },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              format: { type: 'string' },
              plan: {
                type: 'object',
                properties: {
                  added: { type: 'array', items: { type: 'object', properties: { externalId: { type: 'string' }, username: { type: 'string' }, name: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, line: { type: 'integer' } } } },
                  changed: { type: 'array', items: { type: 'object', properties: { personId: { type: 'string' }, externalId: { type: 'string' }, username: { type: 'string' }, name: { type: 'string' }, line: { type: 'integer' }, changes: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } } } } } },
                  leavers: { type: 'array', items: { type: 'object', properties: { personId: { type: 'string' }, externalId: { type: 'string' }, username: { type: 'string' }, name: { type: 'string' } } } },
                  unchanged: { type: 'integer' },
                  problems: { type: 'array', items: problem },
                  leaversNote: { type: 'string' },
                },
              },
              applied: { type: ['object', 'null'], properties: { added: { type: 'integer' }, changed: { type: 'integer' }, leavers: { type: 'integer' }, unchanged: { type: 'integer' }, skipped: { type: 'integer' } } },
            },
          },
          ...errors,
        },
      },
    }, async (req) => service.importPeople(ctxOf(deps, req), req.body as service.ImportRequest));

    app.get('/api/reports/directory', {
      config: { access: 'reports.read' },
      schema: {
        tags: ['reports'], summary: 'Numbers of people by role and key stage, and the roles register',
        response: {
          200: {
            type: 'object',
            properties: {
              roles: { type: 'array', items: { type: 'object', properties: { role: { type: 'string' }, label: { type: 'string' }, count: { type: 'integer' } } } },
              keyStages: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, count: { type: 'integer' } } } },
              rolesRegister: { type: 'array', items: { type: 'object', properties: { role: { type: 'string' }, label: { type: 'string' }, name: { type: 'string' } } } },
              leavers: { type: 'integer' },
              risks: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
            },
          },
          ...errors,
        },
      },
    }, async (req) => service.directoryReport(ctxOf(deps, req)));
  };
}
