import { Injectable } from '@nestjs/common';
import { DataSource, EntityTarget, FindOptionsOrder, FindOptionsSelect, FindOptionsWhere, ObjectLiteral, SelectQueryBuilder, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { RequestContext } from './request-context';
import type { TenantOwnedEntity } from './tenant-owned.entity';

type Where<T> = FindOptionsWhere<T>;

/** TypeORM 1.x takes only the object form of `select`. */
function selection<T>(keys?: (keyof T)[]): FindOptionsSelect<T> | undefined {
  return keys ? (Object.fromEntries(keys.map((k) => [k, true])) as FindOptionsSelect<T>) : undefined;
}

/**
 * The one door to tenant-owned tables. Every method adds `tenant_id = <current tenant>`; without a
 * tenant in the context it throws, so a query that forgets the tenant cannot be written.
 * Direct repositories of tenant-owned entities are banned outside this file (a test checks).
 */
export class TenantRepository<T extends TenantOwnedEntity & ObjectLiteral> {
  constructor(
    private readonly manager: EntityManager,
    private readonly target: EntityTarget<T>,
    private readonly tenantId: () => string,
  ) {}

  private scoped(where: Where<T> = {} as Where<T>): Where<T> {
    return { ...where, tenantId: this.tenantId() } as Where<T>;
  }

  find(where?: Where<T>, opts: { order?: FindOptionsOrder<T>; take?: number; select?: (keyof T)[] } = {}): Promise<T[]> {
    return this.manager.find(this.target, { where: this.scoped(where), order: opts.order, take: opts.take, select: selection(opts.select) });
  }

  findOne(where: Where<T>, opts: { select?: (keyof T)[] } = {}): Promise<T | null> {
    return this.manager.findOne(this.target, { where: this.scoped(where), select: selection(opts.select) });
  }

  count(where?: Where<T>): Promise<number> {
    return this.manager.count(this.target, { where: this.scoped(where) });
  }

  async insert(values: Omit<QueryDeepPartialEntity<T>, 'tenantId'>): Promise<T> {
    const row = { ...values, tenantId: this.tenantId() } as QueryDeepPartialEntity<T>;
    const result = await this.manager.insert(this.target, row);
    return this.manager.create(this.target, { ...row, ...result.generatedMaps[0] } as never) as T;
  }

  /** Returns how many rows changed: 0 means "not this tenant's", which callers turn into a 404. */
  async update(where: Where<T>, patch: Omit<QueryDeepPartialEntity<T>, 'tenantId'>): Promise<number> {
    const r = await this.manager.update(this.target, this.scoped(where), patch as QueryDeepPartialEntity<T>);
    return r.affected ?? 0;
  }

  async delete(where: Where<T>): Promise<number> {
    const r = await this.manager.delete(this.target, this.scoped(where));
    return r.affected ?? 0;
  }

  /** A query builder already filtered to the tenant; add conditions with andWhere. */
  query(alias: string): SelectQueryBuilder<T> {
    return this.manager
      .createQueryBuilder(this.target, alias)
      .where(`${alias}.tenant_id = :__tenantId`, { __tenantId: this.tenantId() });
  }
}

@Injectable()
export class TenantDb {
  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
  ) {}

  repo<T extends TenantOwnedEntity & ObjectLiteral>(target: EntityTarget<T>, manager?: EntityManager): TenantRepository<T> {
    return new TenantRepository(manager ?? this.dataSource.manager, target, () => this.context.tenantId);
  }

  /** A transaction whose repositories are tenant-scoped too. */
  transaction<R>(fn: (repo: <T extends TenantOwnedEntity & ObjectLiteral>(t: EntityTarget<T>) => TenantRepository<T>) => Promise<R>): Promise<R> {
    return this.dataSource.transaction((m) => fn((t) => this.repo(t, m)));
  }
}
