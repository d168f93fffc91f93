"""Documentation for the optimizations API: the input schema (OpenAPI) and a worked example
(the example output is what the solver answers for the example input)."""

INPUT_EXAMPLE = {
    "vehicles": [
        {
            "id": 1,
            "start_index": 0,
            "end_index": 0,
            "capacity": [10],
            "time_window": [28800, 61200],
            "breaks": [{"id": 1, "time_windows": [[43200, 46800]], "service": 1800}],
        }
    ],
    "jobs": [
        {
            "id": 11,
            "location_index": 1,
            "service": 300,
            "delivery": [4],
            "time_windows": [[32400, 39600]],
        },
        {"id": 12, "location_index": 2, "service": 300, "delivery": [3], "pickup": [2]},
    ],
    "shipments": [
        {
            "pickup": {"id": 21, "location_index": 2, "service": 120},
            "delivery": {"id": 21, "location_index": 3, "service": 120},
            "amount": [1],
        }
    ],
    "matrices": {
        "car": {
            "durations": [
                [0, 900, 1200, 1500],
                [900, 0, 600, 1100],
                [1200, 600, 0, 700],
                [1500, 1100, 700, 0],
            ],
            "distances": [
                [0, 9000, 12500, 16000],
                [9000, 0, 5200, 11000],
                [12500, 5200, 0, 6800],
                [16000, 11000, 6800, 0],
            ],
        }
    },
    "options": {"time_limit": 2},
}

OUTPUT_EXAMPLE = {
    "code": 0,
    "summary": {
        "cost": 3700,
        "routes": 1,
        "unassigned": 0,
        "delivery": [8],
        "amount": [8],
        "pickup": [3],
        "setup": 0,
        "service": 2640,
        "duration": 3700,
        "waiting_time": 0,
        "priority": 0,
        "distance": 37000,
        "violations": [],
        "computing_times": {"loading": 1, "solving": 1990, "routing": 0},
    },
    "unassigned": [],
    "routes": [
        {
            "vehicle": 1,
            "cost": 3700,
            "delivery": [8],
            "amount": [8],
            "pickup": [3],
            "setup": 0,
            "service": 2640,
            "duration": 3700,
            "waiting_time": 0,
            "priority": 0,
            "distance": 37000,
            "steps": [
                {
                    "type": "start",
                    "location_index": 0,
                    "setup": 0,
                    "service": 0,
                    "waiting_time": 0,
                    "load": [7],
                    "arrival": 38660,
                    "duration": 0,
                    "violations": [],
                    "distance": 0,
                },
                {
                    "type": "job",
                    "location_index": 1,
                    "id": 11,
                    "setup": 0,
                    "service": 300,
                    "waiting_time": 0,
                    "job": 11,
                    "load": [3],
                    "arrival": 39560,
                    "duration": 900,
                    "violations": [],
                    "distance": 9000,
                },
                {
                    "type": "pickup",
                    "location_index": 2,
                    "id": 21,
                    "setup": 0,
                    "service": 120,
                    "waiting_time": 0,
                    "job": 21,
                    "load": [4],
                    "arrival": 40460,
                    "duration": 1500,
                    "violations": [],
                    "distance": 14200,
                },
                {
                    "type": "job",
                    "location_index": 2,
                    "id": 12,
                    "setup": 0,
                    "service": 300,
                    "waiting_time": 0,
                    "job": 12,
                    "load": [3],
                    "arrival": 40580,
                    "duration": 1500,
                    "violations": [],
                    "distance": 14200,
                },
                {
                    "type": "delivery",
                    "location_index": 3,
                    "id": 21,
                    "setup": 0,
                    "service": 120,
                    "waiting_time": 0,
                    "job": 21,
                    "load": [2],
                    "arrival": 41580,
                    "duration": 2200,
                    "violations": [],
                    "distance": 21000,
                },
                {
                    "type": "break",
                    "id": 1,
                    "setup": 0,
                    "service": 1800,
                    "waiting_time": 0,
                    "load": [2],
                    "arrival": 43200,
                    "duration": 3700,
                    "violations": [],
                    "distance": 37000,
                },
                {
                    "type": "end",
                    "location_index": 0,
                    "setup": 0,
                    "service": 0,
                    "waiting_time": 0,
                    "load": [2],
                    "arrival": 45000,
                    "duration": 3700,
                    "violations": [],
                    "distance": 37000,
                },
            ],
            "violations": [],
        }
    ],
}

