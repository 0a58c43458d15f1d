import { defineSync } from '../../../core/plugin-sdk';
import { conversationsPage, type SlackConversation } from '../slack.client';

export const channelsSync = defineSync<SlackConversation, 'channel'>({
  model: 'channel',
  description: 'Public and private channels the bot can see, archived ones left out',
  // conversations.list has no "changed since" filter
  incremental: false,
  fetchPage: (ctx, params) => conversationsPage(ctx, params),
  externalId: (c) => c.id,
  remoteUpdatedAt: () => null,
  // membership counts move with every join and leave; the channel itself did not change
  volatileFields: ['num_members', 'is_member'],
  toUnified: (c) => ({ name: c.name, topic: c.topic.value || null, isPrivate: c.is_private, memberCount: c.num_members ?? null }),
});
