import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { UpstreamClientFactory } from './upstream-client';

@Global()
@Module({ providers: [{ provide: UpstreamClientFactory, useFactory: () => new UpstreamClientFactory() }], exports: [UpstreamClientFactory] })
export class UpstreamModule implements OnApplicationShutdown {
  constructor(private readonly factory: UpstreamClientFactory) {}

  async onApplicationShutdown(): Promise<void> {
    await this.factory.close();
  }
}
