"""``tinbai serve``: the editors' and finance web pages (uvicorn)."""

from __future__ import annotations

import argparse
from typing import Any

from tinbai.config import Config


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("serve", help="the editors' and finance web pages")
    p.add_argument("--host", help="listen address (default: web.host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="listen port (default: web.port, 8080)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    import uvicorn

    from tinbai.web.app import create_app

    host = args.host or config.web.host
    port = args.port or config.web.port
    app = create_app(config)
    print(f"tinbai: trang biên tập tại http://{host}:{port}/ (Ctrl+C để dừng)")
    proxies = config.web.trusted_proxies  # X-Forwarded-For only from these (docs/security.md)
    uvicorn.run(app, host=host, port=port, log_level=config.log_level.lower(),
                proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
                server_header=False)
    return 0
