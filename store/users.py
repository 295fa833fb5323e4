"""Users of the web pages (names, roles, password hashes; tinbai.web.auth decides)."""

from __future__ import annotations

from store.base import Repository, Row, iso


class UserStore(Repository):
    """The users table."""

    def add(self, name: str, role: str, password_hash: str) -> int:
        """Insert a user; returns its id."""
        return self._insert("users", {"name": name, "role": role,
                                      "password_hash": password_hash,
                                      "created_at": iso(), "disabled": 0})

    def by_name(self, name: str) -> Row | None:
        """A user by name (None: no such user)."""
        return self._one("SELECT * FROM users WHERE name = ?", (name,))

    def by_id(self, user_id: int) -> Row | None:
        """A user by id (None: no such user)."""
        return self._one("SELECT * FROM users WHERE id = ?", (user_id,))

    def all(self) -> list[Row]:
        """Every user, by name."""
        return self._all("SELECT * FROM users ORDER BY name")

    def update(self, user_id: int, values: Row) -> None:
        """Update columns of a user (role, password hash, disabled)."""
        self.db.table("users").update(user_id, values)
