import { type DynamicModule, Global, Module, type ModuleMetadata } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health.controller';
import { LifecycleService } from './lifecycle.service';
import { MetricsController, MetricsRegistry } from './metrics';
import { READINESS_CHECKS, type ReadinessCheck, SERVICE_CONFIG } from './tokens';

export interface ServiceKitOptions {
  service: string;
  logLevel: string;
  config: object;
  /** How readiness checks are built (they usually need the app's Redis or Prisma providers). */
  readiness: {
    imports?: ModuleMetadata['imports'];
    inject?: unknown[];
    useFactory: (...deps: never[]) => ReadinessCheck[];
  };
}

/**
 * The process skeleton every service shares: JSON logs (pino), typed config, lifecycle flag,
 * `/health/live`, `/health/ready` and `/metrics`.
 */
@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(options: ServiceKitOptions): DynamicModule {
    return {
      module: ServiceKitModule,
      imports: [
        LoggerModule.forRoot({
          // The app's logger only: its per-request middleware (a child logger and an
          // AsyncLocalStorage context per request) is not mounted; `accessLog` writes the
          // request lines instead (see access-log.ts).
          forRoutes: [],
          pinoHttp: { level: options.logLevel, base: { service: options.service } },
        }),
        ...(options.readiness.imports ?? []),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        LifecycleService,
        MetricsRegistry,
        { provide: SERVICE_CONFIG, useValue: options.config },
        {
          provide: READINESS_CHECKS,
          inject: (options.readiness.inject ?? []) as never[],
          useFactory: options.readiness.useFactory,
        },
      ],
      exports: [LifecycleService, MetricsRegistry, SERVICE_CONFIG],
    };
  }
}
