"""Stops reading a request that carries more than any import takes.

Django reads a whole multipart body (to temporary files) before a view sees it, however large.
This handler, first in ``FILE_UPLOAD_HANDLERS``, counts the bytes of the files as they arrive
and stops reading one byte past ``uploads.MAX_REQUEST_BYTES``: the rest of the body is never
read, and the view tells the person the limit (``request.upload_too_large``). Whatever each
import takes is then checked by its form (``uploads.upload_problem``)."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from .importers.uploads import MAX_REQUEST_BYTES


class UploadLimit(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_REQUEST_BYTES:
            if self.request is not None:
                self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data  # on to the handlers that keep it

    def file_complete(self, file_size: int) -> None:
        return None
