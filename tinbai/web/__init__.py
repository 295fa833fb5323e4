"""The editors' (and finance's) web pages: ``tinbai serve``.

Server-rendered Starlette + Jinja2 pages in Vietnamese. See :mod:`tinbai.web.app` for how
the application is assembled from route modules.
"""
