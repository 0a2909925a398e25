/** /api/dashboard: the overview and one contact's intelligence. */
import { createRoute, z } from '@hono/zod-openapi';
import { getContact } from '../../db/queries/contacts.js';
import { contactIntelligence, contactRecent, latestScore, overview } from '../../db/queries/dashboard.js';
import { insightsFrom, scoreHistory, trendOf } from '../../db/queries/insights.js';
import { factorsOf, recomputeScores, type Factors } from '../../db/queries/scores.js';
import { notFound, ok } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { IdParam, isUuid, responses, route, type ApiApp } from './openapi.js';
import {
  ContactSchema,
  MessageSchema,
  PhoneRecordSummarySchema,
  TaskSchema,
  contactView,
  messageView,
  phoneRecordSummaryView,
  taskView,
} from './views.js';

const tag = ['Dashboard'];
const security = [{ bearer: [] }];
const loose = z.record(z.string(), z.unknown());

const OverviewSchema = z
  .object({
    counts: z.object({
      contacts: z.number(),
      callsThisWeek: z.number(),
      missedCallsThisWeek: z.number(),
      messagesThisWeek: z.number(),
      openTasks: z.number(),
      upcomingEvents: z.number(),
    }),
    topContacts: z.array(
      z.object({
        id: z.string(),
        firstName: z.string(),
        lastName: z.string(),
        company: z.string().nullable(),
        relationshipScore: z.number().nullable(),
        lastContactedAt: z.string().nullable(),
      }),
    ),
    needsAttention: z
      .array(
        z.object({
          id: z.string(),
          firstName: z.string(),
          lastName: z.string(),
          relationshipScore: z.number().nullable(),
          priority: z.number().nullable(),
          lastContactedAt: z.string().nullable(),
        }),
      )
      .openapi({ description: 'Contacts most overdue against their own rhythm, or with promises open' }),
    recentCalls: z.array(
      z.object({
        id: z.string(),
        phoneNumber: z.string(),
        direction: z.string(),
        status: z.string(),
        duration: z.number().nullable(),
        createdAt: z.string(),
        summary: z.string().nullable(),
        sentiment: z.string().nullable(),
        contactId: z.string().nullable(),
        contactFirstName: z.string().nullable(),
        contactLastName: z.string().nullable(),
      }),
    ),
    upcomingTasks: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        status: z.string(),
        priority: z.string(),
        dueDate: z.string().nullable(),
        contactId: z.string().nullable(),
        phoneRecordId: z.string().nullable(),
      }),
    ),
    callStats: z
      .array(z.object({ date: z.string(), count: z.number(), totalDuration: z.number(), missed: z.number() }))
      .openapi({ description: 'One row per UTC day, oldest first, for the last `days` days' }),
  })
  .openapi('DashboardOverview');

const IntelligenceSchema = z
  .object({
    contact: ContactSchema,
    score: z.object({
      score: z.number().nullable(),
      priority: z.number().nullable(),
      trend: z.string(),
      change: z.number().nullable(),
      factors: loose,
      computedAt: z.string().nullable(),
    }),
    interactions: z.object({
      totalCalls: z.number(),
      answeredCalls: z.number(),
      missedCalls: z.number(),
      inboundCalls: z.number(),
      outboundCalls: z.number(),
      totalDuration: z.number(),
      avgDuration: z.number(),
      totalMessages: z.number(),
      lastInteractionAt: z.string().nullable(),
      sentiments: z.object({ positive: z.number(), neutral: z.number(), negative: z.number() }),
      recentCalls: z.array(PhoneRecordSummarySchema),
      recentMessages: z.array(MessageSchema),
    }),
    sentimentTrend: z.array(z.object({ week: z.string(), sentiment: z.number().nullable(), interactions: z.number() })),
    topics: z.array(z.object({ topic: z.string(), count: z.number() })),
    tasks: z.array(TaskSchema).openapi({ description: 'Open tasks' }),
    insights: z.array(z.string()).openapi({ description: 'What to do, most pressing first' }),
    insightDetails: z.array(z.object({ kind: z.string(), severity: z.string(), message: z.string() })),
  })
  .openapi('ContactIntelligence');

export function dashboardRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/dashboard/overview',
      tags: tag,
      security,
      summary: 'Counts, top contacts, who needs attention, recent calls, upcoming tasks, daily call stats',
      request: {
        query: z.object({
          days: z.coerce.number().int().min(1).max(90).default(7).openapi({ description: 'Days of call stats (1-90)' }),
        }),
      },
      responses: responses(OverviewSchema, 'The overview'),
    }),
    async (c, { query }) => ok(c, await overview(db, new Date(), query.days)),
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/dashboard/contacts/{id}/intelligence',
      tags: tag,
      security,
      summary: 'One contact: interactions, sentiment trend, open tasks, score and insights',
      request: { params: IdParam },
      responses: responses(IntelligenceSchema, "The contact's intelligence", 200, true),
    }),
    async (c, { params }) => {
      const contact = isUuid(params.id) ? await getContact(db, params.id) : null;
      if (!contact) throw notFound('Contact');
      const now = new Date();
      // A contact never scored yet is scored now, so the page always explains a score.
      let latest = await latestScore(db, contact.id);
      if (!latest) {
        await recomputeScores(db, contact.id, now);
        latest = await latestScore(db, contact.id);
      }
      const factors = latest?.features ? factorsOf(latest.features) : ((latest?.factors ?? {}) as Factors);
      const [intel, history, { calls, texts: msgs, openTasks: open }] = await Promise.all([
        contactIntelligence(db, contact.id, now),
        scoreHistory(db, contact.id),
        contactRecent(db, contact.id),
      ]);
      const { trend, change } = trendOf(history);
      const insights = insightsFrom(factors);
      const t = intel.totals;
      const name = `${contact.firstName} ${contact.lastName}`.trim();
      const lastMsg = msgs[0]?.occurredAt;
      const lastCall = t.lastCallAt ? new Date(t.lastCallAt as string) : undefined;
      const lastInteraction = [lastMsg, lastCall]
        .filter((d): d is Date => d !== undefined)
        .sort((a, b) => b.getTime() - a.getTime())[0];
      return ok(c, {
        contact: contactView(contact, deps.region),
        score: {
          score: latest?.score ?? null,
          priority: latest?.priority ?? null,
          trend,
          change,
          factors,
          computedAt: latest?.computedAt.toISOString() ?? null,
        },
        interactions: {
          totalCalls: Number(t.totalCalls),
          answeredCalls: Number(t.answeredCalls),
          missedCalls: Number(t.missedCalls),
          inboundCalls: Number(t.inboundCalls),
          outboundCalls: Number(t.outboundCalls),
          totalDuration: Number(t.totalDuration),
          avgDuration: Number(t.avgDuration),
          totalMessages: Number(t.totalMessages),
          lastInteractionAt: lastInteraction?.toISOString() ?? null,
          sentiments: { positive: Number(t.positive), neutral: Number(t.neutral), negative: Number(t.negative) },
          recentCalls: calls.map((r) => phoneRecordSummaryView(r, name, deps.region)),
          recentMessages: msgs.map((m) => messageView(m, name)),
        },
        sentimentTrend: intel.sentimentTrend as { week: string; sentiment: number | null; interactions: number }[],
        topics: intel.topics,
        tasks: open.map(taskView),
        insights: insights.map((i) => i.message),
        insightDetails: insights,
      });
    },
  );
}
