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
          // Probes and scrapes skip the request logger: it runs each request inside an
          // AsyncLocalStorage, which turns async hooks on for the rest of the process — on the
          // gateway, whose only HTTP routes these are, every socket write would pay for it.
          exclude: ['health/live', 'health/ready', 'metrics'],
          pinoHttp: {
            level: options.logLevel,
            base: { service: options.service },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
          },
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
