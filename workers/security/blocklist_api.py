"""The block-list admin API: list, add (manual blocks) and remove, through the BlockLedger."""

from __future__ import annotations

from check_api import forget_cached_blocklist
from edgewatch.access import Role
from edgewatch.codec import decode, encode
from edgewatch.errors import NotFound, Unprocessable
from edgewatch.security.api_input import read_block_request
from edgewatch.security.blocklist import BlockEntry, BlockSource
from edgewatch.security.messages import AddBlock, BlockAdded, BlockRemoved
from edgewatch_cf.app import Incoming, Reply, Routes
from edgewatch_cf.clock import now_ms
from edgewatch_cf.json_body import json_body
from limiter_shard import block_ledger

MAX_BLOCK_BODY = 16_000
routes = Routes()


@routes.route("GET", "/security/blocklist", access=Role.VIEWER)
async def list_blocks(req: Incoming) -> Reply:
    entries = decode(list[BlockEntry], str(await block_ledger(req.env).entries(now_ms())))
    return Reply({"entries": [entry.to_json() for entry in entries]})


@routes.route("POST", "/security/blocklist", access=Role.ADMIN)
async def add_block(req: Incoming) -> Reply:
    data = await json_body(req, MAX_BLOCK_BODY)
    try:
        block = read_block_request(data)
    except ValueError as exc:
        raise Unprocessable(str(exc)) from None
    request = AddBlock(block.target, block.reason, block.ttl_ms, BlockSource.MANUAL, now_ms())
    answer = decode(BlockAdded, str(await block_ledger(req.env).add(encode(request))))
    if answer.error is not None:
        raise Unprocessable(answer.error)
    forget_cached_blocklist()
    return Reply(answer.to_reply(), answer.status)


@routes.route("DELETE", "/security/blocklist/{target:path}", access=Role.ADMIN)
async def remove_block(req: Incoming) -> Reply:
    answer = decode(BlockRemoved, str(await block_ledger(req.env).remove(req.params["target"], now_ms())))
    if answer.error is not None:
        raise Unprocessable(answer.error)
    if answer.removed is None:
        raise NotFound(f"{req.params['target']!r} is not on the block-list")
    forget_cached_blocklist()
    return Reply(None, 204)
