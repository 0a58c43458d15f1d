import { PublishRejection, UpstreamError } from '../../core/plugin-sdk';
import { QuotaExhaustedError } from '../../core/upstream';
import { ConnectionNeedsReauthError } from '../connections';
import { NotFoundException } from '@nestjs/common';
import { classify, publicationStatus } from './publishing.service';

describe('publicationStatus', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const later = new Date('2030-01-01T01:00:00Z');

  it('is published when every platform is, partial when some are, failed when all failed', () => {
    expect(publicationStatus(['published', 'published'], null, now)).toBe('published');
    expect(publicationStatus(['published', 'failed'], null, now)).toBe('partial');
    expect(publicationStatus(['published', 'retrying'], null, now)).toBe('partial');
    expect(publicationStatus(['failed', 'failed'], null, now)).toBe('failed');
  });

  it('is publishing while nothing is published and something is open, scheduled before its time', () => {
    expect(publicationStatus(['retrying', 'failed'], null, now)).toBe('publishing');
    expect(publicationStatus(['pending', 'publishing'], null, now)).toBe('publishing');
    expect(publicationStatus(['pending', 'failed'], later, now)).toBe('scheduled');
    expect(publicationStatus(['publishing', 'pending'], later, now)).toBe('publishing');
    expect(publicationStatus(['pending'], now, later)).toBe('publishing');
  });
});

describe('classify', () => {
  it('fails at once what another attempt cannot cure', () => {
    expect(classify(new PublishRejection('content_too_long', 'too long'))).toEqual({ retryable: false, code: 'content_too_long', message: 'too long' });
    expect(classify(new UpstreamError(403, { detail: 'duplicate' }, 'twitter'))).toEqual({ retryable: false, code: 'platform_403', message: 'twitter answered 403: {"detail":"duplicate"}' });
    expect(classify(new ConnectionNeedsReauthError('c1', 'refused'))).toMatchObject({ retryable: false, code: 'needs_reauth' });
    expect(classify(new NotFoundException('no connection c1'))).toMatchObject({ retryable: false, code: 'connection_unavailable' });
  });

  it('retries what may pass, no sooner than a pause the platform asked for', () => {
    expect(classify(new UpstreamError(503, 'down', 'slack'))).toEqual({ retryable: true, code: 'platform_503', message: 'slack answered 503: down' });
    expect(classify(new UpstreamError(429, null, 'slack'))).toMatchObject({ retryable: true, code: 'platform_429' });
    expect(classify(new UpstreamError(0, null, 'slack', 'slack unreachable'))).toMatchObject({ retryable: true, code: 'platform_unreachable' });
    const resumeAt = new Date(Date.now() + 60_000);
    expect(classify(new QuotaExhaustedError('twitter', 'c1', resumeAt, 'platform_pause'))).toMatchObject({ retryable: true, code: 'platform_paused', notBefore: resumeAt });
    expect(classify(new Error('socket hang up'))).toEqual({ retryable: true, code: 'error', message: 'socket hang up' });
  });
});
