# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""API errors, shaped as OVH shapes them: ``{"class": "Client::...", "message": "..."}``.

Authentication errors also carry ``errorCode`` and ``httpCode``: the ``ovh`` client picks its exception class
from ``errorCode`` on a 403.
"""
from __future__ import annotations

from http import HTTPStatus


class ApiError(Exception):
    def __init__(self, status: int, message: str, error_class: str | None = None, error_code: str | None = None,
                 headers: dict | None = None, details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_class = error_class or _default_class(status)
        self.error_code = error_code
        self.headers = headers or {}
        self.details = details

    def body(self) -> dict:
        body = {"class": self.error_class, "message": self.message}
        if self.error_code:
            body["errorCode"] = self.error_code
            body["httpCode"] = f"{self.status} {HTTPStatus(self.status).phrase}"
        if self.details is not None:
            body["details"] = self.details
        return body


def _default_class(status: int) -> str:
    return {
        400: "Client::BadRequest",
        401: "Client::Unauthorized",
        403: "Client::Forbidden",
        404: "Client::NotFound",
        405: "Client::MethodNotAllowed",
        409: "Client::Conflict::RequestPending",
        429: "Client::TooManyRequests",
    }.get(status, "Server::InternalServerError::Unknown" if status >= 500 else "Client::BadRequest")


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str = "This service does not exist") -> ApiError:
    return ApiError(404, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)
