from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Stable cursor pagination; views override `ordering` when `-id` is not right."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500
