"""``tinbai user add|list|passwd``: the accounts of the web pages.

The password is read from standard input (one line; from a terminal it is not echoed),
never from the command line, where other users could see it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from tinbai.config import Config


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("user", help="web page accounts: add, list, passwd")
    sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add a user (password from standard input)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("editor", "finance", "admin"))
    add.set_defaults(func=run_add)
    lst = sub.add_parser("list", help="list users")
    lst.set_defaults(func=run_list)
    pw = sub.add_parser("passwd", help="set a user's password (from standard input)")
    pw.add_argument("name")
    pw.set_defaults(func=run_passwd)
    for name, enabled in (("disable", False), ("enable", True)):
        q = sub.add_parser(name, help=f"{name} a user")
        q.add_argument("name")
        q.set_defaults(func=run_enable if enabled else run_disable)


def read_password() -> str:
    """One line from standard input (no echo on a terminal, asked twice)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại: ") != first:
            raise SystemExit("tinbai user: hai lần nhập không khớp")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _store(config: Config) -> Any:
    from store.db import Store

    return Store(config.data_path)


def run_add(args: argparse.Namespace, config: Config) -> int:
    from tinbai.web.auth import UserError, create_user

    password = read_password()
    store = _store(config)
    try:
        create_user(store, args.name, args.role, password)
    except UserError as exc:
        print(f"tinbai user add: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"added {args.name} ({args.role})")
    return 0


def run_list(args: argparse.Namespace, config: Config) -> int:
    store = _store(config)
    try:
        users = store.users.all()
    finally:
        store.close()
    for user in users:
        state = "disabled" if user["disabled"] else "active"
        print(f"{user['name']}\t{user['role']}\t{state}\t{user['created_at']}")
    return 0


def run_passwd(args: argparse.Namespace, config: Config) -> int:
    from tinbai.web.auth import UserError, set_password

    password = read_password()
    store = _store(config)
    try:
        set_password(store, args.name, password, actor="cli")
    except UserError as exc:
        print(f"tinbai user passwd: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"password of {args.name} changed")
    return 0


def _set_disabled(args: argparse.Namespace, config: Config, disabled: bool) -> int:
    store = _store(config)
    try:
        user = store.users.by_name(args.name)
        if user is None:
            print(f"tinbai user: no user {args.name!r}", file=sys.stderr)
            return 1
        with store.transaction():
            store.users.update(int(user["id"]), {"disabled": int(disabled)})
            store.audit.record("cli", "user_disable" if disabled else "user_enable", None,
                        {"user": user["name"]})
    finally:
        store.close()
    print(f"{args.name} {'disabled' if disabled else 'enabled'}")
    return 0


def run_disable(args: argparse.Namespace, config: Config) -> int:
    return _set_disabled(args, config, True)


def run_enable(args: argparse.Namespace, config: Config) -> int:
    return _set_disabled(args, config, False)
