"""A consumer that dies (``os._exit(1)``) inside its handler, before the bus can ack.

Run as ``python -m tests.common.dying_consumer AMQP_URL NAMESPACE SERVICE NAME ROUTING_KEY
DELIVERY_LIMIT``. Prints ``ready`` once subscribed and ``got <message_id>`` just before dying.
"""

from __future__ import annotations

import asyncio
import os
import sys

from libs.shared.bus import Bus, Delivery


async def main(url: str, namespace: str, service: str, name: str, routing_key: str,
               delivery_limit: int) -> None:
    bus = Bus(url, namespace=namespace, service=service, delivery_limit=delivery_limit)
    await bus.connect(wait_seconds=10)

    async def handler(delivery: Delivery) -> None:
        print(f"got {delivery.message_id}", flush=True)
        os._exit(1)

    await bus.subscribe(name, [routing_key], handler)
    print("ready", flush=True)
    await asyncio.sleep(60)  # the test kills us if no message ever comes
    os._exit(2)


if __name__ == "__main__":
    url, namespace, service, name, routing_key, limit = sys.argv[1:7]
    asyncio.run(main(url, namespace, service, name, routing_key, int(limit)))