# VROOM's input format as OpenAPI states it (docs/API.md of VROOM-Project/vroom); the service
# checks far more (sizes, ids, indices) and answers 422 naming the JSON path.
_UINT = {"type": "integer", "minimum": 0}
_WINDOW = {"type": "array", "items": _UINT, "minItems": 2, "maxItems": 2}
_WINDOWS = {"type": "array", "items": _WINDOW, "minItems": 1}
_AMOUNT = {"type": "array", "items": _UINT}
_COORDINATES = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 2,
    "description": "[lon, lat]",
}
_MATRIX = {"type": "array", "items": {"type": "array", "items": _UINT}, "minItems": 1}
_TASK = {
    "id": _UINT,
    "description": {"type": "string"},
    "location": _COORDINATES,
    "location_index": _UINT,
    "setup": _UINT,
    "service": _UINT,
    "time_windows": _WINDOWS,
}
_STEP = {"type": "object", "properties": _TASK, "required": ["id"], "additionalProperties": False}
_COSTS = ("fixed", "per_hour", "per_km", "per_task_hour")
_SHARED = {"skills": {"type": "array", "items": _UINT}, "priority": {**_UINT, "maximum": 100}}
INPUT_SCHEMA = {
    "type": "object",
    "description": "A problem in VROOM's input format; `options.time_limit` (seconds) is ours.",
    "properties": {
        "vehicles": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "id": _UINT,
                    "profile": {"type": "string"},
                    "description": {"type": "string"},
                    "type": {"type": "string"},
                    "start": _COORDINATES,
                    "start_index": _UINT,
                    "end": _COORDINATES,
                    "end_index": _UINT,
                    "capacity": _AMOUNT,
                    "skills": {"type": "array", "items": _UINT},
                    "time_window": _WINDOW,
                    "costs": {
                        "type": "object",
                        "properties": dict.fromkeys(
                            ("fixed", "per_hour", "per_km", "per_task_hour"), _UINT
                        ),
                        "additionalProperties": False,
                    },
                    "breaks": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": _UINT,
                                "time_windows": {**_WINDOWS, "maxItems": 1},
                                "service": _UINT,
                                "description": {"type": "string"},
                            },
                            "required": ["id"],
                            "additionalProperties": False,
                        },
                    },
                    "speed_factor": {
                        "type": "number",
                        "minimum": 0,
                        "exclusiveMinimum": True,
                        "maximum": 5,
                    },
                    "max_tasks": _UINT,
                    "max_travel_time": _UINT,
                    "max_distance": _UINT,
                },
                "required": ["id"],
                "additionalProperties": False,
            },
        },
        "jobs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {**_TASK, **_SHARED, "delivery": _AMOUNT, "pickup": _AMOUNT},
                "required": ["id"],
                "additionalProperties": False,
            },
        },
        "shipments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"pickup": _STEP, "delivery": _STEP, "amount": _AMOUNT, **_SHARED},
                "required": ["pickup", "delivery"],
                "additionalProperties": False,
            },
        },
        "matrices": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"durations": _MATRIX, "distances": _MATRIX, "costs": _MATRIX},
                "required": ["durations"],
                "additionalProperties": False,
            },
        },
        "options": {
            "type": "object",
            "properties": {
                "time_limit": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                "g": {"type": "boolean", "enum": [False]},
            },
            "additionalProperties": False,
        },
    },
    "required": ["vehicles"],
    "additionalProperties": False,
}
