"""Fleet API: `/api/v1/vehicles/`, `/api/v1/drivers/` (and their time off), `/api/v1/shifts/`.

Staff sessions of dispatchers (and admins) only; partner API keys get 403 (the fleet is no
partner's data). Vehicles are addressed by code, drivers and shifts by id. Writes go through
routing.fleet.services, which answer 422/409 naming the field."""
