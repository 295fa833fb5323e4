"""The editors' (and finance's) web pages: ``tinbai serve``.

Server-rendered Starlette + Jinja2 pages in Vietnamese. See :mod:`tinbai.web.app` for how
the application is assembled from route modules.
"""

from starlette.convertors import Convertor, register_url_convertor


class IdConvertor(Convertor[int]):
    """``{name:id}`` in a route: a database id, 1–18 digits (anything longer is no id of
    ours, so the path is a 404 before SQLite could overflow)."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())
