import { ConflictException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { ConnectionNeedsReauthError } from '../integrations/connections';
import { isActionRefusal, messageOf, safeReturnTo } from './admin-errors';

describe('admin errors', () => {
  it('only ever sends a log-in back into the panel', () => {
    expect(safeReturnTo('/admin/connections?status=healthy')).toBe('/admin/connections?status=healthy');
    expect(safeReturnTo('/admin')).toBe('/admin');
    for (const bad of ['//evil.example', 'https://evil.example/admin', '/administrator', '/admin//evil', '/admin\\x', '/api/v1', undefined, 42]) expect(safeReturnTo(bad)).toBe('/admin');
  });

  it('shows refusals as messages, and leaves missing ids and failures to the error page', () => {
    expect(isActionRefusal(new ConflictException('a sync of customers is already running'))).toBe(true);
    expect(isActionRefusal(new UnprocessableEntityException('x'))).toBe(true);
    expect(isActionRefusal(new ConnectionNeedsReauthError('c1', 'token revoked'))).toBe(true);
    expect(isActionRefusal(new NotFoundException('no connection'))).toBe(false);
    expect(isActionRefusal(new Error('boom'))).toBe(false);
    expect(messageOf(new ConflictException({ message: 'already running', runId: 'r' }))).toBe('already running');
  });
});
