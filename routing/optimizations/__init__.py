"""Optimisation requests: a problem in VROOM's JSON, solved asynchronously for a partner (or a
dispatcher) through `/api/v1/optimizations/`, answered in VROOM's output JSON.

Independent of plans: nothing here touches orders, vehicles or routes. Rooms as in an app:
models, services (writes and the run), selectors, apis, tasks, api_urls.
"""
