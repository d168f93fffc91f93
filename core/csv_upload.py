"""CSV uploads to the API: a file in the multipart field `file`, or the CSV itself as a
text/csv body. Views that import CSV set `parser_classes = CSV_PARSERS` and read the bytes with
`csv_content(request)` (422 naming `file` when neither was sent)."""

from __future__ import annotations

from rest_framework.parsers import BaseParser, FormParser, JSONParser, MultiPartParser

from core.exceptions import ValidationFailed


class CsvParser(BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return {"content": stream.read()}


CSV_PARSERS = [CsvParser, MultiPartParser, FormParser, JSONParser]


def csv_content(request) -> bytes:
    upload = request.FILES.get("file") if hasattr(request, "FILES") else None
    if upload is not None:
        return upload.read()
    content = request.data.get("content") if hasattr(request.data, "get") else None
    if isinstance(content, str):
        content = content.encode()
    if not content:
        raise ValidationFailed(
            "Send the CSV as a multipart field 'file' or as a text/csv body.", field="file"
        )
    return content
