"""Tracking writes. Other code calls these (views, APIs and tasks are thin):

- pings: `pings_record`, `driver_pings_record`, `driver_route_today`, `pings_prune`
- stops (driver actions): `route_start`, `stop_arrive`, `stop_deliver`, `stop_fail`, `stop_skip`
- eta: `eta_request` (debounced, batched per tick), `eta_tick_run`, `route_etas_refresh`,
  `routes_etas_refresh`, `stop_reached_record`, `eta_windows_refresh`, `eta_windows_current`
- notifications: `notification_create`, `notification_for_event`, `notification_send`
- customer: `instructions_set`, `rating_submit`
- pages: `page_invalidate`
"""

from tracking.services.customer import instructions_editable, instructions_set, rating_submit
from tracking.services.eta import (
    eta_refresh_run,
    eta_request,
    eta_tick_run,
    eta_ticks_resume,
    eta_windows_current,
    eta_windows_refresh,
    route_etas_refresh,
    routes_etas_refresh,
    stop_reached_record,
)
from tracking.services.notifications import (
    notification_create,
    notification_for_event,
    notification_send,
)
from tracking.services.pages import page_invalidate
from tracking.services.pings import (
    PingBatchResult,
    driver_pings_record,
    driver_route_today,
    pings_prune,
    pings_record,
)
from tracking.services.stops import (
    BadUpload,
    route_start,
    stop_arrive,
    stop_deliver,
    stop_fail,
    stop_skip,
)

__all__ = [
    "BadUpload",
    "PingBatchResult",
    "driver_pings_record",
    "driver_route_today",
    "eta_refresh_run",
    "eta_request",
    "eta_tick_run",
    "eta_ticks_resume",
    "eta_windows_current",
    "eta_windows_refresh",
    "instructions_editable",
    "instructions_set",
    "notification_create",
    "notification_for_event",
    "notification_send",
    "page_invalidate",
    "pings_prune",
    "pings_record",
    "rating_submit",
    "route_etas_refresh",
    "route_start",
    "routes_etas_refresh",
    "stop_arrive",
    "stop_deliver",
    "stop_fail",
    "stop_reached_record",
    "stop_skip",
]
