from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class CursorPagination(pagination.CursorPagination):
    """Stable cursor pagination; views override `ordering` when `-id` is not right.

    A `page_size` that is not an integer from 1 to `max_page_size` is a 400 naming the
    parameter (DRF would silently fall back to the default, which hides client bugs).
    """

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and (not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size):
            raise ValidationError(
                {self.page_size_query_param: [
                    f"Must be an integer from 1 to {self.max_page_size}."
                ]}
            )  # fmt: skip
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters
