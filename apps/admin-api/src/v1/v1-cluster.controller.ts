import { Controller, Get, UseGuards } from '@nestjs/common';
import type { Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { RealtimeAdminService } from '../resources/realtime-admin.service';

/** `/v1/stats`: connection statistics of every gateway and every app (super admin). */
@Controller('v1/stats')
@UseGuards(AuthGuard, RateLimitGuard)
export class V1ClusterController {
  constructor(private readonly live: RealtimeAdminService) {}

  @Get()
  stats(@Auth() p: Principal) {
    return this.live.clusterStats(p);
  }
}
