"""Tracking writes. Other code calls these (views, APIs and tasks are thin):

- pings: `pings_record`, `driver_pings_record`, `driver_route_today`, `pings_prune`
- stops (driver actions): `route_start`, `stop_arrive`, `stop_deliver`, `stop_fail`, `stop_skip`
- eta: `eta_request` (debounced, batched per tick), `eta_tick_run`, `route_etas_refresh`,
  `routes_etas_refresh`, `stop_reached_record`, `eta_windows_refresh`, `eta_windows_current`
- notifications: `notification_create`, `notification_for_event`, `notification_send`
- customer: `instructions_set`, `rating_submit`
- handover: `delivery_pin_send`, `stop_handover_check`, `stop_pin_override`, `cash_handin_record`
- pages: `page_invalidate`
"""

from tracking.services.customer import instructions_editable, instructions_set, rating_submit  # noqa: F401
from tracking.services.eta import (  # noqa: F401
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
from tracking.services.handover import (  # noqa: F401
    cash_handin_record,
    delivery_pin_send,
    stop_handover_check,
    stop_pin_override,
)
from tracking.services.notifications import (  # noqa: F401
    notification_create,
    notification_for_event,
    notification_send,
)
from tracking.services.pages import page_invalidate  # noqa: F401
from tracking.services.pings import (  # noqa: F401
    PingBatchResult,
    driver_pings_record,
    driver_route_today,
    pings_prune,
    pings_record,
)
from tracking.services.stops import (  # noqa: F401
    BadUpload,
    route_start,
    stop_arrive,
    stop_deliver,
    stop_fail,
    stop_skip,
)
