import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '@app/auth';
import { PgNotifications } from '@app/database';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly notifications: PgNotifications,
  ) {}

  /**
   * Liveness plus database readiness: 200 when PostgreSQL answers within a second, else 503. Without
   * the notification connection the service still answers correctly, only without its caches: 200,
   * status `degraded`, `notifications: {status: "degraded", connection: "down"}`.
   */
  @Public()
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.database.pingCheck('database', { timeout: 1000 }), () => this.notificationsCheck()]);
  }

  private notificationsCheck() {
    const check = this.indicators.check('notifications');
    return this.notifications.connected ? check.up({ connection: 'up' }) : check.degraded({ connection: 'down', caches: 'off' });
  }
}
