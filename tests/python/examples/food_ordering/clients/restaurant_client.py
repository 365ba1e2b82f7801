# Copyright (c) 2024 - Restate Software, Inc., Restate GmbH
#
# This file is part of the Restate examples,
# which is released under the MIT license.
#
# You can find a copy of the license in the file LICENSE
# in the root directory of this repository or package or at
# https://github.com/restatedev/examples/
#
# Source: python/end-to-end-applications/food-ordering/app/ordering/clients/restaurant_client.py
# Port: upstream POSTs {"order_id": ...} to the restaurant's point-of-sale server
# (RESTAURANT_ENDPOINT/prepare, a separate Flask app that later sends
# `order-workflow/<id>/finishedPreparation`). Here the restaurant is a local stub that records
# the orders it was asked to prepare; the test plays the restaurant's callback.

# The orders the restaurant was asked to prepare, in order.
PREPARE_REQUESTS: list[str] = []


class RestaurantClient:
    def prepare(self, order_id: str) -> None:
        PREPARE_REQUESTS.append(order_id)
