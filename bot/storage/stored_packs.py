"""The Store's packs kept in the database (tables stored_packs and stored_pack_files)."""

from __future__ import annotations

from datetime import datetime

from bot.core.catalog.ports import PackStore, StoredPack
from bot.storage.connection import Connection, _ts


class StoredPackTable(Connection, PackStore):
    async def stored_packs(self) -> list[StoredPack]:
        heads = await self._all("SELECT pack_id, scope, updated_by FROM stored_packs ORDER BY pack_id")
        files: dict[str, dict[str, str]] = {pack_id: {} for pack_id, _, _ in heads}
        for pack_id, path, text in await self._all(
            "SELECT pack_id, path, text FROM stored_pack_files ORDER BY pack_id, path"
        ):
            files[pack_id][path] = text
        return [StoredPack(pack_id, scope, files[pack_id], by) for pack_id, scope, by in heads]

    async def stored_pack(self, pack_id: str) -> StoredPack | None:
        head = await self._all("SELECT scope, updated_by FROM stored_packs WHERE pack_id = ?", (pack_id,))
        if not head:
            return None
        rows = await self._all(
            "SELECT path, text FROM stored_pack_files WHERE pack_id = ? ORDER BY path", (pack_id,)
        )
        return StoredPack(pack_id, head[0][0], dict(rows), head[0][1])

    async def stored_scopes(self) -> dict[str, str]:
        return dict(await self._all("SELECT pack_id, scope FROM stored_packs"))

    async def save_pack(self, pack: StoredPack, now: datetime) -> bool:
        async with self._transaction() as db:
            # the check and the write in one statement: another process may have taken the id
            # for its workspace since this one looked
            saved = await db.all(
                "INSERT INTO stored_packs (pack_id, scope, updated_at, updated_by) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (pack_id) DO UPDATE SET updated_at = excluded.updated_at,"
                " updated_by = excluded.updated_by WHERE stored_packs.scope = excluded.scope"
                " RETURNING pack_id",
                (pack.pack_id, pack.scope, _ts(now), pack.updated_by),
            )
            if not saved:
                return False
            await db.run("DELETE FROM stored_pack_files WHERE pack_id = ?", (pack.pack_id,))
            await db.many(
                "INSERT INTO stored_pack_files (pack_id, path, text) VALUES (?, ?, ?)",
                [(pack.pack_id, path, text) for path, text in sorted(pack.files.items())],
            )
        return True
